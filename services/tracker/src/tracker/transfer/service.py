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
from tracker.transfer.json_format import fits

MAX_LISTED_ERRORS = 1000
PREVIEW_ROWS = 100
BATCH = 1000
_APPLICATION_COLUMNS = table_of(Application).columns


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


def refuse(rows: int, errors: Sequence[dict[str, Any]]) -> Unprocessable:
    bad_rows = len({(e.get("section"), e.get("row")) for e in errors})
    return Unprocessable(
        f"{bad_rows} of {rows} rows are invalid, so nothing was imported. Fix them, or "
        "pass skip_invalid=true to import the valid rows only.",
        errors=list(errors[:MAX_LISTED_ERRORS]),
        extra={"error_count": len(errors), "rows": rows},
    )


def _check_lengths(draft: ApplicationDraft) -> list[RowError]:
    """Values the database would refuse (too long, too big): row errors, never a 500."""
    errors = []
    for name, value in draft.fields.items():
        if name == "company":
            continue
        problem = fits(_APPLICATION_COLUMNS[name], value)
        if problem:
            errors.append(RowError(draft.row, problem, name))
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
        raise refuse(plan.total_rows, error_dicts)
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
