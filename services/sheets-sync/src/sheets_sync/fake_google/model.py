"""The fake's data: spreadsheets, sheets and cells, and Google-shaped errors."""

from __future__ import annotations

import copy
import random
import string
from dataclasses import dataclass, field
from typing import Any

CellValue = str | int | float | bool
MAX_CELLS = 10_000_000


class ApiFailure(Exception):
    """A Google-shaped error: ``{"error": {"code", "message", "status"}}``."""

    STATUS_NAMES = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        429: "RESOURCE_EXHAUSTED",
        500: "INTERNAL",
        503: "UNAVAILABLE",
    }

    def __init__(self, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        status = self.STATUS_NAMES.get(self.code, "UNKNOWN")
        return {"error": {"code": self.code, "message": self.message, "status": status}}


def drop_default_sheet_id(grid_range: dict[str, Any]) -> dict[str, Any]:
    # proto3 JSON leaves out default values: a range on sheet 0 comes back without sheetId.
    return {k: v for k, v in grid_range.items() if not (k == "sheetId" and v == 0)}


@dataclass
class FakeSheet:
    sheet_id: int
    title: str
    index: int
    row_count: int = 1000
    column_count: int = 26
    rows: list[list[CellValue | None]] = field(default_factory=list)
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)

    def properties(self) -> dict[str, Any]:
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": self.row_count, "columnCount": self.column_count},
        }

    def metadata(self) -> dict[str, Any]:
        sheet: dict[str, Any] = {"properties": self.properties()}
        if self.protected_ranges:
            ranges = copy.deepcopy(self.protected_ranges)
            for protected in ranges:
                protected["range"] = drop_default_sheet_id(protected["range"])
            sheet["protectedRanges"] = ranges
        return sheet

    def get(self, row: int, col: int) -> CellValue | None:
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return None

    def put(self, row: int, col: int, value: CellValue) -> None:
        while len(self.rows) <= row:
            self.rows.append([])
        cells = self.rows[row]
        while len(cells) <= col:
            cells.append(None)
        cells[col] = None if value == "" else value

    def extent(self) -> tuple[int, int]:
        """(rows, columns) holding data."""
        last_row, last_col = 0, 0
        for r, cells in enumerate(self.rows):
            filled = [c for c, v in enumerate(cells) if v not in (None, "")]
            if filled:
                last_row = r + 1
                last_col = max(last_col, filled[-1] + 1)
        return last_row, last_col


@dataclass
class FakeSpreadsheet:
    spreadsheet_id: str
    title: str
    sheets: list[FakeSheet]
    shared_with: set[str] | None = None  # None: anyone may open it

    def metadata(self) -> dict[str, Any]:
        return {
            "spreadsheetId": self.spreadsheet_id,
            "properties": {
                "title": self.title,
                "locale": "en_US",
                "autoRecalc": "ON_CHANGE",
                "timeZone": "Etc/GMT",
            },
            "sheets": [s.metadata() for s in sorted(self.sheets, key=lambda s: s.index)],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit",
        }

    def sheet_by_title(self, title: str | None) -> FakeSheet:
        if title is None:
            return min(self.sheets, key=lambda s: s.index)
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        raise ApiFailure(400, f"Unable to parse range: {title}")

    def sheet_by_id(self, sheet_id: int) -> FakeSheet:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise ApiFailure(400, f"Invalid requests: No grid with id: {sheet_id}")


def random_spreadsheet_id(rng: random.Random) -> str:
    return "1" + "".join(rng.choices(string.ascii_letters + string.digits + "-_", k=43))


def render_cell(value: CellValue | None, render: str) -> CellValue:
    if value is None:
        return ""
    if render == "UNFORMATTED_VALUE":
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_user_entered(value: CellValue) -> CellValue:
    if not isinstance(value, str):
        return value
    if value.startswith("'"):
        return value[1:]
    if value.upper() in {"TRUE", "FALSE"}:
        return value.upper() == "TRUE"
    try:
        number = float(value.replace(",", "")) if value.strip() else None
    except ValueError:
        return value
    if number is None:
        return value
    return int(number) if number.is_integer() and "." not in value else number
