"""Credentials and connections: validation against Google, delegations, persistence."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from typing import Any

from gspread.exceptions import APIError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jobhunt_common import Principal
from jobhunt_common.errors import BadGateway, Conflict, Forbidden, NotFound, Unprocessable
from sheets_sync.config import Settings
from sheets_sync.connections.keys import validate_service_account_key
from sheets_sync.connections.schemas import (
    ConnectionCreate,
    ConnectionRead,
    ConnectionUpdate,
    CredentialRead,
)
from sheets_sync.crypto import SecretBox
from sheets_sync.errors import (
    BadServiceAccountKey,
    SheetUnusable,
    SpreadsheetNotFound,
    SpreadsheetNotShared,
)
from sheets_sync.fields import FIELDS, ID_KEY, NOTE_KEY
from sheets_sync.google_client import (
    GoogleError,
    RequestCounter,
    describe_api_error,
    make_client,
)
from sheets_sync.models import ServiceAccountCredential, SheetConnection
from sheets_sync.sheet_io import create_worksheet, worksheet_exists
from sheets_sync.tracker_client import TrackerClient, TrackerRefused

SPREADSHEET_URL = re.compile(r"/spreadsheets/d/([a-zA-Z0-9_-]+)")
SPREADSHEET_ID = re.compile(r"^[a-zA-Z0-9_-]{20,}$")


def credential_read(credential: ServiceAccountCredential) -> CredentialRead:
    read = CredentialRead.model_validate(credential)
    read.share_with = credential.client_email
    read.instructions = (
        f"Share your spreadsheet with {credential.client_email} as Editor, then create a "
        "connection."
    )
    return read


def connection_read(connection: SheetConnection, email: str | None) -> ConnectionRead:
    read = ConnectionRead.model_validate(connection)
    read.service_account_email = email
    read.spreadsheet_url = f"https://docs.google.com/spreadsheets/d/{connection.spreadsheet_id}"
    return read


async def get_credential(session: AsyncSession, owner_id: str) -> ServiceAccountCredential | None:
    return (
        await session.scalars(
            select(ServiceAccountCredential).where(ServiceAccountCredential.owner_id == owner_id)
        )
    ).one_or_none()


async def put_credential(
    session: AsyncSession, box: SecretBox, owner_id: str, key: dict[str, Any]
) -> tuple[ServiceAccountCredential, bool]:
    """Store (or replace) the user's key, encrypted; (row, created)."""
    validate_service_account_key(key)
    credential = await get_credential(session, owner_id)
    created = credential is None
    if credential is None:
        credential = ServiceAccountCredential(owner_id=owner_id)
        session.add(credential)
    credential.client_email = key["client_email"]
    credential.project_id = key.get("project_id")
    credential.private_key_id = key.get("private_key_id")
    credential.encrypted_key = box.seal(json.dumps(key))
    await session.flush()
    await session.refresh(credential)
    return credential, created


def parse_spreadsheet_id(text: str) -> str:
    """The id inside a spreadsheet URL, or the id itself."""
    text = text.strip()
    match = SPREADSHEET_URL.search(text)
    if match:
        return match.group(1)
    if SPREADSHEET_ID.match(text):
        return text
    raise Unprocessable(
        "spreadsheet must be a Google Sheets URL or a spreadsheet id.",
        errors=[{"field": "spreadsheet", "message": "not a spreadsheet URL or id"}],
    )


def validate_columns(columns: dict[str, str]) -> dict[str, str]:
    problems = []
    for key in columns:
        if key not in FIELDS and key != NOTE_KEY:
            problems.append({"field": f"columns.{key}", "message": "not a tracker field"})
    for key in (ID_KEY, "title"):
        if key not in columns:
            problems.append({"field": f"columns.{key}", "message": "is required"})
    names = [name.strip().casefold() for name in columns.values()]
    if any(not n for n in names) or len(set(names)) != len(names):
        problems.append({"field": "columns", "message": "header names must be unique, non-empty"})
    if problems:
        raise Unprocessable("Invalid column mapping.", errors=problems)
    return {key: name.strip() for key, name in columns.items()}


def google_problem(exc: GoogleError, email: str) -> Exception:
    """The API error a user sees for a Google failure at connection time."""
    if exc.kind == "not_found":
        return SpreadsheetNotFound(
            "No spreadsheet with that id: check the id or URL (and that it is a Google Sheet)."
        )
    if exc.kind == "permission_denied":
        return SpreadsheetNotShared(
            f"The spreadsheet is not shared with {email}: share it as Editor, then retry.",
            extra={"share_with": email},
        )
    if exc.kind == "bad_credentials":
        return BadServiceAccountKey(exc.message)
    if exc.kind == "quota":
        return Unprocessable(exc.message)
    return BadGateway(exc.message)


def prepare_worksheet(
    key: dict[str, Any], settings: Settings, spreadsheet_id: str, title: str, headers: list[str]
) -> None:
    """Check access and size; add the worksheet (header row, id protection) if missing."""
    client = make_client(key, settings, RequestCounter())
    try:
        exists, column_count = worksheet_exists(client, spreadsheet_id, title)
        if exists and column_count > settings.max_sheet_columns:
            raise SheetUnusable(
                f"The worksheet {title!r} has {column_count} columns; at most "
                f"{settings.max_sheet_columns} are supported. Delete the unused columns or "
                "use another worksheet."
            )
        if not exists:
            create_worksheet(client, spreadsheet_id, title, headers)
    except APIError as exc:
        raise describe_api_error(exc, key["client_email"]) from exc


async def create_connection(
    session: AsyncSession,
    settings: Settings,
    box: SecretBox,
    user: Principal,
    bearer: str,
    body: ConnectionCreate,
) -> tuple[SheetConnection, str]:
    credential = await get_credential(session, user.user_id)
    if credential is None:
        raise Conflict("Upload a service-account key first (PUT /sheets/credentials).")
    columns = validate_columns(body.columns)
    spreadsheet_id = parse_spreadsheet_id(body.spreadsheet)
    key = json.loads(box.open(credential.encrypted_key))
    try:
        await asyncio.to_thread(
            prepare_worksheet, key, settings, spreadsheet_id, body.worksheet, list(columns.values())
        )
    except GoogleError as exc:
        raise google_problem(exc, credential.client_email) from exc
    connection = SheetConnection(
        owner_id=user.user_id,
        spreadsheet_id=spreadsheet_id,
        worksheet=body.worksheet,
        columns=columns,
        direction=body.direction,
        schedule_minutes=body.schedule_minutes,
        conflict_policy=body.conflict_policy,
        deleted_policy=body.deleted_policy,
        status="active",
    )
    session.add(connection)
    await session.flush()
    await issue_delegation(session, settings, box, connection, bearer)
    return connection, credential.client_email


async def issue_delegation(
    session: AsyncSession,
    settings: Settings,
    box: SecretBox,
    connection: SheetConnection,
    bearer: str,
) -> None:
    """A narrowly scoped delegated credential for scheduled syncs, stored encrypted."""
    tracker = TrackerClient(settings.tracker_url, bearer, timeout=settings.tracker_timeout_seconds)
    try:
        if connection.delegation_id:
            with contextlib.suppress(TrackerRefused):
                await tracker.revoke_delegation(connection.delegation_id)
        delegation = await tracker.create_delegation(f"sheets-sync connection {connection.id}")
    except TrackerRefused as exc:
        raise Forbidden(
            f"The tracker refused to delegate access ({exc.detail}); sign in with your full "
            "account token to create or renew a connection."
        ) from exc
    finally:
        await tracker.aclose()
    connection.delegation_id = str(delegation["id"])
    connection.encrypted_delegation_secret = box.seal(str(delegation["secret"]))
    connection.status = "active"
    await session.flush()


async def get_connection(
    session: AsyncSession, owner_id: str, connection_id: int
) -> SheetConnection:
    connection = await session.get(SheetConnection, connection_id)
    if connection is None or connection.owner_id != owner_id:
        raise NotFound("No such connection.")
    return connection


def apply_update(connection: SheetConnection, body: ConnectionUpdate) -> None:
    changes = body.model_dump(exclude_unset=True)
    if "columns" in changes and changes["columns"] is not None:
        changes["columns"] = validate_columns(changes["columns"])
    for name, value in changes.items():
        if value is None and name != "schedule_minutes":
            continue
        setattr(connection, name, value)
    if "schedule_minutes" in changes:
        connection.next_sync_at = None


async def forget_delegation(settings: Settings, connection: SheetConnection, bearer: str) -> None:
    """Revoke the connection's delegation in the tracker; best effort (it may be gone)."""
    if not connection.delegation_id:
        return
    tracker = TrackerClient(settings.tracker_url, bearer, timeout=settings.tracker_timeout_seconds)
    try:
        with contextlib.suppress(TrackerRefused, BadGateway):
            await tracker.revoke_delegation(connection.delegation_id)
    finally:
        await tracker.aclose()
