"""Imports: validate everything first, then write everything in the request's transaction.

All-or-nothing is the default: one bad row and nothing is written (422 with every
row's reason). ``skip_invalid`` writes the good rows and reports the others; a dry run
reports what would be written and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jobhunt_common import utcnow
from jobhunt_common.errors import Unprocessable
from tracker.applications.models import Application, StatusEvent
from tracker.companies.models import Company, company_name_key
from tracker.notes.models import Note
from tracker.transfer.bulk import insert_plain, insert_returning_ids, table_of
from tracker.transfer.csv_import import ApplicationDraft, CsvPlan, RowError
from tracker.transfer.history import derived_moments, plan_events
from tracker.transfer.json_format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    SECTION_NAMES,
    SECTIONS,
    ItemError,
    Section,
    check_events,
    check_item,
)

MAX_LISTED_ERRORS = 1000
PREVIEW_ROWS = 100
BATCH = 1000
_APPLICATION_COLUMNS = Application.__table__.columns


@dataclass
class ImportOutcome:
    format: str
    rows: int
    dry_run: bool
    errors: list[dict[str, Any]]
    created: dict[str, int] = field(default_factory=dict)
    preview: list[dict[str, Any]] = field(default_factory=list)
    mapping: dict[str, str] | None = None
    ignored_columns: list[str] | None = None
    encoding: str | None = None


def _refuse(rows: int, errors: Sequence[dict[str, Any]]) -> Unprocessable:
    bad_rows = len({(e.get("section"), e.get("row")) for e in errors})
    return Unprocessable(
        f"{bad_rows} of {rows} rows are invalid, so nothing was imported. Fix them, or "
        "pass skip_invalid=true to import the valid rows only.",
        errors=list(errors[:MAX_LISTED_ERRORS]),
        extra={"error_count": len(errors), "rows": rows},
    )


def _check_lengths(draft: ApplicationDraft) -> list[RowError]:
    errors = []
    for name, value in draft.fields.items():
        if name == "company" or not isinstance(value, str):
            continue
        length = getattr(_APPLICATION_COLUMNS[name].type, "length", None)
        if length is not None and len(value) > length:
            errors.append(RowError(draft.row, f"longer than {length} characters", name))
    company = draft.fields.get("company")
    if isinstance(company, str) and len(company) > 300:
        errors.append(RowError(draft.row, "longer than 300 characters", "company"))
    return errors


async def _company_ids(
    session: AsyncSession, owner_id: str, names: Iterable[str], *, dry_run: bool
) -> tuple[dict[str, int | None], int]:
    """name_key → company id for every name, creating the missing ones; and how many new."""
    wanted: dict[str, str] = {}
    for name in names:
        wanted.setdefault(company_name_key(name), name.strip())
    found: dict[str, int | None] = {}
    keys = list(wanted)
    for start in range(0, len(keys), BATCH):
        rows = await session.execute(
            select(Company.name_key, Company.id).where(
                Company.owner_id == owner_id, Company.name_key.in_(keys[start : start + BATCH])
            )
        )
        found.update(dict(rows.all()))
    missing = [key for key in keys if key not in found]
    if dry_run:
        return {**found, **dict.fromkeys(missing)}, len(missing)
    now = utcnow()
    for start in range(0, len(missing), BATCH):
        chunk = missing[start : start + BATCH]
        new_ids = await insert_returning_ids(
            session,
            table_of(Company),
            [
                {
                    "owner_id": owner_id,
                    "name": wanted[key],
                    "name_key": key,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
                for key in chunk
            ],
        )
        found.update(zip(chunk, new_ids, strict=True))
    return found, len(missing)


async def import_csv(
    session: AsyncSession,
    owner_id: str,
    plan: CsvPlan,
    *,
    dry_run: bool,
    skip_invalid: bool,
) -> ImportOutcome:
    """Write (or preview) the drafts of a parsed CSV."""
    errors = list(plan.errors)
    drafts = []
    for draft in plan.drafts:
        length_errors = _check_lengths(draft)
        if length_errors:
            errors.extend(length_errors)
        else:
            drafts.append(draft)
    errors.sort(key=lambda e: e.row)
    error_dicts = [e.as_dict() for e in errors]
    if error_dicts and not skip_invalid and not dry_run:
        raise _refuse(plan.total_rows, error_dicts)
    now = utcnow()
    companies, new_companies = await _company_ids(
        session,
        owner_id,
        (d.fields["company"] for d in drafts if d.fields.get("company")),
        dry_run=dry_run,
    )
    application_rows = []
    event_plans = []
    for draft in drafts:
        events = plan_events(draft, now)
        applied_at, first_response_at = derived_moments(events)
        fields = {k: v for k, v in draft.fields.items() if k != "company"}
        company = draft.fields.get("company")
        created_at = min(draft.created_at or events[0].at, events[0].at)
        application_rows.append(
            {
                **fields,
                "owner_id": owner_id,
                "company_id": companies[company_name_key(company)] if company else None,
                "status": draft.status,
                "status_changed_at": events[-1].at,
                "applied_at": applied_at or fields.get("applied_at"),
                "first_response_at": first_response_at or fields.get("first_response_at"),
                "tags": fields.get("tags", []),
                "archived": fields.get("archived", False),
                "created_at": created_at,
                "updated_at": now,
                "version": 1,
            }
        )
        event_plans.append(events)
    notes = sum(1 for d in drafts if d.note)
    outcome = ImportOutcome(
        format=plan.dialect,
        rows=plan.total_rows,
        dry_run=dry_run,
        errors=error_dicts[:MAX_LISTED_ERRORS],
        created={
            "applications": len(application_rows),
            "companies": new_companies,
            "status_events": sum(len(e) for e in event_plans),
            "notes": notes,
        },
        mapping=plan.mapping,
        ignored_columns=plan.ignored_columns,
        encoding=plan.encoding,
    )
    if dry_run:
        outcome.preview = [
            _preview(draft, row, events)
            for draft, row, events in zip(
                drafts[:PREVIEW_ROWS], application_rows, event_plans, strict=False
            )
        ]
        return outcome
    for start in range(0, len(application_rows), BATCH):
        chunk = application_rows[start : start + BATCH]
        ids = await insert_returning_ids(session, table_of(Application), chunk)
        chunk_drafts = drafts[start : start + BATCH]
        await insert_plain(
            session,
            table_of(StatusEvent),
            [
                {
                    "application_id": application_id,
                    "owner_id": owner_id,
                    "from_status": event.from_status,
                    "to_status": event.to_status,
                    "at": event.at,
                    "source": "import",
                    "label": event.label,
                }
                for application_id, events in zip(
                    ids, event_plans[start : start + BATCH], strict=True
                )
                for event in events
            ],
        )
        note_rows = [
            {
                "owner_id": owner_id,
                "application_id": application_id,
                "body": draft.note,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for application_id, draft in zip(ids, chunk_drafts, strict=True)
            if draft.note
        ]
        if note_rows:
            await insert_plain(session, table_of(Note), note_rows)
    return outcome


def _preview(draft: ApplicationDraft, row: dict[str, Any], events: list[Any]) -> dict[str, Any]:
    shown = {
        k: v.isoformat() if isinstance(v, datetime) else v
        for k, v in row.items()
        if k not in {"owner_id", "version", "updated_at", "company_id"} and v is not None
    }
    return {
        "row": draft.row,
        **shown,
        "company": draft.fields.get("company"),
        "status_label": draft.status_label,
        "status_events": [
            {"from_status": e.from_status, "to_status": e.to_status, "at": e.at.isoformat()}
            for e in events
        ],
        "note": draft.note,
    }


# ---------------------------------------------------------------- our JSON format


@dataclass
class _Checked:
    reference: int
    values: dict[str, Any]
    links: dict[str, list[int]]
    events: list[dict[str, Any]]


def _check_document(
    document: Any,
) -> tuple[dict[str, list[tuple[int, _Checked]]], list[dict[str, Any]], int]:
    """Every item of every section checked, references included; (items, errors, count)."""
    if not isinstance(document, dict):
        raise Unprocessable("The JSON document must be an object of our export format.")
    if document.get("format") != FORMAT_NAME:
        raise Unprocessable(f"This is not a {FORMAT_NAME} document (its 'format' is missing).")
    if document.get("format_version") != FORMAT_VERSION:
        raise Unprocessable(
            f"format_version {document.get('format_version')!r} is not supported "
            f"(this server reads {FORMAT_VERSION})."
        )
    unknown = set(document) - set(SECTION_NAMES) - {"format", "format_version", "exported_at"}
    if unknown:
        raise Unprocessable(f"Unknown top-level field(s): {sorted(unknown)}.")
    items: dict[str, list[tuple[int, _Checked]]] = {}
    seen: dict[str, set[int]] = {}
    errors: list[dict[str, Any]] = []
    total = 0
    for section in SECTIONS:
        raw_items = document.get(section.name, [])
        if not isinstance(raw_items, list):
            raise Unprocessable(f"'{section.name}' must be a list.")
        items[section.name], seen[section.name] = [], set()
        for position, raw in enumerate(raw_items, start=1):
            total += 1
            try:
                checked = _check_one(section, raw, seen)
            except ItemError as exc:
                errors.append(
                    {
                        "section": section.name,
                        "row": position,
                        "field": exc.field,
                        "message": str(exc),
                    }
                )
                continue
            seen[section.name].add(checked.reference)
            items[section.name].append((position, checked))
    return items, errors, total


def _check_one(section: Section, raw: Any, seen: dict[str, set[int]]) -> _Checked:
    reference, values_, links = check_item(section, raw)
    if reference in seen[section.name]:
        raise ItemError("id", f"id {reference} appears twice in {section.name}")
    for column, target in section.references.items():
        value = values_.get(column)
        if value is not None and value not in seen[target]:
            raise ItemError(
                column, f"refers to {target} id {value}, which is not (validly) in the file"
            )
    for link in section.links:
        missing = [i for i in links[link.key] if i not in seen[link.other_section]]
        if missing:
            raise ItemError(
                link.key, f"refers to {link.other_section} ids {missing} not in the file"
            )
    events = check_events(raw.get("status_events")) if section.name == "applications" else []
    return _Checked(reference, values_, links, events)


async def import_document(
    session: AsyncSession,
    owner_id: str,
    document: Any,
    *,
    dry_run: bool,
    skip_invalid: bool,
) -> ImportOutcome:
    """Import our own JSON export, giving every item a new id and remapping references."""
    items, errors, total = _check_document(document)
    if errors and not skip_invalid and not dry_run:
        raise _refuse(total, errors)
    created = {name: len(items[name]) for name in SECTION_NAMES}
    created["status_events"] = sum(len(c.events) for _, c in items["applications"])
    outcome = ImportOutcome(
        format="json",
        rows=total,
        dry_run=dry_run,
        errors=errors[:MAX_LISTED_ERRORS],
        created=created,
    )
    if dry_run:
        return outcome
    new_ids: dict[str, dict[int, int]] = {}
    for section in SECTIONS:
        new_ids[section.name] = await _write_section(
            session, owner_id, section, [c for _, c in items[section.name]], new_ids
        )
    return outcome


async def _write_section(
    session: AsyncSession,
    owner_id: str,
    section: Section,
    checked: list[_Checked],
    new_ids: dict[str, dict[int, int]],
) -> dict[int, int]:
    model: Any = section.model
    mapping: dict[int, int] = {}
    if section.name == "companies":
        # Companies are unique per name: one already in the account is reused, not doubled.
        keys = {c.reference: company_name_key(c.values["name"]) for c in checked}
        found = await session.execute(
            select(Company.name_key, Company.id).where(
                Company.owner_id == owner_id, Company.name_key.in_(set(keys.values()))
            )
        )
        existing: dict[str, int] = dict(found.all())
        fresh: list[_Checked] = []
        pending: set[str] = set()
        for item in checked:
            key = keys[item.reference]
            if key in existing:
                mapping[item.reference] = existing[key]
            elif key not in pending:  # a second spelling in the file maps to the first
                pending.add(key)
                fresh.append(item)
        ids = await _insert(session, model, owner_id, section, fresh, new_ids, name_keys=keys)
        for item, new_id in zip(fresh, ids, strict=True):
            existing[keys[item.reference]] = new_id
        for item in checked:
            mapping.setdefault(item.reference, existing[keys[item.reference]])
        return mapping
    ids = await _insert(session, model, owner_id, section, checked, new_ids)
    mapping.update(zip((c.reference for c in checked), ids, strict=True))
    if section.name == "applications":
        events = [
            {"application_id": mapping[c.reference], "owner_id": owner_id, **event}
            for c in checked
            for event in c.events
        ]
        await insert_plain(session, table_of(StatusEvent), events)
    for link in section.links:
        pairs = [
            {
                link.own_column: mapping[c.reference],
                link.other_column: new_ids[link.other_section][i],
            }
            for c in checked
            for i in c.links[link.key]
        ]
        await insert_plain(session, link.table, pairs)
    return mapping


async def _insert(
    session: AsyncSession,
    model: Any,
    owner_id: str,
    section: Section,
    checked: list[_Checked],
    new_ids: dict[str, dict[int, int]],
    *,
    name_keys: dict[int, str] | None = None,
) -> list[int]:
    rows = []
    for item in checked:
        row = {**item.values, "owner_id": owner_id, "version": 1}
        for column, target in section.references.items():
            if row.get(column) is not None:
                row[column] = new_ids[target][row[column]]
        if name_keys is not None:
            row["name_key"] = name_keys[item.reference]
        rows.append(row)
    return await insert_returning_ids(session, table_of(model), rows)
