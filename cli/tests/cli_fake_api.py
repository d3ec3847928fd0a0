"""A small stand-in for the gateway's public API, for the parts not exercised for real.

It keeps the public contract (paths under ``/api``, problem+json errors, ETag and
If-Match, cursor pages, rotating refresh tokens) and counts calls so tests can see
what the CLI did.
"""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


@dataclass
class FakeState:
    users: dict[str, str] = field(default_factory=dict)
    access: dict[str, str] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)
    applications: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    last_request: dict[str, Any] = field(default_factory=dict)
    expires_in: int = 900
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def issue(self, email: str) -> dict[str, Any]:
        access, refresh = f"a-{uuid.uuid4().hex}", f"r-{uuid.uuid4().hex}"
        self.access[access] = email
        self.refresh[refresh] = email
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": self.expires_in,
        }


def create_fake_api(state: FakeState) -> FastAPI:
    app = FastAPI()

    def user_of(request: Request) -> str | None:
        header = request.headers.get("Authorization", "")
        return state.access.get(header.removeprefix("Bearer "))

    def unauthorised() -> JSONResponse:
        return problem(401, "Unauthorized", "The access token has expired.")

    @app.post("/api/auth/register", status_code=201, response_model=None)
    async def register(request: Request) -> Any:
        body = await request.json()
        if len(body.get("password", "")) < 8:
            return problem(
                422,
                "Unprocessable Entity",
                "Invalid request: password.",
                errors=[{"field": "password", "message": "at least 8 characters"}],
            )
        if body["email"] in state.users:
            return problem(409, "Conflict", "An account with this email exists.")
        state.users[body["email"]] = body["password"]
        return {"id": uuid.uuid4().hex, "email": body["email"], "created_at": "2026-01-01T00:00Z"}

    @app.post("/api/auth/token", response_model=None)
    async def token(request: Request) -> Any:
        form = await request.form()
        email, password = str(form["username"]), str(form["password"])
        if state.users.get(email) != password:
            return problem(401, "Unauthorized", "Incorrect email or password.")
        return state.issue(email)

    @app.post("/api/auth/refresh", response_model=None)
    async def refresh(request: Request) -> Any:
        state.calls["refresh"] += 1
        email = state.refresh.pop((await request.json())["refresh_token"], None)
        if email is None:
            return problem(401, "Unauthorized", "The refresh token is not valid.")
        return state.issue(email)

    @app.post("/api/auth/logout", status_code=204)
    async def logout(request: Request) -> Response:
        state.calls["logout"] += 1
        state.refresh.pop((await request.json())["refresh_token"], None)
        return Response(status_code=204)

    @app.get("/api/auth/me", response_model=None)
    async def me(request: Request) -> Any:
        email = user_of(request)
        return {"email": email} if email else unauthorised()

    @app.post("/api/tracker/applications", status_code=201, response_model=None)
    async def create(request: Request) -> Any:
        if user_of(request) is None:
            return unauthorised()
        body = await request.json()
        state.last_request = {"headers": dict(request.headers), "body": body}
        if not body.get("title"):
            return problem(
                422,
                "Unprocessable Entity",
                "Invalid request: title.",
                errors=[{"field": "title", "message": "String should have at least 1 character"}],
            )
        application_id = next(state.ids)
        row = {"id": application_id, "version": 1, "archived": False, "tags": [], **body}
        row.setdefault("status", "saved")
        row["updated_at"] = f"2026-01-01T00:00:{application_id % 60:02d}+00:00"
        state.applications[application_id] = row
        state.events[application_id] = []
        return JSONResponse(row, status_code=201, headers={"ETag": '"1"'})

    @app.get("/api/tracker/applications", response_model=None)
    async def list_(request: Request) -> Any:
        if user_of(request) is None:
            return unauthorised()
        state.calls["list"] += 1
        statuses = request.query_params.getlist("status")
        q = request.query_params.get("q")
        rows = sorted(state.applications.values(), key=lambda r: -r["id"])
        rows = [r for r in rows if not statuses or r["status"] in statuses]
        rows = [r for r in rows if not q or q.lower() in r["title"].lower()]
        start = int(request.query_params.get("cursor") or 0)
        limit = int(request.query_params.get("limit", 50))
        page = rows[start : start + limit]
        more = start + limit < len(rows)
        return {"items": page, "next_cursor": str(start + limit) if more else None}

    def find(request: Request, application_id: int) -> dict[str, Any] | JSONResponse:
        if user_of(request) is None:
            return unauthorised()
        row = state.applications.get(application_id)
        return row if row is not None else problem(404, "Not Found", "No such application.")

    @app.get("/api/tracker/applications/{application_id}", response_model=None)
    async def read(request: Request, application_id: int) -> Any:
        row = find(request, application_id)
        if isinstance(row, JSONResponse):
            return row
        return JSONResponse(row, headers={"ETag": f'"{row["version"]}"'})

    @app.patch("/api/tracker/applications/{application_id}", response_model=None)
    async def update(request: Request, application_id: int) -> Any:
        row = find(request, application_id)
        if isinstance(row, JSONResponse):
            return row
        if request.headers.get("If-Match") != f'"{row["version"]}"':
            return problem(412, "Precondition Failed", "The application changed; fetch it again.")
        body = await request.json()
        label = body.pop("status_label", None)
        if "status" in body and body["status"] != row["status"]:
            event = {"at": "now", "from_status": row["status"], "to_status": body["status"]}
            state.events[application_id].append({**event, "source": "manual", "label": label})
        row.update(body)
        row["version"] += 1
        return JSONResponse(row, headers={"ETag": f'"{row["version"]}"'})

    @app.get("/api/tracker/applications/{application_id}/events", response_model=None)
    async def events(request: Request, application_id: int) -> Any:
        row = find(request, application_id)
        if isinstance(row, JSONResponse):
            return row
        return {"items": state.events[application_id], "next_cursor": None}

    @app.post("/api/tracker/import", response_model=None)
    async def import_(request: Request) -> Any:
        if user_of(request) is None:
            return unauthorised()
        form = await request.form()
        upload: Any = form["file"]
        content = (await upload.read()).decode()
        rows = [line for line in content.splitlines()[1:] if line.strip()]
        dry_run = request.query_params.get("dry_run") == "true"
        state.last_request = {"filename": upload.filename, "bytes": len(content)}
        return {"dry_run": dry_run, "created": len(rows), "errors": []}

    @app.get("/api/tracker/export", response_model=None)
    async def export(request: Request) -> Any:
        if user_of(request) is None:
            return unauthorised()
        fmt = request.query_params.get("format", "csv")

        async def body() -> AsyncIterator[bytes]:
            yield b"id,title\n" if fmt == "csv" else b"["
            for number in range(1, 1001):
                yield f"{number},job {number}\n".encode() if fmt == "csv" else b"{},"
            if fmt != "csv":
                yield b"{}]"

        return StreamingResponse(body(), media_type="text/csv" if fmt == "csv" else "text/json")

    @app.post("/api/keywords/match", response_model=None)
    async def match(request: Request) -> Any:
        if user_of(request) is None:
            return unauthorised()
        body = await request.json()
        state.last_request = {"body": body}
        return {
            "score": 50,
            "explanation": "Half of it.",
            "breakdown": {"hard": {"score": 50, "weight": 1.0}},
            "matched": [{"term": "python", "match": "exact"}],
            "missing": [{"term": "kubernetes", "required": True}],
        }

    @app.post("/api/sheets/connections/{connection_id}/sync", response_model=None)
    async def sync(request: Request, connection_id: int) -> Any:
        if user_of(request) is None:
            return unauthorised()
        if connection_id != 1:
            return problem(404, "Not Found", "No such connection.")
        dry_run = request.query_params.get("dry_run") == "true"
        return {
            "run": {"id": 7, "dry_run": dry_run, "status": "succeeded", "rows_pushed": 2},
            "changes": [{"application_id": 1, "action": "push"}],
        }

    return app
