"""The three-way merge, field by field."""

from __future__ import annotations

import pytest

from sheets_sync.fields import InvalidCell, canonical
from sheets_sync.merge import merge_fields

FIELDS = ["title", "status", "location", "updated_at"]
BASE = {
    "title": "Dev",
    "status": "applied",
    "location": "",
    "updated_at": "2026-01-01T00:00:00+00:00",
}


def _merge(sheet: dict[str, str | None], tracker: dict[str, str], **options: str):  # type: ignore[no-untyped-def]
    return merge_fields(FIELDS, BASE, sheet, {**BASE, **tracker}, **options)


def test_one_sided_changes_cross_over() -> None:
    result = _merge({**BASE, "status": "offer"}, {"location": "Rome"})
    assert result.to_tracker == {"status": "offer"}
    assert result.to_sheet == {"location": "Rome"}
    assert result.conflicts == []


def test_same_change_on_both_sides_is_a_no_op() -> None:
    result = _merge({**BASE, "status": "offer"}, {"status": "offer"})
    assert (result.to_tracker, result.to_sheet, result.conflicts) == ({}, {}, [])
    assert result.agreed["status"] == "offer"


@pytest.mark.parametrize(
    ("policy", "winner", "to_tracker", "to_sheet"),
    [
        ("sheet_wins", "sheet", {"location": "Paris"}, {}),
        ("tracker_wins", "tracker", {}, {"location": "Oslo"}),
        ("manual", None, {}, {}),
    ],
)
def test_conflicts_follow_the_policy(
    policy: str, winner: str | None, to_tracker: dict[str, str], to_sheet: dict[str, str]
) -> None:
    result = _merge({**BASE, "location": "Paris"}, {"location": "Oslo"}, policy=policy)
    assert [(c.field, c.winner) for c in result.conflicts] == [("location", winner)]
    assert (result.to_tracker, result.to_sheet) == (to_tracker, to_sheet)


def test_read_only_fields_always_come_from_the_tracker() -> None:
    result = _merge({**BASE, "updated_at": "garbage"}, {"updated_at": "2026-02-02T00:00:00+00:00"})
    assert result.to_sheet == {"updated_at": "2026-02-02T00:00:00+00:00"}
    assert result.to_tracker == {}


def test_push_ignores_sheet_edits_and_pull_ignores_tracker_edits() -> None:
    push = _merge({**BASE, "status": "offer"}, {"location": "Rome"}, direction="push")
    assert (push.to_tracker, push.to_sheet) == ({}, {"location": "Rome"})
    pull = _merge({**BASE, "status": "offer"}, {"location": "Rome"}, direction="pull")
    assert (pull.to_tracker, pull.to_sheet) == ({"status": "offer"}, {})


def test_invalid_cell_keeps_the_users_text_and_missing_column_is_filled() -> None:
    invalid = _merge({**BASE, "status": None}, {})
    assert (invalid.to_tracker, invalid.to_sheet) == ({}, {})
    missing = _merge({k: v for k, v in BASE.items() if k != "location"}, {"location": "Rome"})
    assert missing.to_sheet == {"location": "Rome"}


def test_forced_resolution_goes_to_both_sides() -> None:
    result = _merge(
        {**BASE, "location": "Paris"}, {"location": "Oslo"}, forced={"location": "Porto"}
    )  # type: ignore[arg-type]
    assert (result.to_tracker, result.to_sheet) == ({"location": "Porto"}, {"location": "Porto"})


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        ("salary_min", 120000.0, "120000"),
        ("salary_min", "120,000", "120000"),
        ("status", " Interviewing ", "interviewing"),
        ("tags", ["a", " b", ""], "a, b"),
        ("tags", "a,b ,", "a, b"),
        ("archived", True, "TRUE"),
        ("archived", "", "FALSE"),
        ("date_posted", "11/26/2026", "2026-11-26"),
        ("date_posted", 46352, "2026-11-26"),
        ("applied_at", "2026-11-26T10:00:00Z", "2026-11-26T10:00:00+00:00"),
        ("applied_at", "2026-11-26", "2026-11-26T00:00:00+00:00"),
        ("title", None, ""),
    ],
)
def test_canonical_forms(field: str, raw: object, expected: str) -> None:
    assert canonical(field, raw) == expected


@pytest.mark.parametrize(
    ("field", "raw"),
    [("status", "maybe"), ("excitement", 9), ("salary_min", "lots"), ("applied_at", "soon")],
)
def test_invalid_cells(field: str, raw: object) -> None:
    with pytest.raises(InvalidCell):
        canonical(field, raw)
