"""Application fields as the sheet shows them: kinds, default headers, canonical text forms.

Both sides are compared through one canonical text per field, so ``2`` and ``2.0``, a
date typed in a cell and the tracker's ISO timestamp, or ``remote`` and ``Remote`` agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

STATUSES = (
    "saved",
    "applied",
    "screening",
    "interviewing",
    "offer",
    "accepted",
    "rejected",
    "withdrawn",
    "ghosted",
)
WORKPLACE_TYPES = ("onsite", "hybrid", "remote")
NOTE_KEY = "sync_note"
ID_KEY = "id"
SHEETS_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class FieldSpec:
    kind: str  # text | int | number | bool | date | datetime | tags | status | workplace
    editable: bool = True
    required: bool = False


FIELDS: dict[str, FieldSpec] = {
    "id": FieldSpec("int", editable=False),
    "title": FieldSpec("text", required=True),
    "company": FieldSpec("text"),
    "status": FieldSpec("status"),
    "url": FieldSpec("text"),
    "location": FieldSpec("text"),
    "workplace_type": FieldSpec("workplace"),
    "employment_type": FieldSpec("text"),
    "salary_min": FieldSpec("int"),
    "salary_max": FieldSpec("int"),
    "salary_currency": FieldSpec("text"),
    "salary_period": FieldSpec("text"),
    "source": FieldSpec("text"),
    "description": FieldSpec("text"),
    "date_posted": FieldSpec("date"),
    "applied_at": FieldSpec("datetime"),
    "first_response_at": FieldSpec("datetime"),
    "follow_up_at": FieldSpec("datetime"),
    "excitement": FieldSpec("int"),
    "tags": FieldSpec("tags"),
    "archived": FieldSpec("bool"),
    "match_score": FieldSpec("number", editable=False),
    "created_at": FieldSpec("datetime", editable=False),
    "updated_at": FieldSpec("datetime", editable=False),
}

DEFAULT_COLUMNS: dict[str, str] = {
    "id": "Tracker ID",
    "title": "Title",
    "company": "Company",
    "status": "Status",
    "url": "URL",
    "location": "Location",
    "applied_at": "Applied at",
    "follow_up_at": "Follow up at",
    "salary_min": "Salary min",
    "salary_max": "Salary max",
    "excitement": "Excitement",
    "tags": "Tags",
    "updated_at": "Updated at",
    NOTE_KEY: "Sync note",
}


class InvalidCell(ValueError):
    """A cell whose text is not a valid value for its field."""


def _parse_datetime(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = datetime.combine(_parse_date(text), datetime.min.time())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_date(text: str) -> date:
    for parse in (
        date.fromisoformat,
        lambda t: datetime.strptime(t, "%m/%d/%Y").date(),
        lambda t: datetime.fromisoformat(t.replace("Z", "+00:00")).date(),
    ):
        try:
            return parse(text)
        except ValueError:
            continue
    raise InvalidCell(f"{text!r} is not a date (use YYYY-MM-DD)")


def _serial_date(value: float) -> date:
    return SHEETS_EPOCH + timedelta(days=int(value))


def canonical(field: str, value: Any) -> str:
    """The canonical text of a tracker JSON value or a sheet cell; ``InvalidCell`` if bad."""
    spec = FIELDS[field]
    if value is None or (isinstance(value, str) and not value.strip()):
        return "FALSE" if spec.kind == "bool" else ""
    if spec.kind == "tags":
        items = value if isinstance(value, list) else str(value).split(",")
        return ", ".join(t for t in (str(i).strip() for i in items) if t)
    if isinstance(value, bool) and spec.kind != "bool":
        raise InvalidCell(f"{value!r} is not valid here")
    if spec.kind in {"int", "number"}:
        try:
            number = float(str(value).replace(",", "").strip())
        except ValueError as exc:
            raise InvalidCell(f"{value!r} is not a number") from exc
        if spec.kind == "int":
            if not number.is_integer():
                raise InvalidCell(f"{value!r} is not a whole number")
            if field == "excitement" and not 1 <= number <= 5:
                raise InvalidCell("excitement is 1 to 5")
            return str(int(number))
        return str(int(number)) if number.is_integer() else repr(number)
    if spec.kind == "bool":
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        text = str(value).strip().lower()
        if text in {"true", "yes", "y", "1", "x"}:
            return "TRUE"
        if text in {"false", "no", "n", "0"}:
            return "FALSE"
        raise InvalidCell(f"{value!r} is not TRUE or FALSE")
    if spec.kind == "date":
        if isinstance(value, (int, float)):
            return _serial_date(value).isoformat()
        return _parse_date(str(value).strip()).isoformat()
    if spec.kind == "datetime":
        if isinstance(value, (int, float)):
            return datetime.combine(_serial_date(value), datetime.min.time(), UTC).isoformat()
        try:
            return _parse_datetime(str(value).strip()).isoformat()
        except InvalidCell as exc:
            raise InvalidCell(f"{value!r} is not a date or ISO timestamp") from exc
    if spec.kind == "status":
        text = str(value).strip().lower()
        if text not in STATUSES:
            raise InvalidCell(f"{value!r} is not a status ({', '.join(STATUSES)})")
        return text
    if spec.kind == "workplace":
        text = str(value).strip().lower()
        if text not in WORKPLACE_TYPES:
            raise InvalidCell(f"{value!r} is not one of {', '.join(WORKPLACE_TYPES)}")
        return text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def cell_value(field: str, text: str) -> str | int | float | bool:
    """What to write into a cell (RAW input) for a canonical text."""
    kind = FIELDS[field].kind if field in FIELDS else "text"
    if text == "":
        return ""
    if kind == "int":
        return int(text)
    if kind == "number":
        return float(text)
    if kind == "bool":
        return text == "TRUE"
    return text


def tracker_value(field: str, text: str) -> Any:
    """The tracker JSON value for a canonical text."""
    kind = FIELDS[field].kind
    if text == "":
        return [] if kind == "tags" else None
    if kind == "int":
        return int(text)
    if kind == "bool":
        return text == "TRUE"
    if kind == "tags":
        return [t.strip() for t in text.split(",") if t.strip()]
    return text
