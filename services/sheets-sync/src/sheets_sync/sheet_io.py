"""The worksheet side of a sync: one metadata read, one values read, batched writes.

Blocking (gspread uses requests); the sync calls these from a worker thread.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

import gspread

from sheets_sync.a1 import format_range, quote_sheet_name
from sheets_sync.fields import ID_KEY

PROTECTION_DESCRIPTION = "jobhunt: tracker ids (edit with care; the sync matches rows by them)"


class HeaderDamaged(Exception):
    """The header row no longer identifies the id column (or names a column twice)."""


class SheetTooWide(Exception):
    """The worksheet has more columns than the service will read."""


@dataclass
class SheetState:
    """What one sync read from Google."""

    sheet_id: int
    title: str
    row_count: int
    column_count: int
    rows: list[list[Any]]
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Layout:
    """Where each mapped field sits; ``added`` are columns the sync appends to the header."""

    columns: dict[str, int]
    added: dict[str, int]
    header_written: bool  # the sheet had no header at all

    @property
    def all_columns(self) -> dict[str, int]:
        return {**self.columns, **self.added}

    @property
    def width(self) -> int:
        return max(self.all_columns.values(), default=-1) + 1


def _header_name(value: Any) -> str:
    return str(value).strip().casefold() if value is not None else ""


def resolve_layout(rows: list[list[Any]], mapping: dict[str, str]) -> Layout:
    """Find mapped headers by name; missing ones go after the last used column."""
    header = rows[0] if rows else []
    if not any(_header_name(v) for v in header):
        if any(any(str(v).strip() for v in row) for row in rows[1:]):
            raise HeaderDamaged(
                "The header row is empty but the sheet has data: restore the header row "
                f"(the id column is {mapping[ID_KEY]!r})."
            )
        return Layout({}, {key: i for i, key in enumerate(mapping)}, header_written=True)
    positions: dict[str, list[int]] = {}
    for index, value in enumerate(header):
        positions.setdefault(_header_name(value), []).append(index)
    columns: dict[str, int] = {}
    missing: list[str] = []
    for key, name in mapping.items():
        found = positions.get(name.strip().casefold(), [])
        if len(found) > 1:
            raise HeaderDamaged(f"The header {name!r} appears {len(found)} times: keep one.")
        if found:
            columns[key] = found[0]
        else:
            missing.append(key)
    if ID_KEY in missing and len(rows) > 1:
        raise HeaderDamaged(
            f"The id column {mapping[ID_KEY]!r} is missing from the header row: restore it "
            "(rows are matched by it, so nothing was written)."
        )
    next_free = len(header)
    added = {}
    for key in missing:
        added[key] = next_free
        next_free += 1
    return Layout(columns, added, header_written=False)


def read_sheet(
    client: gspread.Client, spreadsheet_id: str, title: str, max_columns: int
) -> SheetState | None:
    """Metadata (1 read) and every value of the worksheet (1 read); None if it is missing."""
    metadata = client.http_client.fetch_sheet_metadata(spreadsheet_id)
    for sheet in metadata.get("sheets", []):
        props = sheet["properties"]
        if props["title"] != title:
            continue
        grid = props.get("gridProperties", {})
        columns = int(grid.get("columnCount", 26))
        if columns > max_columns:
            raise SheetTooWide(
                f"The worksheet {title!r} has {columns} columns; at most {max_columns} are "
                "supported. Delete the unused columns or use another worksheet."
            )
        response = client.http_client.values_get(
            spreadsheet_id,
            quote_sheet_name(title),
            params={
                "valueRenderOption": "UNFORMATTED_VALUE",
                "dateTimeRenderOption": "FORMATTED_STRING",
                "majorDimension": "ROWS",
            },
        )
        return SheetState(
            sheet_id=int(props.get("sheetId", 0)),
            title=title,
            row_count=int(grid.get("rowCount", 1000)),
            column_count=columns,
            rows=[list(r) for r in response.get("values", [])],
            protected_ranges=list(sheet.get("protectedRanges", [])),
        )
    return None


def worksheet_exists(client: gspread.Client, spreadsheet_id: str, title: str) -> tuple[bool, int]:
    """(exists, column count) from one metadata read."""
    metadata = client.http_client.fetch_sheet_metadata(spreadsheet_id)
    for sheet in metadata.get("sheets", []):
        if sheet["properties"]["title"] == title:
            grid = sheet["properties"].get("gridProperties", {})
            return True, int(grid.get("columnCount", 26))
    return False, 0


def protection_request(sheet_id: int, id_column: int) -> dict[str, Any]:
    return {
        "addProtectedRange": {
            "protectedRange": {
                "range": {
                    "sheetId": sheet_id,
                    "startColumnIndex": id_column,
                    "endColumnIndex": id_column + 1,
                    "startRowIndex": 1,
                },
                "description": PROTECTION_DESCRIPTION,
                "warningOnly": True,
            }
        }
    }


def protection_requests(state: SheetState, id_column: int) -> list[dict[str, Any]]:
    """Keep one warning-only protection on the id column, moving it if the column moved."""
    ours = [p for p in state.protected_ranges if p.get("description") == PROTECTION_DESCRIPTION]
    in_place = [
        p
        for p in ours
        if p.get("range", {}).get("startColumnIndex") == id_column
        and p.get("range", {}).get("endColumnIndex") == id_column + 1
    ]
    requests = [
        {"deleteProtectedRange": {"protectedRangeId": p["protectedRangeId"]}}
        for p in ours
        if p not in in_place[:1]
    ]
    if not in_place:
        requests.append(protection_request(state.sheet_id, id_column))
    return requests


def create_worksheet(
    client: gspread.Client, spreadsheet_id: str, title: str, headers: list[str]
) -> int:
    """Add the worksheet with its header row and id protection (2 writes); its sheet id."""
    sheet_id = random.randint(1, 2**31 - 1)
    client.http_client.batch_update(
        spreadsheet_id,
        {
            "requests": [
                {
                    "addSheet": {
                        "properties": {
                            "sheetId": sheet_id,
                            "title": title,
                            "sheetType": "GRID",
                            "gridProperties": {
                                "rowCount": 1000,
                                "columnCount": max(26, len(headers)),
                                "frozenRowCount": 1,
                            },
                        }
                    }
                },
                protection_request(sheet_id, 0),
            ]
        },
    )
    client.http_client.values_update(
        spreadsheet_id,
        f"{quote_sheet_name(title)}!A1",
        params={"valueInputOption": "RAW"},
        body={"values": [headers]},
    )
    return sheet_id


def apply_structure(
    client: gspread.Client, spreadsheet_id: str, requests: list[dict[str, Any]]
) -> None:
    """One spreadsheet batchUpdate; never repeated after a 5xx when it deletes rows."""
    if not requests:
        return
    http = client.http_client
    destructive = any("deleteDimension" in r for r in requests)
    previous = getattr(http, "retry_server_errors", True)
    if destructive and hasattr(http, "retry_server_errors"):
        http.retry_server_errors = False
    try:
        http.batch_update(spreadsheet_id, {"requests": requests})
    finally:
        if hasattr(http, "retry_server_errors"):
            http.retry_server_errors = previous


def value_ranges(title: str, cells: dict[tuple[int, int], Any]) -> list[dict[str, Any]]:
    """Group cell writes into rectangular ranges over runs of consecutive rows.

    Cells inside a rectangle that are not being written are sent as null, which the API
    skips, so a user's own columns between ours are never touched.
    """
    by_row: dict[int, dict[int, Any]] = {}
    for (row, col), value in cells.items():
        by_row.setdefault(row, {})[col] = value
    ranges: list[dict[str, Any]] = []
    block: list[int] = []

    def flush() -> None:
        if not block:
            return
        first_col = min(min(by_row[r]) for r in block)
        last_col = max(max(by_row[r]) for r in block)
        values = [[by_row[r].get(c) for c in range(first_col, last_col + 1)] for r in block]
        ranges.append(
            {
                "range": format_range(title, block[0], first_col, block[-1] + 1, last_col + 1),
                "majorDimension": "ROWS",
                "values": values,
            }
        )
        block.clear()

    for row in sorted(by_row):
        if block and row != block[-1] + 1:
            flush()
        block.append(row)
    flush()
    return ranges


def write_values(
    client: gspread.Client, spreadsheet_id: str, ranges: list[dict[str, Any]], max_bytes: int
) -> int:
    """values:batchUpdate with RAW input, split only when a request would pass ``max_bytes``."""
    batches: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for item in ranges:
        item_size = len(json.dumps(item, separators=(",", ":")))
        if current and size + item_size > max_bytes:
            batches.append(current)
            current, size = [], 0
        current.append(item)
        size += item_size
    if current:
        batches.append(current)
    for batch in batches:
        client.http_client.values_batch_update(
            spreadsheet_id, body={"valueInputOption": "RAW", "data": batch}
        )
    return len(batches)
