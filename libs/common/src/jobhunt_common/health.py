"""``/healthz`` (the process is alive) and ``/readyz`` (database reachable, schema at head)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from jobhunt_common.db import Database
from jobhunt_common.errors import PROBLEM_CONTENT_TYPE, problem_body
from jobhunt_common.migrations import current_revisions, head_revisions
from jobhunt_common.preflight import public_key_problem

logger = logging.getLogger("jobhunt.health")


def health_router(migrations_dir: Path) -> APIRouter:
    """The two probes, reading the database from ``app.state``."""
    router = APIRouter(tags=["health"])
    heads = head_revisions(migrations_dir)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @router.get("/readyz", response_model=None)
    async def readyz(request: Request) -> dict[str, Any] | JSONResponse:
        """Readiness: the database answers and its schema is at the migrations' head."""
        database: Database = request.app.state.database
        try:
            current = await current_revisions(database.engine)
        except Exception as exc:  # any driver error means "not ready", never a 500
            logger.warning("database not reachable: %s", exc)
            return _not_ready(f"The database is not reachable: {type(exc).__name__}.")
        if current != heads:
            return _not_ready(
                f"The database schema is at {sorted(current) or 'nothing'}, "
                f"expected {sorted(heads)}: run the migrations."
            )
        key_problem = public_key_problem(request.app.state.settings)
        if key_problem is not None:
            return _not_ready(f"{key_problem}: access tokens cannot be verified.")
        return {"status": "ready", "database": database.dialect, "revision": sorted(current)}

    return router


def _not_ready(detail: str) -> JSONResponse:
    return JSONResponse(
        problem_body(503, detail, problem_type="not-ready"),
        status_code=503,
        media_type=PROBLEM_CONTENT_TYPE,
    )
