"""Our lossless JSON format: what each section holds, and how an item is checked on import.

The format is derived from the models, so a new column is exported and imported without
touching this file: every column except the owner, the row version and derived keys,
with ``id``s kept as references inside the file (new ids are given on import). Status
events ride inside their application; contact links inside contacts and interviews.

    {"format": "jobhunt-tracker-export", "format_version": 1, "exported_at": "...",
     "companies": [...], "applications": [{..., "status_events": [...]}],
     "contacts": [{..., "application_ids": [...]}], "interviews": [{..., "contact_ids": [...]}],
     "tasks": [...], "notes": [...]}
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, Float, Integer, String, Table
from sqlalchemy.orm import DeclarativeBase

from jobhunt_common import UTCDateTime
from tracker.applications.models import (
    SALARY_PERIODS,
    STATUS_SOURCES,
    STATUSES,
    WORKPLACE_TYPES,
    Application,
    StatusEvent,
)
from tracker.companies.models import Company
from tracker.contacts.models import CONTACT_ROLES, Contact, application_contacts
from tracker.interviews.models import (
    INTERVIEW_KINDS,
    INTERVIEW_OUTCOMES,
    Interview,
    interview_contacts,
)
from tracker.notes.models import Note
from tracker.tasks.models import TASK_KINDS, Task

FORMAT_NAME = "jobhunt-tracker-export"
FORMAT_VERSION = 1
NOT_EXPORTED = frozenset({"owner_id", "version", "name_key"})


@dataclass(frozen=True)
class Link:
    """A many-to-many link carried as a list of ids on one side."""

    key: str  # e.g. "application_ids"
    table: Table
    own_column: str
    other_column: str
    other_section: str


@dataclass(frozen=True)
class Section:
    name: str
    model: type[DeclarativeBase]
    references: dict[str, str] = field(default_factory=dict)  # column → section
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    links: tuple[Link, ...] = ()

    @property
    def columns(self) -> list[Column[Any]]:
        table: Table = self.model.__table__  # type: ignore[assignment]
        return [c for c in table.columns if c.name not in NOT_EXPORTED]


EVENT_COLUMNS = ("from_status", "to_status", "at", "source", "label")
EVENT_CHOICES = {"from_status": STATUSES, "to_status": STATUSES, "source": STATUS_SOURCES}

SECTIONS = (
    Section("companies", Company),
    Section(
        "applications",
        Application,
        references={"company_id": "companies"},
        choices={
            "status": STATUSES,
            "workplace_type": WORKPLACE_TYPES,
            "salary_period": SALARY_PERIODS,
        },
    ),
    Section(
        "contacts",
        Contact,
        references={"company_id": "companies"},
        choices={"role": CONTACT_ROLES},
        links=(
            Link(
                "application_ids",
                application_contacts,
                "contact_id",
                "application_id",
                "applications",
            ),
        ),
    ),
    Section(
        "interviews",
        Interview,
        references={"application_id": "applications"},
        choices={"kind": INTERVIEW_KINDS, "outcome": INTERVIEW_OUTCOMES},
        links=(Link("contact_ids", interview_contacts, "interview_id", "contact_id", "contacts"),),
    ),
    Section(
        "tasks", Task, references={"application_id": "applications"}, choices={"kind": TASK_KINDS}
    ),
    Section("notes", Note, references={"application_id": "applications"}),
)
SECTION_NAMES = tuple(s.name for s in SECTIONS)
RANGES = {("applications", "excitement"): (1, 5)}


def to_json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


INT_LIMITS = {"SmallInteger": 2**15 - 1, "Integer": 2**31 - 1}


def fits(column: Column[Any], value: Any) -> str | None:
    """Why the database would refuse ``value`` in ``column``, or None when it fits.

    PostgreSQL refuses strings holding NUL, over-long VARCHARs and integers beyond the
    column's width; catching them here keeps them 4xx row errors instead of a 500.
    """
    if isinstance(value, str):
        length = getattr(column.type, "length", None)
        if length is not None and len(value) > length:
            return f"longer than {length} characters"
        if "\x00" in value:
            return "holds a NUL character"
    elif isinstance(value, list) and any("\x00" in str(item) for item in value):
        return "holds a NUL character"
    elif isinstance(value, int) and not isinstance(value, bool):
        limit = INT_LIMITS.get(type(column.type).__name__)
        if limit is not None and not -limit - 1 <= value <= limit:
            return f"{value} is out of range"
    return None


class ItemError(ValueError):
    def __init__(self, field_name: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def coerce(column: Column[Any], raw: Any) -> Any:
    """A JSON value as the column's Python value; ``ItemError`` when it does not fit."""
    name = column.name
    if raw is None:
        if not column.nullable and not column.primary_key:
            raise ItemError(name, "must not be null")
        return None
    column_type = column.type
    try:
        if isinstance(column_type, UTCDateTime):
            if not isinstance(raw, str):
                raise TypeError
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
        if isinstance(column_type, Date):
            if not isinstance(raw, str):
                raise TypeError
            return date.fromisoformat(raw)
        if isinstance(column_type, Boolean):
            if not isinstance(raw, bool):
                raise TypeError
            return raw
        if isinstance(column_type, Integer):
            if isinstance(raw, bool) or not isinstance(raw, int):
                raise TypeError
            return raw
        if isinstance(column_type, Float):
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise TypeError
            if not math.isfinite(raw):
                raise ItemError(name, "must be a finite number")
            return float(raw)
        if isinstance(column_type, String):
            if not isinstance(raw, str):
                raise TypeError
            return raw
        if isinstance(column_type, JSON):
            if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
                raise TypeError
            return raw
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ItemError):
            raise
        raise ItemError(name, f"{raw!r} is not a valid {column_type.__class__.__name__}") from exc
    return raw


def check_item(section: Section, item: Any) -> tuple[int, dict[str, Any], dict[str, list[int]]]:
    """(reference id, column values, links) of one item; ``ItemError`` on the first fault."""
    if not isinstance(item, dict):
        raise ItemError(None, "must be a JSON object")
    columns = {c.name: c for c in section.columns}
    link_keys = {link.key for link in section.links}
    extra = (
        set(item)
        - set(columns)
        - link_keys
        - ({"status_events"} if section.model is Application else set())
    )
    if extra:
        raise ItemError(sorted(extra)[0], f"unknown field(s) {sorted(extra)}")
    reference = item.get("id")
    if isinstance(reference, bool) or not isinstance(reference, int):
        raise ItemError("id", "must be an integer (the item's id inside this file)")
    values_: dict[str, Any] = {}
    for name, column in columns.items():
        if name == "id":
            continue
        if name not in item:
            if not column.nullable and column.default is None:
                raise ItemError(name, "is required")
            continue
        value = coerce(column, item[name])
        problem = fits(column, value)
        if problem:
            raise ItemError(name, problem)
        allowed = section.choices.get(name)
        if allowed is not None and value is not None and value not in allowed:
            raise ItemError(name, f"{value!r} is not one of {', '.join(allowed)}")
        bounds = RANGES.get((section.name, name))
        if bounds is not None and value is not None and not bounds[0] <= value <= bounds[1]:
            raise ItemError(name, f"must be between {bounds[0]} and {bounds[1]}")
        values_[name] = value
    links: dict[str, list[int]] = {}
    for link in section.links:
        ids = item.get(link.key, [])
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            raise ItemError(link.key, "must be a list of integer ids")
        links[link.key] = list(dict.fromkeys(ids))
    return reference, values_, links


def check_events(raw: Any) -> list[dict[str, Any]]:
    """The status events of one application, checked."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ItemError("status_events", "must be a list")
    event_table: Table = StatusEvent.__table__  # type: ignore[assignment]
    columns = event_table.columns
    events = []
    for position, event in enumerate(raw, start=1):
        if not isinstance(event, dict):
            raise ItemError("status_events", f"event {position} must be a JSON object")
        extra = set(event) - set(EVENT_COLUMNS)
        if extra:
            raise ItemError(
                "status_events", f"event {position} has unknown field(s) {sorted(extra)}"
            )
        if "to_status" not in event or "at" not in event:
            raise ItemError("status_events", f"event {position} needs to_status and at")
        checked: dict[str, Any] = {}
        for name in EVENT_COLUMNS:
            if name not in event:
                continue
            try:
                value = coerce(columns[name], event[name])
            except ItemError as exc:
                raise ItemError("status_events", f"event {position}: {name} {exc}") from exc
            problem = fits(columns[name], value)
            if problem:
                raise ItemError("status_events", f"event {position}: {name} {problem}")
            allowed = EVENT_CHOICES.get(name)
            if allowed is not None and value is not None and value not in allowed:
                raise ItemError(
                    "status_events", f"event {position}: {name} {value!r} is not one of {allowed}"
                )
            checked[name] = value
        events.append(checked)
    return events
