"""Importing our own JSON export: every item checked first (references included), then
written with new ids and every reference remapped. Same all-or-nothing rules as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jobhunt_common.errors import Unprocessable
from tracker.applications.models import StatusEvent
from tracker.companies.models import Company, company_name_key
from tracker.transfer.bulk import insert_plain, insert_returning_ids, table_of
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
from tracker.transfer.service import MAX_LISTED_ERRORS, ImportOutcome, refuse


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
        raise refuse(total, errors)
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
