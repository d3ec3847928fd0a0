"""Interviews: writes with contact links, lists by schedule (unscheduled last)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from jobhunt_common import UTCDateTime, utcnow
from jobhunt_common.pagination import PageParams, page_from_rows, paginate_select
from tracker.applications.models import Application, of_live_application
from tracker.contacts.models import Contact
from tracker.contacts.service import owned_ids
from tracker.deps import get_owned, sort_columns
from tracker.interviews.models import Interview, interview_contacts
from tracker.interviews.schemas import InterviewRead
from tracker.tasks.service import FAR_FUTURE


@dataclass(frozen=True)
class InterviewFilters:
    application_id: int | None = None
    upcoming: bool | None = None
    outcome: str | None = None
    scheduled_from: datetime | None = None
    scheduled_to: datetime | None = None


async def apply_fields(session: AsyncSession, interview: Interview, fields: dict[str, Any]) -> None:
    contact_ids = fields.pop("contact_ids", None)
    if "application_id" in fields:
        await get_owned(
            session, Application, fields["application_id"], interview.owner_id, what="application"
        )
    for field, value in fields.items():
        setattr(interview, field, value)
    is_new = interview.id is None
    if is_new:
        session.add(interview)
    await session.flush()
    if contact_ids is not None:
        wanted = await owned_ids(session, Contact, contact_ids, interview.owner_id, "contact")
        await session.execute(
            delete(interview_contacts).where(interview_contacts.c.interview_id == interview.id)
        )
        if wanted:
            await session.execute(
                insert(interview_contacts),
                [{"interview_id": interview.id, "contact_id": c} for c in wanted],
            )
        if not is_new:
            interview.updated_at = utcnow()  # links are part of the interview: bump its version
            await session.flush()


async def to_reads(session: AsyncSession, interviews: list[Interview]) -> list[InterviewRead]:
    links: dict[int, list[int]] = {interview.id: [] for interview in interviews}
    if links:
        rows = await session.execute(
            select(interview_contacts.c.interview_id, interview_contacts.c.contact_id)
            .where(interview_contacts.c.interview_id.in_(list(links)))
            .order_by(interview_contacts.c.contact_id)
        )
        for interview_id, contact_id in rows:
            links[interview_id].append(contact_id)
    return [
        InterviewRead.model_validate(
            {
                **{
                    name: getattr(interview, name)
                    for name in InterviewRead.model_fields
                    if name != "contact_ids"
                },
                "contact_ids": links[interview.id],
            }
        )
        for interview in interviews
    ]


async def list_interviews(
    session: AsyncSession, owner_id: str, filters: InterviewFilters, page: PageParams
) -> tuple[list[Interview], str | None]:
    scheduled = func.coalesce(Interview.scheduled_at, literal(FAR_FUTURE, UTCDateTime()))
    statement = select(Interview).where(
        Interview.owner_id == owner_id, of_live_application(Interview.application_id)
    )
    if filters.application_id is not None:
        statement = statement.where(Interview.application_id == filters.application_id)
    if filters.upcoming is not None:
        upcoming = (Interview.scheduled_at >= utcnow()) & (Interview.outcome == "pending")
        statement = statement.where(upcoming if filters.upcoming else ~upcoming)
    if filters.outcome is not None:
        statement = statement.where(Interview.outcome == filters.outcome)
    if filters.scheduled_from is not None:
        statement = statement.where(Interview.scheduled_at >= filters.scheduled_from)
    if filters.scheduled_to is not None:
        statement = statement.where(Interview.scheduled_at < filters.scheduled_to)
    statement = paginate_select(
        statement, sort_columns(scheduled, Interview.id), page, descending=False
    )
    rows = (await session.scalars(statement)).all()
    return page_from_rows(
        rows, page, lambda interview: [interview.scheduled_at or FAR_FUTURE, interview.id]
    )
