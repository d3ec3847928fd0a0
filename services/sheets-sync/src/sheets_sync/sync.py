"""One sync run: read both sides, plan, write the tracker, write the sheet, record it all.

Order matters for crash safety: tracker writes first (creates carry an Idempotency-Key
derived from the row, updates carry If-Match), then the sheet, then snapshots. A run
killed anywhere re-reads both sides next time and converges without duplicates.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gspread.exceptions import APIError
from sqlalchemy import select
from sqlalchemy import update as update_rows

from jobhunt_common import Database, utcnow
from jobhunt_common.errors import BadGateway
from sheets_sync.config import Settings
from sheets_sync.crypto import SecretBox
from sheets_sync.fields import FIELDS, ID_KEY, NOTE_KEY
from sheets_sync.google_client import GoogleError, RequestCounter, describe_api_error, make_client
from sheets_sync.leases import acquire_lease, release_lease
from sheets_sync.models import ServiceAccountCredential, SheetConnection, SyncRun
from sheets_sync.planner import Plan, parse_rows, plan_sync
from sheets_sync.sheet_io import (
    HeaderDamaged,
    SheetTooWide,
    read_sheet,
    resolve_layout,
)
from sheets_sync.store import load_sync_inputs, save_sync_results
from sheets_sync.tracker_client import TrackerClient, TrackerRefused
from sheets_sync.writer import apply_tracker_writes, write_sheet

MAX_LISTED_CHANGES = 500


class SyncBusy(Exception):
    """Another sync of the connection holds the lease."""


class SyncFailed(Exception):
    """A run that stopped with a status the user can act on."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class SyncServices:
    settings: Settings
    database: Database
    secret_box: SecretBox


@dataclass
class SyncReport:
    run: SyncRun
    changes: list[dict[str, Any]] = field(default_factory=list)


def _since(watermark: str | None, overlap_seconds: float) -> str | None:
    if not watermark:
        return None
    moment = datetime.fromisoformat(watermark.replace("Z", "+00:00"))
    return (moment - timedelta(seconds=overlap_seconds)).isoformat()


def _latest(watermark: str | None, items: Iterable[dict[str, Any]]) -> str | None:
    """The newest ``updated_at`` seen so far: where the next incremental read starts."""
    stamps = [watermark] if watermark else []
    stamps.extend(str(item["updated_at"]) for item in items)
    if not stamps:
        return None
    return max(stamps, key=lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")))


async def delegated_token(services: SyncServices, connection: SheetConnection) -> str:
    """Exchange the stored delegation secret for a short, narrowly scoped access token."""
    if not connection.encrypted_delegation_secret:
        raise SyncFailed("delegation_missing", "No delegated credential: renew the delegation.")
    secret = services.secret_box.open(connection.encrypted_delegation_secret)
    client = TrackerClient(services.settings.tracker_url, None)
    try:
        return await client.exchange_delegation(secret)
    except TrackerRefused as exc:
        raise SyncFailed(
            "delegation_revoked",
            "The tracker refused the delegated credential (revoked?): scheduled syncs are "
            "stopped until you renew it (POST /sheets/connections/{id}/delegation).",
        ) from exc
    finally:
        await client.aclose()


async def run_sync(
    services: SyncServices,
    connection_id: int,
    *,
    trigger: str,
    dry_run: bool = False,
    user_token: str | None = None,
) -> SyncReport:
    """Run one sync under the connection's lease; ``SyncBusy`` if one is running."""
    holder = uuid.uuid4().hex
    database = services.database
    if not await acquire_lease(database, connection_id, holder, services.settings.lease_seconds):
        raise SyncBusy("A sync of this connection is already running.")
    try:
        return await _run_locked(services, connection_id, trigger, dry_run, user_token)
    finally:
        await release_lease(database, connection_id, holder)


async def _run_locked(
    services: SyncServices,
    connection_id: int,
    trigger: str,
    dry_run: bool,
    user_token: str | None,
) -> SyncReport:
    database = services.database
    async with database.write_sessionmaker() as session:
        connection = await session.get(SheetConnection, connection_id)
        assert connection is not None
        credential = (
            await session.scalars(
                select(ServiceAccountCredential).where(
                    ServiceAccountCredential.owner_id == connection.owner_id
                )
            )
        ).one_or_none()
        run = SyncRun(
            connection_id=connection_id,
            trigger=trigger,
            dry_run=dry_run,
            status="running",
            started_at=utcnow(),
            errors=[],
            warnings=[],
        )
        session.add(run)
        await session.commit()
    counter = RequestCounter()
    report = SyncReport(run)
    try:
        if credential is None:
            raise SyncFailed("no_credentials", "Upload a service-account key first.")
        await _sync(services, connection, credential, run, counter, report, user_token, dry_run)
        run.status = "partial" if run.errors else "succeeded"
    except SyncFailed as exc:
        run.status, run.status_detail = "failed", exc.message
        run.errors = [*run.errors, {"kind": exc.kind, "message": exc.message}]
    except GoogleError as exc:
        run.status, run.status_detail = "failed", exc.message
        run.errors = [*run.errors, {"kind": exc.kind, "message": exc.message}]
    except BadGateway as exc:
        run.status, run.status_detail = "failed", exc.detail
        run.errors = [*run.errors, {"kind": "tracker_unavailable", "message": exc.detail}]
    finally:
        run.finished_at = utcnow()
        run.google_reads, run.google_writes = counter.reads, counter.writes
        run.google_retries = counter.retries
        async with database.write_sessionmaker() as session:
            stored = await session.get(SyncRun, run.id)
            if stored is not None:
                for name in (
                    "status",
                    "status_detail",
                    "finished_at",
                    "rows_pulled",
                    "rows_pushed",
                    "rows_created",
                    "rows_appended",
                    "conflicts",
                    "google_reads",
                    "google_writes",
                    "google_retries",
                    "errors",
                    "warnings",
                ):
                    setattr(stored, name, getattr(run, name))
            if not dry_run:
                values: dict[str, Any] = {"status_detail": run.status_detail}
                if any(e.get("kind") == "delegation_revoked" for e in run.errors):
                    values["status"] = "delegation_revoked"
                await session.execute(
                    update_rows(SheetConnection)
                    .where(SheetConnection.id == connection_id)
                    .values(**values)
                )
            await session.commit()
    return report


async def _sync(
    services: SyncServices,
    connection: SheetConnection,
    credential: ServiceAccountCredential,
    run: SyncRun,
    counter: RequestCounter,
    report: SyncReport,
    user_token: str | None,
    dry_run: bool,
) -> None:
    settings = services.settings
    token = user_token or await delegated_token(services, connection)
    key_info = json.loads(services.secret_box.open(credential.encrypted_key))
    google = make_client(key_info, settings, counter)
    try:
        state = await asyncio.to_thread(
            read_sheet,
            google,
            connection.spreadsheet_id,
            connection.worksheet,
            settings.max_sheet_columns,
        )
    except APIError as exc:
        raise describe_api_error(exc, credential.client_email) from exc
    except SheetTooWide as exc:
        raise SyncFailed("sheet_too_wide", str(exc)) from exc
    if state is None:
        raise SyncFailed(
            "worksheet_missing",
            f"The worksheet {connection.worksheet!r} is gone from the spreadsheet: restore "
            "it or update the connection.",
        )
    try:
        layout = resolve_layout(state.rows, connection.columns)
    except HeaderDamaged as exc:
        raise SyncFailed("header_damaged", str(exc)) from exc
    fields = [k for k in connection.columns if k not in (ID_KEY, NOTE_KEY) and k in FIELDS]
    rows = parse_rows(state.rows, layout, fields)

    tracker = TrackerClient(settings.tracker_url, token, timeout=settings.tracker_timeout_seconds)
    try:
        feed: dict[int, dict[str, Any]] = {}
        try:
            async for item in tracker.changed_applications(
                _since(connection.tracker_watermark, settings.tracker_watermark_overlap_seconds)
            ):
                feed[int(item["id"])] = item
        except TrackerRefused as exc:
            raise SyncFailed(
                "tracker_refused", f"The tracker refused the sync: {exc.detail}"
            ) from exc
        watermark = _latest(connection.tracker_watermark, feed.values())
        inputs = await load_sync_inputs(services.database, connection.id)
        unknown = {
            r.application_id
            for r in rows
            if r.application_id
            and r.application_id > 0
            and r.application_id not in feed
            and r.application_id not in inputs.snapshots
        }
        for application_id in sorted(unknown):
            fetched = await tracker.get_application(application_id)
            if fetched is not None:
                feed[application_id] = fetched
        plan = plan_sync(
            connection_id=connection.id,
            fields=fields,
            rows=rows,
            snapshots=inputs.snapshots,
            feed=feed,
            forced=inputs.forced,
            direction=connection.direction,
            policy=connection.conflict_policy,
            deleted_policy=connection.deleted_policy,
        )
        run.warnings = plan.warnings
        if dry_run:
            report.changes = describe_plan(plan)[:MAX_LISTED_CHANGES]
            _count_planned(run, plan)
            return
        outcome = await apply_tracker_writes(
            tracker,
            plan,
            fields,
            run,
            direction=connection.direction,
            policy=connection.conflict_policy,
        )
    finally:
        await tracker.aclose()
    try:
        await asyncio.to_thread(
            write_sheet, google, connection, state, layout, plan, outcome, fields, settings
        )
    except APIError as exc:
        raise describe_api_error(exc, credential.client_email) from exc
    await save_sync_results(
        services.database, connection.id, plan, outcome, fields, watermark, inputs
    )
    run.conflicts = outcome.conflict_count
    run.rows_pushed = sum(
        1
        for u in plan.updates
        if u.application_id not in outcome.failed
        and outcome.merges.get(u.application_id, u.merge).to_sheet
    )
    run.rows_appended = sum(1 for i in plan.appends if int(i["id"]) not in outcome.created_ids)
    report.changes = describe_plan(plan)[:MAX_LISTED_CHANGES]


def _count_planned(run: SyncRun, plan: Plan) -> None:
    run.rows_pulled = sum(1 for u in plan.updates if u.merge.to_tracker)
    run.rows_pushed = sum(1 for u in plan.updates if u.merge.to_sheet)
    run.rows_created = len(plan.creates)
    run.rows_appended = len(plan.appends)
    run.conflicts = sum(len(u.merge.conflicts) for u in plan.updates)


def describe_plan(plan: Plan) -> list[dict[str, Any]]:
    """The planned changes, one entry per field or row, for dry runs and run reports."""
    changes: list[dict[str, Any]] = []
    for update in plan.updates:
        for name, value in update.merge.to_tracker.items():
            changes.append(
                {
                    "action": "update_tracker",
                    "application_id": update.application_id,
                    "field": name,
                    "value": value,
                }
            )
        for name, value in update.merge.to_sheet.items():
            changes.append(
                {
                    "action": "update_sheet",
                    "application_id": update.application_id,
                    "row": update.row + 1,
                    "field": name,
                    "value": value,
                }
            )
        for conflict in update.merge.conflicts:
            changes.append(
                {
                    "action": "conflict",
                    "application_id": update.application_id,
                    "field": conflict.field,
                    "sheet": conflict.sheet,
                    "tracker": conflict.tracker,
                    "winner": conflict.winner,
                }
            )
    for create in plan.creates:
        changes.append(
            {"action": "create_in_tracker", "row": create.row + 1, "values": create.values}
        )
    for item in plan.appends:
        changes.append({"action": "append_row", "application_id": item["id"]})
    for row in plan.removals:
        changes.append({"action": "remove_row", "row": row + 1})
    for application_id in plan.vanished:
        changes.append({"action": "flag_vanished", "application_id": application_id})
    return changes
