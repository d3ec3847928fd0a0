"""The Sheets API operations of the fake, on its in-memory spreadsheets."""

from __future__ import annotations

import copy
import itertools
import random
import re
from typing import Any

from sheets_sync.a1 import A1Range, RangeError, format_range, parse_range, quote_sheet_name
from sheets_sync.fake_google.model import (
    ApiFailure,
    CellValue,
    FakeSheet,
    FakeSpreadsheet,
    drop_default_sheet_id,
    parse_user_entered,
    random_spreadsheet_id,
    render_cell,
)


class FakeSheetsState:
    """Every spreadsheet the fake holds, and the operations the REST layer calls."""

    def __init__(self, seed: int | None = None) -> None:
        self.rng = random.Random(seed)
        self.spreadsheets: dict[str, FakeSpreadsheet] = {}
        self._sheet_ids = itertools.count(1_000_000)
        self._protected_ids = itertools.count(900_000_000)
        self.revoked_key_ids: set[str] = set()
        self.caller: str | None = None  # who sent the request being handled

    # -- set-up (control API) -------------------------------------------------------------
    def create_spreadsheet(
        self,
        title: str,
        *,
        spreadsheet_id: str | None = None,
        sheet_title: str = "Sheet1",
        rows: int = 1000,
        columns: int = 26,
        shared_with: set[str] | None = None,
    ) -> FakeSpreadsheet:
        spreadsheet = FakeSpreadsheet(
            spreadsheet_id or random_spreadsheet_id(self.rng),
            title,
            [FakeSheet(0, sheet_title, 0, rows, columns)],
            shared_with,
        )
        self.spreadsheets[spreadsheet.spreadsheet_id] = spreadsheet
        return spreadsheet

    def open(self, spreadsheet_id: str, caller: str | None) -> FakeSpreadsheet:
        spreadsheet = self.spreadsheets.get(spreadsheet_id)
        if spreadsheet is None:
            raise ApiFailure(404, "Requested entity was not found.")
        if spreadsheet.shared_with is not None and caller not in spreadsheet.shared_with:
            raise ApiFailure(403, "The caller does not have permission")
        self.caller = caller
        return spreadsheet

    # -- values -------------------------------------------------------------------------
    def _resolve(self, spreadsheet: FakeSpreadsheet, text: str) -> tuple[FakeSheet, A1Range]:
        try:
            a1 = parse_range(text)
        except RangeError as exc:
            raise ApiFailure(400, f"Unable to parse range: {text}") from exc
        return spreadsheet.sheet_by_title(a1.sheet), a1

    def values_get(
        self,
        spreadsheet: FakeSpreadsheet,
        text: str,
        *,
        major_dimension: str = "ROWS",
        render: str = "FORMATTED_VALUE",
    ) -> dict[str, Any]:
        sheet, a1 = self._resolve(spreadsheet, text)
        # A whole-sheet range answers with the grid's bounds; the values stop at the data.
        bounds = (
            a1.start_row or 0,
            a1.start_col or 0,
            min(a1.end_row or sheet.row_count, sheet.row_count),
            min(a1.end_col or sheet.column_count, sheet.column_count),
        )
        r0, c0, r1, c1 = bounds
        if r0 >= sheet.row_count or c0 >= sheet.column_count:
            raise ApiFailure(400, f"Range ({text}) exceeds grid limits.")
        matrix: list[list[CellValue]] = []
        for r in range(r0, r1):
            matrix.append([render_cell(sheet.get(r, c), render) for c in range(c0, c1)])
        if major_dimension == "COLUMNS":
            matrix = [list(col) for col in zip(*matrix, strict=False)] if matrix else []
        trimmed = []
        for line in matrix:
            while line and line[-1] == "":
                line = line[:-1]
            trimmed.append(line)
        while trimmed and not trimmed[-1]:
            trimmed.pop()
        body: dict[str, Any] = {
            "range": format_range(sheet.title, r0, c0, r1, c1),
            "majorDimension": major_dimension,
        }
        if trimmed:
            body["values"] = trimmed
        return body

    def values_update(
        self,
        spreadsheet: FakeSpreadsheet,
        text: str,
        values: list[list[Any]],
        *,
        input_option: str,
        major_dimension: str = "ROWS",
    ) -> dict[str, Any]:
        if input_option not in {"RAW", "USER_ENTERED"}:
            raise ApiFailure(400, "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
        sheet, a1 = self._resolve(spreadsheet, text)
        if major_dimension == "COLUMNS":
            values = [list(col) for col in zip(*values, strict=False)]
        r0, c0 = a1.start_row or 0, a1.start_col or 0
        if ":" not in text.rsplit("!", 1)[-1]:  # a single cell only anchors the write
            a1 = A1Range(a1.sheet, r0, c0)
        height = len(values)
        width = max((len(line) for line in values), default=0)
        if a1.end_row is not None and r0 + height > a1.end_row:
            raise ApiFailure(
                400,
                f"Requested writing within range [{text}], but tried writing to row "
                f"[{r0 + height}]",
            )
        if a1.end_col is not None and c0 + width > a1.end_col:
            raise ApiFailure(
                400,
                f"Requested writing within range [{text}], but tried writing to column "
                f"[{c0 + width}]",
            )
        if r0 + height > sheet.row_count or c0 + width > sheet.column_count:
            raise ApiFailure(
                400,
                f"Range ({text}) exceeds grid limits. Max rows: {sheet.row_count}, "
                f"max columns: {sheet.column_count}",
            )
        cells = 0
        for r, line in enumerate(values):
            for c, value in enumerate(line):
                if value is None:  # null means "leave this cell alone"
                    continue
                if not isinstance(value, (str, int, float, bool)):
                    raise ApiFailure(400, "Invalid value at 'data.values'")
                if input_option == "USER_ENTERED":
                    value = parse_user_entered(value)
                sheet.put(r0 + r, c0 + c, value)
                cells += 1
        return {
            "spreadsheetId": spreadsheet.spreadsheet_id,
            "updatedRange": format_range(
                sheet.title, r0, c0, r0 + max(height, 1), c0 + max(width, 1)
            ),
            "updatedRows": height,
            "updatedColumns": width,
            "updatedCells": cells,
        }

    def values_clear(self, spreadsheet: FakeSpreadsheet, text: str) -> dict[str, Any]:
        sheet, a1 = self._resolve(spreadsheet, text)
        r0, c0 = a1.start_row or 0, a1.start_col or 0
        r1 = min(a1.end_row or sheet.row_count, sheet.row_count)
        c1 = min(a1.end_col or sheet.column_count, sheet.column_count)
        for r in range(r0, min(r1, len(sheet.rows))):
            for c in range(c0, min(c1, len(sheet.rows[r]))):
                sheet.rows[r][c] = None
        return {
            "spreadsheetId": spreadsheet.spreadsheet_id,
            "clearedRange": format_range(sheet.title, r0, c0, r1, c1),
        }

    def values_append(
        self, spreadsheet: FakeSpreadsheet, text: str, values: list[list[Any]], input_option: str
    ) -> dict[str, Any]:
        sheet, _ = self._resolve(spreadsheet, text)
        data_rows, _ = sheet.extent()
        needed = data_rows + len(values)
        if needed > sheet.row_count:
            sheet.row_count = needed
        start = f"{quote_sheet_name(sheet.title)}!A{data_rows + 1}"
        update = self.values_update(spreadsheet, start, values, input_option=input_option)
        body: dict[str, Any] = {"spreadsheetId": spreadsheet.spreadsheet_id, "updates": update}
        if data_rows:
            body["tableRange"] = format_range(sheet.title, 0, 0, data_rows, sheet.extent()[1])
        return body

    # -- spreadsheet batchUpdate ----------------------------------------------------------
    def batch_update(self, spreadsheet: FakeSpreadsheet, requests: list[Any]) -> dict[str, Any]:
        """Apply every request or none (the API's batches are atomic)."""
        if not isinstance(requests, list) or not requests:
            raise ApiFailure(400, "Invalid requests: must contain at least one request")
        draft = copy.deepcopy(spreadsheet)
        replies = [self._apply(draft, request) for request in requests]
        spreadsheet.sheets = draft.sheets
        spreadsheet.title = draft.title
        return {"spreadsheetId": spreadsheet.spreadsheet_id, "replies": replies}

    def _apply(self, spreadsheet: FakeSpreadsheet, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict) or len(request) != 1:
            raise ApiFailure(400, "Invalid requests: each request must set exactly one kind")
        kind, body = next(iter(request.items()))
        handler = getattr(self, "_req_" + re.sub(r"(?<!^)(?=[A-Z])", "_", str(kind)).lower(), None)
        if handler is None:
            raise ApiFailure(400, f'Invalid JSON payload received. Unknown name "{kind}"')
        reply: dict[str, Any] = handler(spreadsheet, body)
        return reply

    def _req_add_sheet(self, spreadsheet: FakeSpreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        props = body.get("properties", {})
        title = props.get("title") or f"Sheet{len(spreadsheet.sheets) + 1}"
        if any(s.title == title for s in spreadsheet.sheets):
            raise ApiFailure(
                400,
                f'Invalid requests[0].addSheet: A sheet with the name "{title}" already '
                "exists. Please enter another name.",
            )
        sheet_id = props.get("sheetId")
        if sheet_id is None:
            sheet_id = next(self._sheet_ids)
        elif any(s.sheet_id == sheet_id for s in spreadsheet.sheets):
            raise ApiFailure(400, f"Invalid requests[0].addSheet: sheetId {sheet_id} is taken")
        grid = props.get("gridProperties", {})
        sheet = FakeSheet(
            int(sheet_id),
            title,
            props.get("index", len(spreadsheet.sheets)),
            int(grid.get("rowCount", 1000)),
            int(grid.get("columnCount", 26)),
        )
        for other in spreadsheet.sheets:
            if other.index >= sheet.index:
                other.index += 1
        spreadsheet.sheets.append(sheet)
        return {"addSheet": {"properties": sheet.properties()}}

    def _req_delete_sheet(
        self, spreadsheet: FakeSpreadsheet, body: dict[str, Any]
    ) -> dict[str, Any]:
        sheet = spreadsheet.sheet_by_id(int(body.get("sheetId", 0)))
        spreadsheet.sheets.remove(sheet)
        return {}

    def _req_update_sheet_properties(
        self, spreadsheet: FakeSpreadsheet, body: dict[str, Any]
    ) -> dict[str, Any]:
        props = body.get("properties", {})
        fields = {
            f.strip().replace("/", ".") for f in str(body.get("fields", "")).split(",") if f.strip()
        }
        sheet = spreadsheet.sheet_by_id(int(props.get("sheetId", 0)))
        grid = props.get("gridProperties", {})
        if "title" in fields or "*" in fields:
            sheet.title = props.get("title", sheet.title)
        if {"gridProperties.rowCount", "gridProperties", "*"} & fields and "rowCount" in grid:
            sheet.row_count = int(grid["rowCount"])
        if {"gridProperties.columnCount", "gridProperties", "*"} & fields and (
            "columnCount" in grid
        ):
            sheet.column_count = int(grid["columnCount"])
        if "index" in fields:
            sheet.index = int(props.get("index", sheet.index))
        return {}

    def _req_append_dimension(
        self, spreadsheet: FakeSpreadsheet, body: dict[str, Any]
    ) -> dict[str, Any]:
        sheet = spreadsheet.sheet_by_id(int(body.get("sheetId", 0)))
        length = int(body.get("length", 0))
        if body.get("dimension") == "COLUMNS":
            sheet.column_count += length
        else:
            sheet.row_count += length
        return {}

    def _req_insert_dimension(
        self, spreadsheet: FakeSpreadsheet, body: dict[str, Any]
    ) -> dict[str, Any]:
        rng = body.get("range", {})
        sheet = spreadsheet.sheet_by_id(int(rng.get("sheetId", 0)))
        start, end = int(rng.get("startIndex", 0)), int(rng.get("endIndex", 0))
        count = end - start
        if rng.get("dimension") == "COLUMNS":
            sheet.column_count += count
            for cells in sheet.rows:
                if len(cells) > start:
                    cells[start:start] = [None] * count
            self._shift_protected(sheet, "Column", start, count)
        else:
            sheet.row_count += count
            if len(sheet.rows) > start:
                sheet.rows[start:start] = [[] for _ in range(count)]
            self._shift_protected(sheet, "Row", start, count)
        return {}

    def _req_delete_dimension(
        self, spreadsheet: FakeSpreadsheet, body: dict[str, Any]
    ) -> dict[str, Any]:
        rng = body.get("range", {})
        sheet = spreadsheet.sheet_by_id(int(rng.get("sheetId", 0)))
        start, end = int(rng.get("startIndex", 0)), int(rng.get("endIndex", 0))
        if rng.get("dimension") == "COLUMNS":
            if end > sheet.column_count:
                raise ApiFailure(400, "Invalid requests: range exceeds grid limits")
            sheet.column_count -= end - start
            for cells in sheet.rows:
                del cells[start:end]
            self._shift_protected(sheet, "Column", start, start - end)
        else:
            if end > sheet.row_count:
                raise ApiFailure(400, "Invalid requests: range exceeds grid limits")
            if end - start >= sheet.row_count:
                raise ApiFailure(
                    400, "Invalid requests: You can't delete all the rows on the sheet."
                )
            sheet.row_count -= end - start
            del sheet.rows[start:end]
            self._shift_protected(sheet, "Row", start, start - end)
        return {}

    @staticmethod
    def _shift_protected(sheet: FakeSheet, axis: str, at: int, delta: int) -> None:
        for protected in sheet.protected_ranges:
            grid = protected["range"]
            for key in (f"start{axis}Index", f"end{axis}Index"):
                if key in grid and grid[key] >= at:
                    grid[key] = max(at, grid[key] + delta)

    def _req_add_protected_range(
        self, spreadsheet: FakeSpreadsheet, body: dict[str, Any]
    ) -> dict[str, Any]:
        protected = copy.deepcopy(body.get("protectedRange", {}))
        grid = protected.get("range", {})
        spreadsheet.sheet_by_id(int(grid.get("sheetId", 0)))
        protected["protectedRangeId"] = next(self._protected_ids)
        protected["range"] = grid
        protected = {k: v for k, v in protected.items() if v is not None}
        protected.setdefault("warningOnly", False)
        protected["requestingUserCanEdit"] = True
        protected["editors"] = {"users": [self.caller]} if self.caller else {}
        sheet = spreadsheet.sheet_by_id(int(grid.get("sheetId", 0)))
        sheet.protected_ranges.append(protected)
        reply = copy.deepcopy(protected)
        reply["range"] = drop_default_sheet_id(reply["range"])
        reply["editors"] = {}
        return {"addProtectedRange": {"protectedRange": reply}}

    def _req_delete_protected_range(
        self, spreadsheet: FakeSpreadsheet, body: dict[str, Any]
    ) -> dict[str, Any]:
        target = body.get("protectedRangeId")
        for sheet in spreadsheet.sheets:
            for protected in sheet.protected_ranges:
                if protected["protectedRangeId"] == target:
                    sheet.protected_ranges.remove(protected)
                    return {}
        raise ApiFailure(400, f"Invalid requests: No protected range with id: {target}")

    def _req_update_spreadsheet_properties(
        self, spreadsheet: FakeSpreadsheet, body: dict[str, Any]
    ) -> dict[str, Any]:
        spreadsheet.title = body.get("properties", {}).get("title", spreadsheet.title)
        return {}
