"""Streamed exports: CSV in our generic layout (re-importable) and our lossless JSON.

Rows are read in keyset batches on a session of their own (the request's session is
closed before a streamed body is sent), so memory stays flat however big the account.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from jobhunt_common import Database, utcnow
from tracker.applications.models import Application, StatusEvent
from tracker.companies.models import Company
from tracker.transfer.json_format import (
    EVENT_COLUMNS,
    FORMAT_NAME,
    FORMAT_VERSION,
    SECTIONS,
    Section,
    to_json_value,
)

BATCH = 2000

CSV_COLUMNS = (
    "title",
    "company",
    "status",
    "url",
    "location",
    "workplace_type",
    "employment_type",
    "salary_min",
    "salary_max",
    "salary_currency",
    "salary_period",
    "source",
    "description",
    "date_posted",
    "applied_at",
    "first_response_at",
    "follow_up_at",
    "excitement",
    "tags",
    "archived",
    "match_score",
    "created_at",
    "status_changed_at",
)


def _csv_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "tags":
        return "; ".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(to_json_value(value))


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def _live(model: Any, owner_id: str, include_deleted: bool) -> Any:
    """Leave out deleted applications and what hangs off them (companies always go out:
    live applications may still point at a deleted one)."""
    if include_deleted or model is Company:
        return true()
    if model is Application:
        return Application.deleted_at.is_(None)
    application_id = getattr(model, "application_id", None)
    if application_id is None:
        return true()
    return or_(application_id.is_(None), application_id.in_(_live_application_ids(owner_id)))


def _live_application_ids(owner_id: str) -> Any:
    return select(Application.id).where(
        Application.owner_id == owner_id, Application.deleted_at.is_(None)
    )


async def stream_csv(
    database: Database, owner_id: str, *, include_deleted: bool = False
) -> AsyncIterator[str]:
    """The owner's applications as CSV, header first."""
    yield _csv_line(list(CSV_COLUMNS))
    columns = [
        Company.name.label("company") if name == "company" else getattr(Application, name)
        for name in CSV_COLUMNS
    ]
    statement = (
        select(*columns)
        .outerjoin(Company, Company.id == Application.company_id)
        .where(Application.owner_id == owner_id, _live(Application, owner_id, include_deleted))
        .order_by(Application.id)
        .execution_options(yield_per=BATCH)
    )
    async with database.sessionmaker() as session:
        result = await session.stream(statement)
        async for rows in result.partitions(BATCH):
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            for row in rows:
                writer.writerow(
                    [_csv_cell(name, value) for name, value in zip(CSV_COLUMNS, row, strict=True)]
                )
            yield buffer.getvalue()


async def _section_batches(
    reader: AsyncSession,
    helper: AsyncSession,
    owner_id: str,
    section: Section,
    include_deleted: bool,
) -> AsyncIterator[list[dict[str, Any]]]:
    """One section's items in batches: one streamed query (a single sort, a single
    snapshot), with the events and links of each batch read on a second session."""
    model: Any = section.model
    columns = section.columns
    names = [column.name for column in columns]
    result = await reader.stream(
        select(*columns)
        .where(model.owner_id == owner_id, _live(model, owner_id, include_deleted))
        .order_by(model.id)
        .execution_options(yield_per=BATCH)
    )
    async for rows in result.partitions(BATCH):
        items = [
            {name: to_json_value(value) for name, value in zip(names, row, strict=True)}
            for row in rows
        ]
        await _attach(helper, section, items, owner_id, include_deleted)
        yield items


async def _attach(
    session: AsyncSession,
    section: Section,
    items: list[dict[str, Any]],
    owner_id: str,
    include_deleted: bool,
) -> None:
    """Status events into applications; link id lists into contacts and interviews."""
    ids = [item["id"] for item in items]
    if section.name == "applications":
        events: dict[int, list[dict[str, Any]]] = defaultdict(list)
        event_columns = [getattr(StatusEvent, name) for name in EVENT_COLUMNS]
        for application_id, *values in await session.execute(
            select(StatusEvent.application_id, *event_columns)
            .where(StatusEvent.application_id.in_(ids))
            .order_by(StatusEvent.application_id, StatusEvent.at, StatusEvent.id)
        ):
            events[application_id].append(
                {name: to_json_value(v) for name, v in zip(EVENT_COLUMNS, values, strict=True)}
            )
        for item in items:
            item["status_events"] = events.get(item["id"], [])
    for link in section.links:
        own = link.table.c[link.own_column]
        other = link.table.c[link.other_column]
        query = select(own, other).where(own.in_(ids)).order_by(own, other)
        if link.other_section == "applications" and not include_deleted:
            query = query.where(other.in_(_live_application_ids(owner_id)))
        linked: dict[int, list[int]] = defaultdict(list)
        for own_id, other_id in await session.execute(query):
            linked[own_id].append(other_id)
        for item in items:
            item[link.key] = linked.get(item["id"], [])


async def stream_json(
    database: Database, owner_id: str, *, include_deleted: bool = False
) -> AsyncIterator[str]:
    """The owner's whole tracker in our format, one section after another."""
    header = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "exported_at": utcnow().isoformat(),
    }
    yield json.dumps(header)[:-1]
    async with database.sessionmaker() as reader, database.sessionmaker() as helper:
        for section in SECTIONS:
            yield f', "{section.name}": ['
            first = True
            batches = _section_batches(reader, helper, owner_id, section, include_deleted)
            async for items in batches:
                chunk = ", ".join(json.dumps(item, ensure_ascii=False) for item in items)
                yield chunk if first else ", " + chunk
                first = False
            yield "]"
    yield "}\n"
