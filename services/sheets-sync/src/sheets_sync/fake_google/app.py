"""The fake's HTTP layer: Sheets v4 REST routes, a token endpoint, faults, counters, control."""

from __future__ import annotations

import asyncio
import copy
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sheets_sync.fake_google.model import ApiFailure
from sheets_sync.fake_google.state import FakeSheetsState

API_PREFIX = "/v4/spreadsheets/"


@dataclass
class FaultPlan:
    """Faults injected before a request is handled (so a failed write never half-applies)."""

    failure_rate: float = 0.0
    statuses: list[int] = field(default_factory=lambda: [429, 500])
    retry_after_seconds: float | None = None
    latency_seconds: float = 0.0
    queued: list[int] = field(default_factory=list)
    path_contains: str | None = None


@dataclass
class RequestStats:
    reads: int = 0
    writes: int = 0
    faults: int = 0
    by_endpoint: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reads": self.reads,
            "writes": self.writes,
            "faults": self.faults,
            "by_endpoint": dict(self.by_endpoint),
        }


def _error(failure: ApiFailure) -> JSONResponse:
    return JSONResponse(failure.body(), status_code=failure.code, headers=failure.headers)


class FakeGoogle:
    """Holds the state, the fault plan and the counters; ``app`` serves them."""

    def __init__(self, *, seed: int | None = None, faults: FaultPlan | None = None) -> None:
        self.seed = seed
        self.state = FakeSheetsState(seed)
        self.faults = faults or FaultPlan()
        self.stats = RequestStats()
        self.app = Starlette(
            routes=[
                Route("/token", self.token, methods=["POST"]),
                Route("/_fake/{path:path}", self.control, methods=["GET", "POST", "DELETE"]),
                Route("/{path:path}", self.api, methods=["GET", "POST", "PUT", "DELETE"]),
            ]
        )

    def reset(self) -> None:
        """Forget every spreadsheet, fault and count (tests share one server)."""
        self.state = FakeSheetsState(self.seed)
        self.faults = FaultPlan()
        self.stats = RequestStats()

    # -- faults and identity --------------------------------------------------------------
    def _pick_fault(self, path: str) -> int | None:
        plan = self.faults
        if plan.path_contains and plan.path_contains not in path:
            return None
        if plan.queued:
            return plan.queued.pop(0)
        if plan.failure_rate and self.state.rng.random() < plan.failure_rate:
            return self.state.rng.choice(plan.statuses)
        return None

    def _fault_response(self, status: int) -> JSONResponse:
        self.stats.faults += 1
        headers: dict[str, str] = {}
        if status == 429 and self.faults.retry_after_seconds is not None:
            headers["Retry-After"] = f"{self.faults.retry_after_seconds:g}"
        messages = {
            403: "The caller does not have permission",
            404: "Requested entity was not found.",
            429: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests "
            "per minute per user' of service 'sheets.googleapis.com'.",
            500: "Internal error encountered.",
            503: "The service is currently unavailable.",
        }
        return _error(ApiFailure(status, messages.get(status, "Fault injected."), headers))

    @staticmethod
    def _caller(request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ApiFailure(
                401,
                "Request is missing required authentication credential. Expected OAuth 2 "
                "access token, login cookie or other valid authentication credential.",
            )
        return token.removeprefix("fake:")

    # -- token endpoint ------------------------------------------------------------------
    async def token(self, request: Request) -> Response:
        form = parse_qs((await request.body()).decode())
        assertion = form.get("assertion", [""])[0]
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "Invalid JWT."}, status_code=400
            )
        if header.get("kid") in self.state.revoked_key_ids:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
                status_code=400,
            )
        return JSONResponse(
            {
                "access_token": f"fake:{claims.get('iss')}",
                "expires_in": 3599,
                "token_type": "Bearer",
            }
        )

    # -- the API -------------------------------------------------------------------------
    async def api(self, request: Request) -> Response:
        raw = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
        raw = raw.split("?", 1)[0]
        is_read = request.method == "GET"
        if is_read:
            self.stats.reads += 1
        else:
            self.stats.writes += 1
        if self.faults.latency_seconds:
            await asyncio.sleep(self.faults.latency_seconds)
        fault = self._pick_fault(raw)
        if fault is not None:
            return self._fault_response(fault)
        try:
            caller = self._caller(request)
            if not raw.startswith(API_PREFIX):
                raise ApiFailure(404, "Requested entity was not found.")
            return await self._dispatch(request, raw[len(API_PREFIX) :], caller)
        except ApiFailure as failure:
            return _error(failure)

    async def _body(self, request: Request) -> Any:
        try:
            return json.loads(await request.body() or b"{}")
        except ValueError as exc:
            raise ApiFailure(400, "Invalid JSON payload received.") from exc

    async def _dispatch(self, request: Request, rest: str, caller: str) -> Response:
        method = request.method
        params = request.query_params
        head, slash, tail = rest.partition("/")
        if not slash:
            spreadsheet_id, _, action = head.partition(":")
            spreadsheet = self.state.open(unquote(spreadsheet_id), caller)
            if method == "GET" and not action:
                self.stats.by_endpoint["spreadsheets.get"] += 1
                return JSONResponse(spreadsheet.metadata())
            if method == "POST" and action == "batchUpdate":
                self.stats.by_endpoint["spreadsheets.batchUpdate"] += 1
                body = await self._body(request)
                return JSONResponse(self.state.batch_update(spreadsheet, body.get("requests")))
            raise ApiFailure(404, "Requested entity was not found.")
        spreadsheet = self.state.open(unquote(head), caller)
        if tail.startswith("values:"):
            action = tail.removeprefix("values:")
            if method == "GET" and action == "batchGet":
                self.stats.by_endpoint["values.batchGet"] += 1
                ranges = params.getlist("ranges")
                return JSONResponse(
                    {
                        "spreadsheetId": spreadsheet.spreadsheet_id,
                        "valueRanges": [
                            self.state.values_get(
                                spreadsheet,
                                text,
                                major_dimension=params.get("majorDimension", "ROWS"),
                                render=params.get("valueRenderOption", "FORMATTED_VALUE"),
                            )
                            for text in ranges
                        ],
                    }
                )
            if method == "POST" and action == "batchUpdate":
                self.stats.by_endpoint["values.batchUpdate"] += 1
                body = await self._body(request)
                return JSONResponse(self._values_batch_update(spreadsheet, body))
            if method == "POST" and action == "batchClear":
                self.stats.by_endpoint["values.batchClear"] += 1
                body = await self._body(request)
                cleared = [self.state.values_clear(spreadsheet, r) for r in body.get("ranges", [])]
                return JSONResponse(
                    {
                        "spreadsheetId": spreadsheet.spreadsheet_id,
                        "clearedRanges": [c["clearedRange"] for c in cleared],
                    }
                )
            raise ApiFailure(404, "Requested entity was not found.")
        if not tail.startswith("values/"):
            raise ApiFailure(404, "Requested entity was not found.")
        encoded = tail.removeprefix("values/")
        action = ""
        for suffix in (":append", ":clear"):
            if method == "POST" and encoded.endswith(suffix):
                encoded, action = encoded[: -len(suffix)], suffix[1:]
        text = unquote(encoded)
        if method == "GET":
            self.stats.by_endpoint["values.get"] += 1
            return JSONResponse(
                self.state.values_get(
                    spreadsheet,
                    text,
                    major_dimension=params.get("majorDimension", "ROWS"),
                    render=params.get("valueRenderOption", "FORMATTED_VALUE"),
                )
            )
        if method == "PUT":
            self.stats.by_endpoint["values.update"] += 1
            body = await self._body(request)
            return JSONResponse(
                self.state.values_update(
                    spreadsheet,
                    text,
                    body.get("values", []),
                    input_option=params.get("valueInputOption", ""),
                    major_dimension=body.get("majorDimension", "ROWS"),
                )
            )
        if action == "append":
            self.stats.by_endpoint["values.append"] += 1
            body = await self._body(request)
            return JSONResponse(
                self.state.values_append(
                    spreadsheet, text, body.get("values", []), params.get("valueInputOption", "")
                )
            )
        if action == "clear":
            self.stats.by_endpoint["values.clear"] += 1
            return JSONResponse(self.state.values_clear(spreadsheet, text))
        raise ApiFailure(404, "Requested entity was not found.")

    def _values_batch_update(self, spreadsheet: Any, body: dict[str, Any]) -> dict[str, Any]:
        option = body.get("valueInputOption", "")
        data = body.get("data", [])
        # Atomic like the real API: validate on a copy, then keep it.
        draft = copy.deepcopy(spreadsheet)
        responses = [
            self.state.values_update(
                draft,
                item.get("range", ""),
                item.get("values", []),
                input_option=option,
                major_dimension=item.get("majorDimension", "ROWS"),
            )
            for item in data
        ]
        spreadsheet.sheets = draft.sheets
        for response in responses:
            response["spreadsheetId"] = spreadsheet.spreadsheet_id
        return {
            "spreadsheetId": spreadsheet.spreadsheet_id,
            "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
            "totalUpdatedColumns": max((r["updatedColumns"] for r in responses), default=0),
            "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
            "totalUpdatedSheets": len({r["updatedRange"].rsplit("!", 1)[0] for r in responses}),
            "responses": responses,
        }

    # -- control -------------------------------------------------------------------------
    async def control(self, request: Request) -> Response:
        path = request.path_params["path"].strip("/")
        method = request.method
        body = json.loads(await request.body() or b"{}") if method == "POST" else {}
        if path == "spreadsheets" and method == "POST":
            shared = body.get("shared_with")
            spreadsheet = self.state.create_spreadsheet(
                body.get("title", "Untitled spreadsheet"),
                spreadsheet_id=body.get("spreadsheet_id"),
                sheet_title=body.get("sheet_title", "Sheet1"),
                rows=int(body.get("rows", 1000)),
                columns=int(body.get("columns", 26)),
                shared_with=set(shared) if shared is not None else None,
            )
            return JSONResponse(spreadsheet.metadata(), status_code=201)
        if path == "faults" and method == "POST":
            self.faults = FaultPlan(**body)
            return JSONResponse(asdict(self.faults))
        if path == "faults" and method == "DELETE":
            self.faults = FaultPlan()
            return Response(status_code=204)
        if path == "stats" and method == "GET":
            return JSONResponse(self.stats.as_dict())
        if path == "reset" and method == "POST":
            self.reset()
            return Response(status_code=204)
        if path == "stats" and method == "DELETE":
            self.stats = RequestStats()
            return Response(status_code=204)
        if path == "revoked-keys" and method == "POST":
            self.state.revoked_key_ids.add(str(body.get("private_key_id")))
            return Response(status_code=204)
        return JSONResponse({"error": {"code": 404, "message": "no such control"}}, 404)
