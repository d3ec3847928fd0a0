"""Loading what a sync needs from the database, and saving what it agreed on."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy import update as update_rows

from jobhunt_common import Database, utcnow
from sheets_sync.models import SheetConnection, SyncConflict, SyncSnapshot
from sheets_sync.planner import Plan, SnapshotView, tracker_canonical
from sheets_sync.writer import TrackerOutcome

LOAD_CHUNK = 500  # ids per IN (...): well under SQLite's bound-parameter limit


@dataclass
class SyncInputs:
    snapshots: dict[int, SnapshotView] = field(default_factory=dict)
    forced: dict[int, dict[str, str]] = field(default_factory=dict)
    forced_conflict_ids: dict[int, list[int]] = field(default_factory=dict)


async def load_sync_inputs(database: Database, connection_id: int) -> SyncInputs:
    inputs = SyncInputs()
    async with database.sessionmaker() as session:
        # Plain rows, not ORM objects: thousands of snapshots load several times faster.
        snapshot_rows = await session.execute(
            select(
                SyncSnapshot.application_id,
                SyncSnapshot.field_values,
                SyncSnapshot.tracker_values,
                SyncSnapshot.tracker_version,
                SyncSnapshot.tracker_deleted,
                SyncSnapshot.vanished_at,
            ).where(SyncSnapshot.connection_id == connection_id)
        )
        for application_id, base, tracker, version, deleted, vanished_at in snapshot_rows:
            inputs.snapshots[application_id] = SnapshotView(
                base=dict(base),
                tracker=dict(tracker),
                version=version,
                tracker_deleted=deleted,
                vanished=vanished_at is not None,
            )
        pending = await session.scalars(
            select(SyncConflict)
            .where(
                SyncConflict.connection_id == connection_id,
                SyncConflict.status == "resolved",
                SyncConflict.applied_at.is_(None),
            )
            .order_by(SyncConflict.resolved_at)
        )
        for conflict in pending:
            inputs.forced.setdefault(conflict.application_id, {})[conflict.field] = (
                conflict.resolved_value or ""
            )
            inputs.forced_conflict_ids.setdefault(conflict.application_id, []).append(conflict.id)
    return inputs


async def save_sync_results(
    database: Database,
    connection_id: int,
    plan: Plan,
    outcome: TrackerOutcome,
    fields: list[str],
    watermark: str | None,
    inputs: SyncInputs,
) -> None:
    """Snapshots, conflicts and the connection's watermark, in one transaction."""
    now = utcnow()
    writes: dict[int, tuple[dict[str, str], dict[str, str], int | None]] = {}

    def put(
        application_id: int, base: dict[str, str], tracker: dict[str, str], version: int | None
    ) -> None:
        known = inputs.snapshots.get(application_id)
        if (
            known is not None
            and (known.base, known.tracker, known.version) == (base, tracker, version)
            and not known.tracker_deleted
            and not known.vanished
        ):
            return  # unchanged: no UPDATE, so a sync of 5,000 quiet rows writes nothing here
        writes[application_id] = (base, tracker, version)

    for update in plan.updates:
        if update.application_id in outcome.failed:
            continue
        merge = outcome.merges.get(update.application_id, update.merge)
        tracker, version = outcome.tracker_after.get(
            update.application_id, (update.tracker, update.version)
        )
        put(update.application_id, {**(update.base or {}), **merge.agreed}, tracker, version)
    for application in outcome.created.values():
        canon = tracker_canonical(application, fields)
        put(int(application["id"]), canon, canon, int(application["version"]))
    for item in plan.appends:
        if int(item["id"]) not in outcome.created_ids:
            canon = tracker_canonical(item, fields)
            put(int(item["id"]), canon, canon, int(item["version"]))

    async with database.write_sessionmaker() as session:
        touched = sorted({*writes, *plan.tracker_deleted, *plan.vanished})
        stored: dict[int, SyncSnapshot] = {}
        for start in range(0, len(touched), LOAD_CHUNK):
            for loaded in await session.scalars(
                select(SyncSnapshot).where(
                    SyncSnapshot.connection_id == connection_id,
                    SyncSnapshot.application_id.in_(touched[start : start + LOAD_CHUNK]),
                )
            ):
                stored[loaded.application_id] = loaded
        for application_id, (base, tracker, version) in writes.items():
            snapshot = stored.get(application_id) or SyncSnapshot(
                connection_id=connection_id, application_id=application_id
            )
            if application_id not in stored:
                session.add(snapshot)
                stored[application_id] = snapshot
            snapshot.field_values = base
            snapshot.tracker_values = tracker
            snapshot.tracker_version = version
            snapshot.tracker_deleted = False
            snapshot.vanished_at = None
            snapshot.synced_at = now
        for application_id in plan.tracker_deleted:
            if application_id in stored:
                stored[application_id].tracker_deleted = True
        for application_id in plan.vanished:
            if application_id in stored:
                stored[application_id].vanished_at = now

        open_conflicts = {
            (c.application_id, c.field): c
            for c in await session.scalars(
                select(SyncConflict).where(
                    SyncConflict.connection_id == connection_id, SyncConflict.status == "open"
                )
            )
        }
        still_open = {(a, c.field) for a, c in outcome.conflicts if c.winner is None}
        for update in plan.updates:
            if update.application_id in outcome.failed:
                continue
            for name in outcome.merges.get(update.application_id, update.merge).agreed:
                key = (update.application_id, name)
                settled = open_conflicts.get(key)
                if settled is not None and key not in still_open:
                    # Both sides now agree (edited to match): the conflict settled itself.
                    settled.status, settled.resolution, settled.resolved_by = (
                        "resolved", "agreed", "sync"
                    )  # fmt: skip
                    settled.resolved_at = settled.applied_at = now
        for application_id, conflict in outcome.conflicts:
            if conflict.winner is None:
                existing = open_conflicts.get((application_id, conflict.field))
                if existing is not None:
                    existing.sheet_value, existing.tracker_value = conflict.sheet, conflict.tracker
                    continue
            session.add(
                SyncConflict(
                    connection_id=connection_id,
                    application_id=application_id,
                    field=conflict.field,
                    base_value=conflict.base,
                    sheet_value=conflict.sheet,
                    tracker_value=conflict.tracker,
                    status="open" if conflict.winner is None else "resolved",
                    resolution=conflict.winner,
                    resolved_value=(
                        None
                        if conflict.winner is None
                        else conflict.sheet
                        if conflict.winner == "sheet"
                        else conflict.tracker
                    ),
                    resolved_by=None if conflict.winner is None else "policy",
                    applied_at=None if conflict.winner is None else now,
                    resolved_at=None if conflict.winner is None else now,
                    created_at=now,
                )
            )
        applied_ids = [
            conflict_id
            for application_id, ids in inputs.forced_conflict_ids.items()
            if application_id not in outcome.failed
            for conflict_id in ids
        ]
        if applied_ids:
            for applied in await session.scalars(
                select(SyncConflict).where(SyncConflict.id.in_(applied_ids))
            ):
                applied.applied_at = now
        # Sync bookkeeping is not a user edit: a Core UPDATE neither checks nor bumps the
        # connection's version, so a PATCH racing the sync does not fail either side.
        await session.execute(
            update_rows(SheetConnection)
            .where(SheetConnection.id == connection_id)
            .values(tracker_watermark=watermark, last_sync_at=now)
        )
        await session.commit()
