"""An in-memory tracker that keeps the API contract sheets-sync builds against.

Stands in for ``services/tracker`` where the real one is not needed (benchmark set-up,
and until its applications API exists); the scenario tests run against the real tracker.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse

from jobhunt_common.auth import TokenSigner, TokenVerifier
from jobhunt_common.db import utcnow

EDITABLE = {
    "title", "company", "url", "location", "workplace_type", "employment_type", "salary_min",
    "salary_max", "salary_currency", "salary_period", "source", "description", "date_posted",
    "status", "applied_at", "first_response_at", "follow_up_at", "excitement", "tags",
    "archived",
}  # fmt: skip


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"status": status, "detail": detail}, status_code=status)


def create_contract_tracker(verifier: TokenVerifier, signer: TokenSigner) -> FastAPI:
    app = FastAPI()
    applications: dict[int, dict[str, Any]] = {}
    owners: dict[int, str] = {}
    idempotency: dict[tuple[str, str], int] = {}
    delegations: dict[str, dict[str, Any]] = {}
    counter = iter(range(1, 10**9))
    app.state.applications = applications

    def principal(request: Request) -> Any:
        header = request.headers.get("authorization", "")
        return verifier.verify(header.partition(" ")[2])

    def now() -> str:
        return utcnow().isoformat()

    @app.post("/tracker/applications", status_code=201)
    async def create(
        request: Request, idempotency_key: Annotated[str | None, Header()] = None
    ) -> Any:
        user = principal(request)
        body = await request.json()
        if idempotency_key and (user.user_id, idempotency_key) in idempotency:
            return applications[idempotency[(user.user_id, idempotency_key)]]
        if not body.get("title"):
            return _problem(422, "title is required")
        application_id = next(counter)
        stamp = now()
        application: dict[str, Any] = dict.fromkeys(EDITABLE)
        application.update(tags=[], archived=False, status="saved")
        application.update({k: v for k, v in body.items() if k in EDITABLE})
        application.update(
            id=application_id, created_at=stamp, updated_at=stamp, deleted_at=None, version=1,
            company_id=None, match_score=None,
        )  # fmt: skip
        applications[application_id] = application
        owners[application_id] = user.user_id
        if idempotency_key:
            idempotency[(user.user_id, idempotency_key)] = application_id
        return application

    def owned(request: Request, application_id: int) -> dict[str, Any] | None:
        user = principal(request)
        application = applications.get(application_id)
        if application is None or owners[application_id] != user.user_id:
            return None
        return application

    @app.get("/tracker/applications/{application_id}")
    async def read(request: Request, application_id: int, response: Response) -> Any:
        application = owned(request, application_id)
        if application is None or application["deleted_at"]:
            return _problem(404, "No such application.")
        response.headers["ETag"] = f'"{application["version"]}"'
        return application

    @app.patch("/tracker/applications/{application_id}")
    async def patch(
        request: Request, application_id: int, if_match: Annotated[str | None, Header()] = None
    ) -> Any:
        application = owned(request, application_id)
        if application is None or application["deleted_at"]:
            return _problem(404, "No such application.")
        if if_match is not None and if_match.strip('"') != str(application["version"]):
            return _problem(412, "changed")
        body = await request.json()
        application.update({k: v for k, v in body.items() if k in EDITABLE})
        application["version"] += 1
        application["updated_at"] = now()
        return application

    @app.delete("/tracker/applications/{application_id}", status_code=204)
    async def delete(
        request: Request, application_id: int, if_match: Annotated[str | None, Header()] = None
    ) -> Response:
        application = owned(request, application_id)
        if application is None or application["deleted_at"]:
            return _problem(404, "No such application.")
        if if_match is not None and if_match.strip('"') != str(application["version"]):
            return _problem(412, "changed")
        application["deleted_at"] = application["updated_at"] = now()
        application["version"] += 1
        return Response(status_code=204)

    @app.get("/tracker/applications")
    async def listing(
        request: Request,
        limit: int = 50,
        cursor: str | None = None,
        updated_since: str | None = None,
        include_deleted: bool = False,
        sort: str = "-updated_at",
    ) -> Any:
        user = principal(request)
        items = [
            a
            for i, a in applications.items()
            if owners[i] == user.user_id and (include_deleted or not a["deleted_at"])
        ]
        if updated_since:
            since = datetime.fromisoformat(updated_since)
            items = [a for a in items if datetime.fromisoformat(a["updated_at"]) >= since]
        items.sort(key=lambda a: (a["updated_at"], a["id"]), reverse=sort.startswith("-"))
        start = int(base64.urlsafe_b64decode(cursor.encode()).decode()) if cursor else 0
        page = items[start : start + limit]
        more = start + limit < len(items)
        next_cursor = (
            base64.urlsafe_b64encode(str(start + limit).encode()).decode() if more else None
        )
        return {"items": page, "next_cursor": next_cursor}

    @app.post("/auth/delegations", status_code=201)
    async def delegate(request: Request) -> Any:
        user = principal(request)
        if "full" not in user.scopes:
            return _problem(403, "full access needed")
        body = await request.json()
        delegation_id = uuid.uuid4().hex
        secret = secrets.token_urlsafe(24)
        delegations[delegation_id] = {
            "user_id": user.user_id, "secret": secret, "scopes": body["scopes"], "revoked": False,
        }  # fmt: skip
        return {"id": delegation_id, "name": body["name"], "scopes": body["scopes"],
                "secret": secret, "created_at": now()}  # fmt: skip

    @app.delete("/auth/delegations/{delegation_id}", status_code=204)
    async def revoke(request: Request, delegation_id: str) -> Response:
        user = principal(request)
        delegation = delegations.get(delegation_id)
        if delegation is None or delegation["user_id"] != user.user_id:
            return _problem(404, "No such delegation.")
        delegation["revoked"] = True
        return Response(status_code=204)

    @app.post("/auth/delegations/token")
    async def exchange(request: Request) -> Any:
        body = await request.json()
        for delegation in delegations.values():
            if delegation["secret"] == body.get("secret") and not delegation["revoked"]:
                token = signer.sign(delegation["user_id"], scopes=set(delegation["scopes"]))
                return {"access_token": token, "token_type": "bearer", "expires_in": 900}
        return _problem(401, "The delegated credential is not valid.")

    return app
