"""The fake answers like Google: replay recorded real requests, compare the responses."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from sheets_sync.fake_google import BackgroundServer, FakeGoogle

CASSETTES = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "gspread-cassettes"
SHEETS = "https://sheets.googleapis.com"
# Keys Google sends that the fake leaves out: formatting and theme detail gspread never reads.
IGNORED_KEYS = {"defaultFormat", "spreadsheetTheme", "iterativeCalculationSettings"}
# Exact strings worth comparing: they carry A1 ranges and cell data, not generated ids.
EXACT_KEYS = {"range", "updatedRange", "clearedRange", "tableRange", "majorDimension", "values"}
SUPPORTED = re.compile(
    r"^/v4/spreadsheets/[^/:]+(:batchUpdate|/values/[^/]+(:append|:clear)?|/values:batchUpdate"
    r"|/values:batchGet)?$"
)
# Every recorded test whose Sheets calls the fake implements (formatting, merges, notes,
# named ranges and filters are outside the subset gspread needs for sync).
REPLAYED = [
    "CellTest.test_a1_value",
    "CellTest.test_equality",
    "CellTest.test_properties",
    "CellTest.test_update_named_range_no_args",
    "ClientTest.test_access_non_existing_spreadsheet",
    "ClientTest.test_add_timeout",
    "ClientTest.test_client_export_spreadsheet",
    "ClientTest.test_copy",
    "ClientTest.test_create",
    "ClientTest.test_list_spreadsheet_files",
    "ClientTest.test_no_found_exeption",
    "ClientTest.test_open_all_has_metadata",
    "ClientTest.test_open_by_key_has_metadata",
    "ClientTest.test_open_by_name_has_metadata",
    "ClientTest.test_openall",
    "SpreadsheetTest.test_add_del_worksheet",
    "SpreadsheetTest.test_bad_json_api_error",
    "SpreadsheetTest.test_creationTime_prop",
    "SpreadsheetTest.test_export_spreadsheet",
    "SpreadsheetTest.test_get_lastUpdateTime",
    "SpreadsheetTest.test_get_worksheet",
    "SpreadsheetTest.test_get_worksheet_by_id",
    "SpreadsheetTest.test_lastUpdateTime_prop",
    "SpreadsheetTest.test_properties",
    "SpreadsheetTest.test_sheet1",
    "SpreadsheetTest.test_timezone_and_locale",
    "SpreadsheetTest.test_update_title",
    "SpreadsheetTest.test_values_batch_get",
    "SpreadsheetTest.test_values_get",
    "SpreadsheetTest.test_worksheet",
    "SpreadsheetTest.test_worksheet_iteration",
    "SpreadsheetTest.test_worksheets",
    "SpreadsheetTest.test_worksheets_exclude_hidden",
    "WorksheetTest.test_acell",
    "WorksheetTest.test_add_protected_range_warning",
    "WorksheetTest.test_append_row",
    "WorksheetTest.test_attributes",
    "WorksheetTest.test_batch_get",
    "WorksheetTest.test_batch_update",
    "WorksheetTest.test_cell",
    "WorksheetTest.test_cell_return_first",
    "WorksheetTest.test_clear",
    "WorksheetTest.test_delete_cols",
    "WorksheetTest.test_delete_row",
    "WorksheetTest.test_find",
    "WorksheetTest.test_findall",
    "WorksheetTest.test_get_all_records",
    "WorksheetTest.test_get_all_records_different_header",
    "WorksheetTest.test_get_all_records_duplicate_keys",
    "WorksheetTest.test_get_all_records_pad_more_than_one_key",
    "WorksheetTest.test_get_all_records_pad_one_key",
    "WorksheetTest.test_get_all_records_pad_values",
    "WorksheetTest.test_get_all_records_with_all_values_blank",
    "WorksheetTest.test_get_all_records_with_blank_final_headers",
    "WorksheetTest.test_get_all_records_with_keys_blank",
    "WorksheetTest.test_get_all_records_with_some_values_blank",
    "WorksheetTest.test_get_all_values",
    "WorksheetTest.test_get_all_values_title_is_a1_notation",
    "WorksheetTest.test_get_and_get_values_have_same_signature",
    "WorksheetTest.test_get_returns_ValueRange_with_metadata",
    "WorksheetTest.test_get_values_and_maintain_size",
    "WorksheetTest.test_get_values_can_emulate_get_with_kwargs",
    "WorksheetTest.test_get_values_returns_padded_get_as_listoflists",
    "WorksheetTest.test_get_values_with_args_or_kwargs",
    "WorksheetTest.test_range",
    "WorksheetTest.test_range_get_all_values",
    "WorksheetTest.test_range_unbounded",
    "WorksheetTest.test_reorder_worksheets",
    "WorksheetTest.test_resize",
    "WorksheetTest.test_show_gridlines",
    "WorksheetTest.test_update_acell",
    "WorksheetTest.test_update_and_get",
    "WorksheetTest.test_update_cell",
    "WorksheetTest.test_update_cell_multiline",
    "WorksheetTest.test_update_cell_objects",
    "WorksheetTest.test_update_cell_unicode",
    "WorksheetTest.test_update_cells",
    "WorksheetTest.test_update_cells_noncontiguous",
    "WorksheetTest.test_update_cells_unicode",
    "WorksheetTest.test_update_title",
    "WorksheetTest.test_worksheet_update_index",
]

pytestmark = pytest.mark.skipif(
    not CASSETTES.is_dir(), reason=f"recorded Google responses not found at {CASSETTES}"
)


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in sorted(value.items()) if k not in IGNORED_KEYS}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def _exact(value: Any, found: dict[str, list[Any]]) -> dict[str, list[Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in EXACT_KEYS:
                found.setdefault(key, []).append(item)
            _exact(item, found)
    elif isinstance(value, list):
        for item in value:
            _exact(item, found)
    return found


def _generated_ids(real: Any, ours: Any, found: dict[int, int]) -> dict[int, int]:
    """Google's generated sheet / protected-range ids paired with the fake's."""
    if isinstance(real, dict) and isinstance(ours, dict):
        for key, item in real.items():
            if key in {"sheetId", "protectedRangeId"} and isinstance(ours.get(key), int):
                found[item] = ours[key]
            elif key in ours:
                _generated_ids(item, ours[key], found)
    elif isinstance(real, list) and isinstance(ours, list):
        for real_item, our_item in zip(real, ours, strict=False):
            _generated_ids(real_item, our_item, found)
    return found


def _sheet_interactions(name: str) -> list[dict[str, Any]]:
    cassette = json.loads((CASSETTES / f"{name}.json").read_text())
    return [i for i in cassette["interactions"] if i["request"]["uri"].startswith(SHEETS)]


@pytest.fixture(scope="module")
def fake_url() -> Any:
    fake = FakeGoogle(seed=1)
    with BackgroundServer(fake.app) as server:
        yield fake, server.url


@pytest.mark.parametrize("name", REPLAYED)
def test_fake_matches_recorded_google_responses(name: str, fake_url: Any) -> None:
    fake, url = fake_url
    interactions = _sheet_interactions(name)
    compared = 0
    ids: dict[int, int] = {}
    for interaction in interactions:
        recorded, answer = interaction["request"], interaction["response"]
        parts = urlsplit(recorded["uri"])
        assert SUPPORTED.match(parts.path), f"{name} uses {parts.path}, not in the fake"
        spreadsheet_id = parts.path.split("/")[3].split(":")[0]
        if spreadsheet_id not in fake.state.spreadsheets and spreadsheet_id != "test":
            fake.state.create_spreadsheet(name, spreadsheet_id=spreadsheet_id)
        body_text = recorded["body"] or ""
        for real_id, our_id in ids.items():
            body_text = re.sub(
                rf'("(?:sheetId|protectedRangeId)": ){real_id}\b', rf"\g<1>{our_id}", body_text
            )
        response = requests.request(
            recorded["method"],
            f"{url}{parts.path}" + (f"?{parts.query}" if parts.query else ""),
            data=body_text.encode() if body_text else None,
            headers={"Authorization": "Bearer recorded", "Content-Type": "application/json"},
            timeout=10,
        )
        status = answer["status"]["code"]
        assert response.status_code == status, (recorded["method"], recorded["uri"], response.text)
        body = answer["body"]["string"]
        if not body:
            continue
        real = json.loads(body)
        ours = response.json()
        _generated_ids(real, ours, ids)
        assert _shape(ours) == _shape(real), (recorded["method"], recorded["uri"])
        assert _exact(ours, {}) == _exact(real, {}), (recorded["method"], recorded["uri"])
        compared += 1
    assert compared > 0
