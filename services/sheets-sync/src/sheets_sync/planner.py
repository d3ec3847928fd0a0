"""Plan one sync from what was read: rows by id, merges, creates, appends, deletions, notes."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sheets_sync.fields import FIELDS, ID_KEY, NOTE_KEY, InvalidCell, canonical
from sheets_sync.merge import MergeResult, merge_fields
from sheets_sync.sheet_io import Layout

NOTE_DELETED = "Deleted in the tracker"
NOTE_DUPLICATE = "Duplicate tracker id: keep this id on one row only (not synced)"
NOTE_UNKNOWN = "Unknown tracker id (not synced)"


@dataclass
class SnapshotView:
    """The stored snapshot of one application, as the planner needs it."""

    base: dict[str, str]
    tracker: dict[str, str]
    version: int | None
    tracker_deleted: bool
    vanished: bool


@dataclass
class SheetRow:
    row: int
    application_id: int | None
    values: dict[str, str | None]
    problems: list[str]
    note: str


@dataclass
class RowUpdate:
    """An application on the sheet, merged."""

    application_id: int
    row: int
    merge: MergeResult
    tracker: dict[str, str]
    version: int | None
    sheet: dict[str, str | None]
    base: dict[str, str] | None = None
    forced: dict[str, str] | None = None
    reappeared: bool = False


@dataclass
class RowCreate:
    row: int
    values: dict[str, str]
    idempotency_key: str


@dataclass
class Plan:
    updates: list[RowUpdate] = field(default_factory=list)
    creates: list[RowCreate] = field(default_factory=list)
    appends: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[int, str] = field(default_factory=dict)
    removals: list[int] = field(default_factory=list)
    tracker_deleted: list[int] = field(default_factory=list)
    vanished: list[int] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


def tracker_canonical(item: dict[str, Any], fields: list[str]) -> dict[str, str]:
    canon: dict[str, str] = {}
    for name in fields:
        try:
            canon[name] = canonical(name, item.get(name))
        except InvalidCell:
            canon[name] = str(item.get(name) or "")
    return canon


def _cell(cells: list[Any], column: int | None) -> Any:
    if column is None or column >= len(cells):
        return ""
    return cells[column]


def parse_rows(rows: list[list[Any]], layout: Layout, fields: list[str]) -> list[SheetRow]:
    """Data rows (below the header) with canonical values; blank rows are skipped."""
    if layout.header_written:
        return []
    id_column = layout.columns.get(ID_KEY)
    note_column = layout.columns.get(NOTE_KEY)
    parsed: list[SheetRow] = []
    for index in range(1, len(rows)):
        cells = rows[index]
        values: dict[str, str | None] = {}
        problems: list[str] = []
        for name in fields:
            if name == ID_KEY or name not in layout.columns:
                continue
            try:
                values[name] = canonical(name, _cell(cells, layout.columns[name]))
            except InvalidCell as exc:
                values[name] = None
                problems.append(f"{name}: {exc}")
        raw_id = _cell(cells, id_column)
        application_id: int | None = None
        if str(raw_id).strip():
            try:
                number = float(str(raw_id).strip())
                if not number.is_integer() or number <= 0:
                    raise ValueError
                application_id = int(number)
            except ValueError:
                problems.append(f"id: {raw_id!r} is not a tracker id")
                application_id = -1
        elif not any(v for k, v in values.items() if FIELDS[k].editable):
            continue
        note = str(_cell(cells, note_column)).strip()
        parsed.append(SheetRow(index, application_id, values, problems, note))
    return parsed


def idempotency_key(connection_id: int, values: dict[str, str], occurrence: int) -> str:
    """Same row content → same key, so a re-run after a crash replays instead of duplicating."""
    fingerprint = json.dumps(sorted(values.items()), separators=(",", ":"))
    digest = hashlib.sha256(f"{connection_id}|{fingerprint}|{occurrence}".encode()).hexdigest()
    return f"sheets-{connection_id}-{digest[:40]}"


def plan_sync(
    *,
    connection_id: int,
    fields: list[str],
    rows: list[SheetRow],
    snapshots: dict[int, SnapshotView],
    feed: dict[int, dict[str, Any]],
    forced: dict[int, dict[str, str]],
    direction: str,
    policy: str,
    deleted_policy: str,
) -> Plan:
    """Everything the sync will do, decided before anything is written."""
    plan = Plan()
    counts = Counter(r.application_id for r in rows if r.application_id)
    duplicates = {i for i, n in counts.items() if n > 1 and i > 0}
    for duplicate_id in sorted(duplicates):
        plan.warnings.append(
            {
                "kind": "duplicate_id",
                "application_id": duplicate_id,
                "rows": [r.row + 1 for r in rows if r.application_id == duplicate_id],
                "message": f"Tracker id {duplicate_id} is on more than one row; not synced.",
            }
        )
    on_sheet: set[int] = set()
    fingerprints: Counter[str] = Counter()
    for sheet_row in rows:
        note = ""
        application_id = sheet_row.application_id
        if application_id is None:
            values = {k: v for k, v in sheet_row.values.items() if v}
            if sheet_row.problems:
                note = "Not synced: " + "; ".join(sheet_row.problems)
            elif not values.get("title"):
                note = "Not synced: a new row needs a title"
            elif direction != "push":
                key_base = json.dumps(sorted(values.items()))
                fingerprints[key_base] += 1
                plan.creates.append(
                    RowCreate(
                        sheet_row.row,
                        values,
                        idempotency_key(connection_id, values, fingerprints[key_base]),
                    )
                )
        elif application_id < 0:
            note = "Not synced: " + "; ".join(sheet_row.problems)
        elif application_id in duplicates:
            note = NOTE_DUPLICATE
            on_sheet.add(application_id)
        else:
            on_sheet.add(application_id)
            note = _plan_row(
                plan, sheet_row, fields, snapshots, feed, forced, direction, policy, deleted_policy
            )
        if note != sheet_row.note:
            plan.notes[sheet_row.row] = note
    for snapshot_id, snapshot in snapshots.items():
        if snapshot_id in on_sheet or snapshot.tracker_deleted:
            continue
        item = feed.get(snapshot_id)
        if item is not None and item.get("deleted_at"):
            plan.tracker_deleted.append(snapshot_id)
            continue
        if not snapshot.vanished:
            plan.vanished.append(snapshot_id)
        plan.warnings.append(
            {
                "kind": "row_vanished",
                "application_id": snapshot_id,
                "message": f"The row of application {snapshot_id} is gone from the sheet; "
                "confirm the deletion or restore the row.",
            }
        )
    if direction != "pull":
        for feed_id, item in feed.items():
            if feed_id in snapshots or feed_id in on_sheet or item.get("deleted_at"):
                continue
            plan.appends.append(item)
    return plan


def _plan_row(
    plan: Plan,
    sheet_row: SheetRow,
    fields: list[str],
    snapshots: dict[int, SnapshotView],
    feed: dict[int, dict[str, Any]],
    forced: dict[int, dict[str, str]],
    direction: str,
    policy: str,
    deleted_policy: str,
) -> str:
    """Plan one row that carries a single known id; returns the note it should show."""
    application_id = sheet_row.application_id
    assert application_id is not None
    snapshot = snapshots.get(application_id)
    item = feed.get(application_id)
    if snapshot is not None and snapshot.tracker_deleted:
        return NOTE_DELETED
    if item is None and snapshot is None:
        plan.warnings.append(
            {
                "kind": "unknown_id",
                "application_id": application_id,
                "row": sheet_row.row + 1,
                "message": f"Row {sheet_row.row + 1} names tracker id {application_id}, "
                "which the tracker does not know.",
            }
        )
        return NOTE_UNKNOWN
    if item is not None and item.get("deleted_at"):
        plan.tracker_deleted.append(application_id)
        if deleted_policy == "remove":
            plan.removals.append(sheet_row.row)
        return NOTE_DELETED
    version: int | None
    if item is not None:
        tracker, version = tracker_canonical(item, fields), int(item["version"])
    else:
        assert snapshot is not None  # unknown to both was handled above
        tracker, version = dict(snapshot.tracker), snapshot.version
    merge = merge_fields(
        fields,
        snapshot.base if snapshot is not None else None,
        sheet_row.values,
        tracker,
        direction=direction,
        policy=policy,
        forced=forced.get(application_id),
    )
    plan.updates.append(
        RowUpdate(
            application_id,
            sheet_row.row,
            merge,
            tracker,
            version,
            sheet_row.values,
            base=snapshot.base if snapshot is not None else None,
            forced=forced.get(application_id),
            reappeared=snapshot is not None and snapshot.vanished,
        )
    )
    if sheet_row.problems:
        return "Not synced: " + "; ".join(sheet_row.problems)
    return ""
