"""What the user decides after a sync: conflict resolutions and vanished rows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jobhunt_common import Page, utcnow
from jobhunt_common.errors import NotFound, Unprocessable
from jobhunt_common.pagination import PageParams, page_from_rows, paginate_select
from sheets_sync.config import Settings
from sheets_sync.connections.schemas import ConflictResolve, VanishedAction, VanishedRead
from sheets_sync.fields import InvalidCell, canonical
from sheets_sync.models import SheetConnection, SyncConflict, SyncSnapshot
from sheets_sync.tracker_client import TrackerClient, TrackerRefused


async def resolve_conflict(
    session: AsyncSession, connection_id: int, conflict_id: int, body: ConflictResolve
) -> SyncConflict:
    conflict = await session.get(SyncConflict, conflict_id)
    if conflict is None or conflict.connection_id != connection_id:
        raise NotFound("No such conflict.")
    if body.resolution == "value":
        if body.value is None:
            raise Unprocessable("resolution 'value' needs a value.")
        try:
            value = canonical(conflict.field, body.value)
        except InvalidCell as exc:
            raise Unprocessable(f"Not a valid {conflict.field}: {exc}") from exc
    else:
        value = conflict.sheet_value if body.resolution == "sheet" else conflict.tracker_value
    conflict.status = "resolved"
    conflict.resolution = body.resolution
    conflict.resolved_value = value
    conflict.resolved_by = "user"
    conflict.resolved_at = utcnow()
    conflict.applied_at = None
    await session.flush()
    return conflict


async def list_vanished(
    session: AsyncSession, connection_id: int, page: PageParams
) -> Page[VanishedRead]:
    statement = select(SyncSnapshot).where(
        SyncSnapshot.connection_id == connection_id, SyncSnapshot.vanished_at.is_not(None)
    )
    rows = (
        await session.scalars(
            paginate_select(
                statement, [SyncSnapshot.application_id.expression], page, descending=False
            )
        )
    ).all()
    items, next_cursor = page_from_rows(rows, page, lambda s: [s.application_id])
    return Page(
        items=[
            VanishedRead(application_id=s.application_id, vanished_at=s.vanished_at)
            for s in items
            if s.vanished_at is not None
        ],
        next_cursor=next_cursor,
    )


async def act_on_vanished(
    session: AsyncSession,
    settings: Settings,
    connection: SheetConnection,
    application_id: int,
    body: VanishedAction,
    bearer: str,
) -> None:
    """``delete``: delete in the tracker (If-Match); ``restore``: re-add the row next sync."""
    snapshot = await session.get(SyncSnapshot, (connection.id, application_id))
    if snapshot is None or snapshot.vanished_at is None:
        raise LookupError("That application is not flagged as vanished.")
    if body.action == "restore":
        await session.delete(snapshot)
        # A full read of the tracker on the next sync brings the application back as new.
        connection.tracker_watermark = None
        return
    tracker = TrackerClient(settings.tracker_url, bearer, timeout=settings.tracker_timeout_seconds)
    try:
        await tracker.delete_application(application_id, snapshot.tracker_version or 0)
    except TrackerRefused as exc:
        if exc.status_code == 412:
            raise ValueError(
                "The application changed in the tracker since the last sync; sync, then "
                "decide again."
            ) from exc
        if exc.status_code != 404:
            raise
    finally:
        await tracker.aclose()
    snapshot.vanished_at = None
    snapshot.tracker_deleted = True
