"""Field-level three-way merge of one application: last synced value, sheet, tracker."""

from __future__ import annotations

from dataclasses import dataclass, field

from sheets_sync.fields import FIELDS

POLICIES = ("sheet_wins", "tracker_wins", "manual")
DIRECTIONS = ("two_way", "push", "pull")


@dataclass(frozen=True)
class FieldConflict:
    field: str
    base: str | None
    sheet: str
    tracker: str
    # "sheet" / "tracker" when the policy settled it, None when left to the user
    winner: str | None


@dataclass
class MergeResult:
    to_sheet: dict[str, str] = field(default_factory=dict)
    to_tracker: dict[str, str] = field(default_factory=dict)
    agreed: dict[str, str] = field(default_factory=dict)
    conflicts: list[FieldConflict] = field(default_factory=list)


def merge_fields(
    fields: list[str],
    base: dict[str, str] | None,
    sheet: dict[str, str | None],
    tracker: dict[str, str],
    *,
    direction: str = "two_way",
    policy: str = "sheet_wins",
    forced: dict[str, str] | None = None,
) -> MergeResult:
    """Decide each field: a change on one side goes to the other; both changed is a conflict.

    ``sheet[f] is None`` means the sheet says nothing about ``f`` (no column, or a cell
    that does not parse): the tracker's value then stands. ``forced`` holds values a
    user chose when resolving a conflict; they go to both sides.
    """
    if direction == "push":
        policy = "tracker_wins"
    elif direction == "pull":
        policy = "sheet_wins"
    result = MergeResult()
    for name in fields:
        t = tracker.get(name, "")
        s = sheet.get(name)
        b = base.get(name) if base is not None else None
        if forced and name in forced:
            value = forced[name]
            if s != value:
                result.to_sheet[name] = value
            if t != value and FIELDS[name].editable:
                result.to_tracker[name] = value
            result.agreed[name] = value
            continue
        if not FIELDS[name].editable:
            if s != t:
                result.to_sheet[name] = t
            result.agreed[name] = t
            continue
        if s is None:
            # No usable cell: the column is missing (fill it) or the text is invalid (keep it).
            if name not in sheet:
                result.to_sheet[name] = t
            s = t if b is None else b
        if s == t:
            result.agreed[name] = t
            continue
        sheet_changed = b is None or s != b
        tracker_changed = b is None or t != b
        if sheet_changed and not tracker_changed:
            winner = "sheet"
        elif tracker_changed and not sheet_changed:
            winner = "tracker"
        else:
            winner = {"sheet_wins": "sheet", "tracker_wins": "tracker"}.get(policy, "")
            result.conflicts.append(FieldConflict(name, b, s, t, winner or None))
        if winner == "sheet":
            if direction == "push":
                result.agreed[name] = b if b is not None else t
                continue
            result.to_tracker[name] = s
            result.agreed[name] = s
        elif winner == "tracker":
            if direction == "pull":
                result.agreed[name] = b if b is not None else s
                continue
            result.to_sheet[name] = t
            result.agreed[name] = t
        elif b is not None:
            result.agreed[name] = b
    return result
