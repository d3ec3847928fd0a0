"""``create_service_app``: how every service is put together, in one place."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI

from jobhunt_common.auth import TokenVerifier
from jobhunt_common.db import Database
from jobhunt_common.errors import install_error_handlers
from jobhunt_common.health import health_router
from jobhunt_common.limits import BodySizeLimitMiddleware
from jobhunt_common.logging import RequestContextMiddleware, configure_logging
from jobhunt_common.preflight import ConfigurationError, database_url_problem, public_key_problem
from jobhunt_common.settings import ServiceSettings

StartupHook = Callable[[FastAPI], Awaitable[None]]
logger = logging.getLogger("jobhunt.app")


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    version: str,
    routers: Sequence[APIRouter],
    migrations_dir: Path,
    on_startup: Sequence[StartupHook] = (),
    on_shutdown: Sequence[StartupHook] = (),
    configure_logs: bool = True,
) -> FastAPI:
    """A FastAPI app with the database, token verifier, errors, logs, limits and probes wired.

    Raises ``ConfigurationError`` (one line naming the setting) for a database URL that
    cannot work; an unreachable database only keeps ``/readyz`` at 503 until it answers.
    """
    if configure_logs:
        configure_logging(settings.service_name, settings.log_level)
    url_problem = database_url_problem(settings)
    if url_problem is not None:
        raise ConfigurationError(url_problem)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.database = Database(settings.sqlalchemy_url, echo=settings.db_echo)
        app.state.token_verifier = TokenVerifier(
            settings.public_key_path, issuer=settings.jwt_issuer, audience=settings.jwt_audience
        )
        try:
            for hook in on_startup:
                await hook(app)
            key_problem = public_key_problem(settings)
            if key_problem is not None:
                logger.error("%s: not ready until it can", key_problem)
            yield
        finally:
            for hook in on_shutdown:
                await hook(app)
            await app.state.database.dispose()

    app = FastAPI(title=title, version=version, lifespan=lifespan)
    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health_router(migrations_dir))
    for router in routers:
        app.include_router(router)
    return app
