"""Carrying out a plan: tracker writes (If-Match, Idempotency-Key), then one sheet write."""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

import gspread

from sheets_sync.config import Settings
from sheets_sync.fields import FIELDS, ID_KEY, NOTE_KEY, cell_value, tracker_value
from sheets_sync.merge import FieldConflict, MergeResult, merge_fields
from sheets_sync.models import SheetConnection, SyncRun
from sheets_sync.planner import Plan, RowUpdate, tracker_canonical
from sheets_sync.sheet_io import (
    Layout,
    SheetState,
    apply_structure,
    protection_requests,
    value_ranges,
    write_values,
)
from sheets_sync.tracker_client import TrackerClient, TrackerRefused

TRACKER_CONCURRENCY = 4


@dataclass
class TrackerOutcome:
    created: dict[int, dict[str, Any]] = field(default_factory=dict)  # sheet row → application
    merges: dict[int, MergeResult] = field(default_factory=dict)
    tracker_after: dict[int, tuple[dict[str, str], int | None]] = field(default_factory=dict)
    failed: set[int] = field(default_factory=set)
    notes: dict[int, str] = field(default_factory=dict)  # sheet row → note
    conflicts: list[tuple[int, FieldConflict]] = field(default_factory=list)

    @property
    def created_ids(self) -> set[int]:
        return {int(a["id"]) for a in self.created.values()}

    @property
    def conflict_count(self) -> int:
        return len(self.conflicts)


def _changes(merge: MergeResult) -> dict[str, Any]:
    changes = {name: tracker_value(name, value) for name, value in merge.to_tracker.items()}
    if "status" in changes:
        changes["status_source"] = "sync"
    return changes


async def apply_tracker_writes(
    tracker: TrackerClient,
    plan: Plan,
    fields: list[str],
    run: SyncRun,
    *,
    direction: str = "two_way",
    policy: str = "sheet_wins",
) -> TrackerOutcome:
    """Create new rows' applications and send sheet edits; a stale version is re-merged once."""
    outcome = TrackerOutcome()
    errors: list[dict[str, Any]] = list(run.errors)
    for create in plan.creates:
        body = {
            name: tracker_value(name, value)
            for name, value in create.values.items()
            if FIELDS[name].editable and value != ""
        }
        try:
            written = await tracker.create_application(body, create.idempotency_key)
        except TrackerRefused as exc:
            outcome.notes[create.row] = f"Not synced: the tracker refused it ({exc.detail})"
            errors.append({"kind": "create_refused", "row": create.row + 1, "message": exc.detail})
            continue
        outcome.created[create.row] = written.application
    # A few PATCHes in flight at once: each is independent (its own row, its own If-Match).
    gate = asyncio.Semaphore(TRACKER_CONCURRENCY)

    async def settle(update: RowUpdate) -> None:
        own_errors: list[dict[str, Any]] = []
        async with gate:
            result = await _update_one(tracker, update, fields, direction, policy, own_errors)
        errors.extend(own_errors)
        if result is None:
            outcome.failed.add(update.application_id)
            if own_errors and own_errors[-1]["kind"] == "update_refused":
                outcome.notes[update.row] = (
                    f"Not synced: the tracker refused it ({own_errors[-1]['message']})"
                )
            return
        merge, tracker_values, version = result
        outcome.merges[update.application_id] = merge
        outcome.tracker_after[update.application_id] = (tracker_values, version)
        outcome.conflicts.extend((update.application_id, c) for c in merge.conflicts)

    await asyncio.gather(*(settle(update) for update in plan.updates))
    run.errors = errors
    run.rows_created = len(outcome.created)
    run.rows_pulled = sum(
        1
        for u in plan.updates
        if outcome.merges.get(u.application_id) and outcome.merges[u.application_id].to_tracker
    )
    return outcome


async def _update_one(
    tracker: TrackerClient,
    update: RowUpdate,
    fields: list[str],
    direction: str,
    policy: str,
    errors: list[dict[str, Any]],
) -> tuple[MergeResult, dict[str, str], int | None] | None:
    merge, tracker_values, version = update.merge, update.tracker, update.version
    for _attempt in range(2):
        if not merge.to_tracker:
            return merge, tracker_values, version
        try:
            written = await tracker.update_application(
                update.application_id, _changes(merge), version or 0
            )
        except TrackerRefused as exc:
            if exc.status_code != 412:
                errors.append(
                    {
                        "kind": "update_refused",
                        "application_id": update.application_id,
                        "message": exc.detail,
                    }
                )
                return None
            fresh = await tracker.get_application(update.application_id)
            if fresh is None or fresh.get("deleted_at"):
                return None
            tracker_values = tracker_canonical(fresh, fields)
            version = int(fresh["version"])
            merge = merge_fields(
                fields,
                update.base,
                update.sheet,
                tracker_values,
                direction=direction,
                policy=policy,
                forced=update.forced,
            )
            continue
        after = tracker_canonical(written.application, fields)
        unsettled = {c.field for c in merge.conflicts if c.winner is None}
        for name in fields:
            if name in unsettled:
                continue
            if after[name] != merge.agreed.get(name):
                merge.agreed[name] = after[name]
                if after[name] != update.sheet.get(name):
                    merge.to_sheet[name] = after[name]
                else:
                    merge.to_sheet.pop(name, None)
        return merge, after, written.version
    errors.append(
        {
            "kind": "concurrent_edit",
            "application_id": update.application_id,
            "message": "Changed in the tracker twice during the sync; retried next run.",
        }
    )
    return None


def write_sheet(
    google: gspread.Client,
    connection: SheetConnection,
    state: SheetState,
    layout: Layout,
    plan: Plan,
    outcome: TrackerOutcome,
    fields: list[str],
    settings: Settings,
) -> None:
    """At most one structural batchUpdate and one values batchUpdate (split past ~2 MB)."""
    columns = layout.all_columns
    removals = sorted(plan.removals)
    removed = set(removals)

    def moved(row: int) -> int:
        return row - bisect_left(removals, row)

    cells: dict[tuple[int, int], Any] = {}

    def put(row: int, name: str, text: str) -> None:
        if name in columns and row not in removed:
            cells[(moved(row), columns[name])] = cell_value(name, text)

    for key, column in columns.items() if layout.header_written else layout.added.items():
        cells[(0, column)] = connection.columns[key]
    for update in plan.updates:
        if update.application_id in outcome.failed:
            continue
        merge = outcome.merges.get(update.application_id, update.merge)
        for name, value in merge.to_sheet.items():
            put(update.row, name, value)
    by_row = {c.row: c for c in plan.creates}
    for row, application in outcome.created.items():
        canon = tracker_canonical(application, fields)
        put(row, ID_KEY, str(application["id"]))
        for name in fields:
            if canon[name] != by_row[row].values.get(name, ""):
                put(row, name, canon[name])
    for row, note in {**plan.notes, **outcome.notes}.items():
        put(row, NOTE_KEY, note)
    next_row = max(len(state.rows), 1) - len(removals)
    if layout.header_written:
        next_row = 1
    created_ids = outcome.created_ids
    for item in plan.appends:
        if int(item["id"]) in created_ids:
            continue
        canon = tracker_canonical(item, fields)
        cells[(next_row, columns[ID_KEY])] = int(item["id"])
        for name in fields:
            if name in columns and canon[name] != "":
                cells[(next_row, columns[name])] = cell_value(name, canon[name])
        next_row += 1

    structure: list[dict[str, Any]] = []
    for row in reversed(removals):
        structure.append(
            {
                "deleteDimension": {
                    "range": {
                        "sheetId": state.sheet_id,
                        "dimension": "ROWS",
                        "startIndex": row,
                        "endIndex": row + 1,
                    }
                }
            }
        )
    rows_needed = max((r for r, _ in cells), default=0) + 1
    rows_after = state.row_count - len(removals)
    if rows_needed > rows_after:
        structure.append(
            {
                "appendDimension": {
                    "sheetId": state.sheet_id,
                    "dimension": "ROWS",
                    "length": rows_needed - rows_after,
                }
            }
        )
    if layout.width > state.column_count:
        structure.append(
            {
                "appendDimension": {
                    "sheetId": state.sheet_id,
                    "dimension": "COLUMNS",
                    "length": layout.width - state.column_count,
                }
            }
        )
    structure.extend(protection_requests(state, columns[ID_KEY]))
    apply_structure(google, connection.spreadsheet_id, structure)
    if cells:
        write_values(
            google,
            connection.spreadsheet_id,
            value_ranges(state.title, cells),
            settings.max_write_bytes,
        )
