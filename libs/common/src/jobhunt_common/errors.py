"""Domain errors and their RFC 9457 problem+json rendering.

Every expected failure below a router is raised as a subclass of ``JobhuntError``;
one handler renders it. The tree:

    JobhuntError (500)
    ├── BadRequest (400)
    ├── Unauthorized (401)
    ├── Forbidden (403)
    ├── NotFound (404)
    ├── Conflict (409)
    ├── PreconditionFailed (412)
    ├── PreconditionRequired (428)
    ├── PayloadTooLarge (413)
    ├── UnsupportedMediaType (415)
    ├── Unprocessable (422)
    ├── TooManyRequests (429)
    ├── BadGateway (502)
    ├── ServiceUnavailable (503)
    └── GatewayTimeout (504)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://jobhunt.dev/problems/"

logger = logging.getLogger("jobhunt.errors")

# The widest whole number PostgreSQL's INTEGER holds: ids and counts stay within it so
# that SQLite (64-bit) and PostgreSQL accept the same values.
MIN_DB_INT = -(2**31)
MAX_DB_INT = 2**31 - 1
_OUT_OF_RANGE = "A number in the request is out of range for the database."


class JobhuntError(Exception):
    """Base of every expected error; carries its HTTP status and problem type slug."""

    status_code: int = 500
    problem_type: str = "internal-error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.detail = detail or HTTPStatus(self.status_code).phrase
        self.errors = list(errors) if errors is not None else None
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        super().__init__(self.detail)

    @property
    def title(self) -> str:
        return HTTPStatus(self.status_code).phrase


class BadRequest(JobhuntError):
    status_code = 400
    problem_type = "bad-request"


class Unauthorized(JobhuntError):
    status_code = 401
    problem_type = "unauthorized"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kwargs)


class Forbidden(JobhuntError):
    status_code = 403
    problem_type = "forbidden"


class NotFound(JobhuntError):
    status_code = 404
    problem_type = "not-found"


class Conflict(JobhuntError):
    status_code = 409
    problem_type = "conflict"


class PreconditionFailed(JobhuntError):
    status_code = 412
    problem_type = "precondition-failed"


class PayloadTooLarge(JobhuntError):
    status_code = 413
    problem_type = "payload-too-large"


class UnsupportedMediaType(JobhuntError):
    status_code = 415
    problem_type = "unsupported-media-type"


class Unprocessable(JobhuntError):
    status_code = 422
    problem_type = "validation-error"


class PreconditionRequired(JobhuntError):
    status_code = 428
    problem_type = "precondition-required"


class TooManyRequests(JobhuntError):
    status_code = 429
    problem_type = "rate-limited"


class BadGateway(JobhuntError):
    status_code = 502
    problem_type = "bad-gateway"


class ServiceUnavailable(JobhuntError):
    status_code = 503
    problem_type = "service-unavailable"


class GatewayTimeout(JobhuntError):
    status_code = 504
    problem_type = "gateway-timeout"


def problem_body(
    status_code: int,
    detail: str,
    *,
    problem_type: str | None = None,
    title: str | None = None,
    instance: str | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The RFC 9457 body as a dict."""
    slug = problem_type or HTTPStatus(status_code).phrase.lower().replace(" ", "-")
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title or HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = list(errors)
    if extra:
        body.update(extra)
    return body


def problem_response(
    status_code: int,
    detail: str,
    *,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> JSONResponse:
    """A problem+json response."""
    return JSONResponse(
        problem_body(status_code, detail, instance=instance, **kwargs),
        status_code=status_code,
        headers=dict(headers or {}),
        media_type=PROBLEM_CONTENT_TYPE,
    )


def _validation_errors(exc: RequestValidationError) -> tuple[int, str, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    malformed = False
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            malformed = True
        loc = [str(part) for part in error.get("loc", ())]
        errors.append(
            {
                "loc": loc,
                "field": ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc),
                "type": error.get("type"),
                "message": error.get("msg"),
            }
        )
    if malformed:
        return 400, "The request body is not valid JSON.", errors
    fields = ", ".join(sorted({e["field"] for e in errors if e["field"]}))
    return 422, f"Invalid request: {fields or 'see errors'}.", errors


def install_error_handlers(app: FastAPI) -> None:
    """Render every error, expected or not, as problem+json."""

    async def on_jobhunt_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, JobhuntError)
        return problem_response(
            exc.status_code,
            exc.detail,
            problem_type=exc.problem_type,
            instance=request.url.path,
            errors=exc.errors,
            extra=exc.extra,
            headers=exc.headers,
        )

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        status_code, detail, errors = _validation_errors(exc)
        return problem_response(
            status_code,
            detail,
            problem_type="validation-error" if status_code == 422 else "malformed-json",
            instance=request.url.path,
            errors=errors,
        )

    async def on_http_exception(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return problem_response(
            exc.status_code, detail, instance=request.url.path, headers=exc.headers
        )

    async def on_stale(request: Request, exc: Exception) -> JSONResponse:
        # A versioned UPDATE matched no row: another writer got there first.
        return problem_response(
            412,
            "The resource was changed by another request; fetch it and retry.",
            problem_type="precondition-failed",
            instance=request.url.path,
        )

    async def on_out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # A value validation let through but the database cannot hold: SQLite's driver
        # raises OverflowError for ints past 64 bits, asyncpg "value out of int32/int64
        # range". The session has rolled back, so nothing was written.
        logger.warning("value out of range on %s %s: %s", request.method, request.url.path, exc)
        return problem_response(
            422, _OUT_OF_RANGE, problem_type="value-out-of-range", instance=request.url.path
        )

    async def on_database_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StatementError)
        if isinstance(exc.orig, JobhuntError):  # raised while binding (a type's own check)
            return await on_jobhunt_error(request, exc.orig)
        if (
            isinstance(exc, DBAPIError)
            and "out of int" in str(exc.orig)
            and "range" in str(exc.orig)
        ):
            return await on_out_of_range(request, exc)
        return await on_unexpected(request, exc)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, "An unexpected error occurred.", instance=request.url.path)

    app.add_exception_handler(JobhuntError, on_jobhunt_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(StaleDataError, on_stale)
    app.add_exception_handler(OverflowError, on_out_of_range)
    app.add_exception_handler(StatementError, on_database_error)
    app.add_exception_handler(Exception, on_unexpected)
