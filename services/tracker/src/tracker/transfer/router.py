"""``POST /tracker/import`` and ``GET /tracker/export``."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from jobhunt_common import Principal, SessionDep
from jobhunt_common.auth import FULL_ACCESS, require_scope
from jobhunt_common.errors import BadRequest, Unprocessable, UnsupportedMediaType
from tracker.deps import IdempotencyKeyHeader
from tracker.idempotency import idempotent_create
from tracker.transfer import document_import, service
from tracker.transfer.csv_import import decode, read_csv
from tracker.transfer.export import stream_csv, stream_json

router = APIRouter(prefix="/tracker", tags=["import/export"])

# Import, export, the calendar and analytics need a full-access token, never a delegated one.
FullUser = Annotated[Principal, require_scope(FULL_ACCESS)]

CSV_TYPES = {"text/csv", "text/plain", "application/csv", "application/vnd.ms-excel"}
ImportFormat = Literal["auto", "huntr", "jobsync", "teal", "generic", "json"]


class ImportResult(BaseModel):
    dry_run: bool
    format: str = Field(description="huntr, jobsync, teal, generic (CSV) or json.")
    encoding: str | None = None
    rows: int = Field(description="Data rows (CSV) or items (JSON) in the upload.")
    created: dict[str, int] = Field(description="What was (or, in a dry run, would be) created.")
    skipped: int = Field(description="Rows left out because they are invalid.")
    errors: list[dict[str, Any]] = Field(
        description="Per bad row: row (the header is row 1; JSON: position in its section), "
        "section (JSON), field and message."
    )
    mapping: dict[str, str] | None = Field(None, description="CSV column → field used.")
    ignored_columns: list[str] | None = None
    preview: list[dict[str, Any]] = Field(
        default_factory=list, description="Dry run: the first 100 applications as they would be."
    )


class ImportRequest(BaseModel):
    """What makes two import requests the same, for Idempotency-Key."""

    upload_sha256: str
    query: str
    form: dict[str, str]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json_param(raw: str | None, name: str) -> dict[str, str] | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise Unprocessable(f"{name} is not valid JSON.") from exc
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise Unprocessable(f'{name} must be a JSON object of strings, e.g. {{"Org": "company"}}.')
    return value


async def _upload(request: Request) -> tuple[bytes, bool, dict[str, str]]:
    """The uploaded bytes, whether they are JSON, and any form fields."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Unprocessable("The multipart form needs a 'file' part with the CSV or JSON.")
        payload = await upload.read()
        is_json = (upload.content_type or "").startswith("application/json") or (
            upload.filename or ""
        ).lower().endswith(".json")
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        return payload, is_json, fields
    if content_type == "application/json":
        return await request.body(), True, {}
    if content_type in CSV_TYPES:
        return await request.body(), False, {}
    raise UnsupportedMediaType(
        "Send the file as multipart/form-data (field 'file'), text/csv or application/json."
    )


@router.post(
    "/import",
    response_model=ImportResult,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            }
        }
    },
)
async def import_file(
    request: Request,
    session: SessionDep,
    user: FullUser,
    format: Annotated[ImportFormat, Query(description="auto detects from headers.")] = "auto",
    dry_run: Annotated[bool, Query(description="Report what would happen; write nothing.")] = False,
    skip_invalid: Annotated[
        bool, Query(description="Import the valid rows; by default one bad row stops all.")
    ] = False,
    encoding: Annotated[
        str, Query(description="utf-8 (BOM allowed), cp1252 or latin-1.")
    ] = "utf-8",
    day_first: Annotated[bool, Query(description="Read 03/05/2024 as 3 May.")] = False,
    mapping: Annotated[
        str | None, Query(description='JSON: CSV column → field, e.g. {"Org": "company"}.')
    ] = None,
    status_aliases: Annotated[
        str | None, Query(description='JSON: stage name → status, e.g. {"Stalled": "ghosted"}.')
    ] = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Import a CSV (Huntr, JobSync, Teal-style or ours) or our JSON export.

    Idempotency-Key is honoured: a retried import with the same key and the same file
    replays the first answer instead of importing twice.
    """
    payload, is_json, form = await _upload(request)

    async def run_import() -> ImportResult:
        if format == "json" or (format == "auto" and is_json):
            try:
                document = json.loads(payload, parse_constant=_reject_constant)
            except (ValueError, UnicodeDecodeError, RecursionError) as exc:
                raise BadRequest("The file is not valid JSON.") from exc
            outcome = await document_import.import_document(
                session, user.user_id, document, dry_run=dry_run, skip_invalid=skip_invalid
            )
        else:
            text, used_encoding = decode(payload, form.get("encoding", encoding))
            plan = read_csv(
                text,
                encoding=used_encoding,
                dialect=None if format == "auto" else format,
                mapping=_json_param(form.get("mapping", mapping), "mapping"),
                status_aliases=_json_param(
                    form.get("status_aliases", status_aliases), "status_aliases"
                ),
                day_first=day_first,
            )
            outcome = await service.import_csv(
                session, user.user_id, plan, dry_run=dry_run, skip_invalid=skip_invalid
            )
        return ImportResult(
            dry_run=outcome.dry_run,
            format=outcome.format,
            encoding=outcome.encoding,
            rows=outcome.rows,
            created=outcome.created,
            skipped=len({(e.get("section"), e["row"]) for e in outcome.errors}),
            errors=outcome.errors,
            mapping=outcome.mapping,
            ignored_columns=outcome.ignored_columns,
            preview=outcome.preview,
        )

    if dry_run:
        return JSONResponse((await run_import()).model_dump(mode="json"))
    fingerprint = ImportRequest(
        upload_sha256=hashlib.sha256(payload).hexdigest(),
        query=request.url.query,
        form=form,
    )
    return await idempotent_create(
        session,
        owner_id=user.user_id,
        key=idempotency_key,
        method="POST",
        path=request.url.path,
        body=fingerprint,
        create=run_import,
        status_code=200,
    )


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, "application/json": {}}}},
)
async def export_file(
    request: Request,
    user: FullUser,
    format: Annotated[Literal["csv", "json"], Query()] = "json",
    include_deleted: Annotated[bool, Query(description="Also export tombstones.")] = False,
) -> StreamingResponse:
    """Everything you track, streamed: CSV (applications, re-importable) or lossless JSON."""
    database = request.app.state.database
    if format == "csv":
        body = stream_csv(database, user.user_id, include_deleted=include_deleted)
        media_type, extension = "text/csv; charset=utf-8", "csv"
    else:
        body = stream_json(database, user.user_id, include_deleted=include_deleted)
        media_type, extension = "application/json", "json"
    return StreamingResponse(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="jobhunt-export.{extension}"'},
    )
