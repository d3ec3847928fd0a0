"""The calendar feed: a public ``.ics`` at a secret URL, and the two calls that manage it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jobhunt_common import Principal, SessionDep
from jobhunt_common.auth import FULL_ACCESS, require_scope
from jobhunt_common.errors import NotFound
from tracker.accounts.models import User, new_calendar_token
from tracker.applications.models import Application
from tracker.calendar.ics import FeedEntry, interview_entry, render_calendar, task_entry
from tracker.companies.models import Company
from tracker.interviews.models import Interview
from tracker.tasks.models import Task

router = APIRouter(prefix="/tracker/calendar", tags=["calendar"])

# Import, export, the calendar and analytics need a full-access token, never a delegated one.
FullUser = Annotated[Principal, require_scope(FULL_ACCESS)]

ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"
PUBLIC_PREFIX = "/api"


class CalendarFeed(BaseModel):
    path: str = Field(description="The feed's path on this service: /tracker/calendar/….ics")
    public_path: str = Field(description="The same path at the gateway (under /api).")


def _feed(token: str) -> CalendarFeed:
    path = f"/tracker/calendar/{token}.ics"
    return CalendarFeed(path=path, public_path=PUBLIC_PREFIX + path)


async def _user(session: AsyncSession, user_id: str) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("No such account.")
    return user


async def feed_entries(session: AsyncSession, owner_id: str) -> list[FeedEntry]:
    """Scheduled interviews and open tasks with a due time, of live applications only."""
    interviews = await session.execute(
        select(Interview, Application.title, Company.name)
        .join(Application, Application.id == Interview.application_id)
        .outerjoin(Company, Company.id == Application.company_id)
        .where(
            Interview.owner_id == owner_id,
            Interview.scheduled_at.is_not(None),
            Application.deleted_at.is_(None),
        )
        .order_by(Interview.scheduled_at, Interview.id)
    )
    entries = [
        interview_entry(
            interview_id=interview.id,
            title=title,
            company=company,
            round_label=interview.round,
            scheduled_at=interview.scheduled_at,
            duration_minutes=interview.duration_minutes,
            location=interview.location,
            meeting_url=interview.meeting_url,
            description=interview.notes,
            changed_at=interview.updated_at,
            version=interview.version,
            cancelled=interview.outcome == "cancelled",
        )
        for interview, title, company in interviews
        if interview.scheduled_at is not None
    ]
    tasks = await session.execute(
        select(Task, Application.title)
        .outerjoin(Application, Application.id == Task.application_id)
        .where(
            Task.owner_id == owner_id,
            Task.done_at.is_(None),
            Task.due_at.is_not(None),
            Application.deleted_at.is_(None),
        )
        .order_by(Task.due_at, Task.id)
    )
    entries.extend(
        task_entry(
            task_id=task.id,
            title=task.title,
            due=task.due_at,
            application_title=title,
            description=task.notes,
            changed_at=task.updated_at,
            version=task.version,
        )
        for task, title in tasks
        if task.due_at is not None
    )
    return entries


@router.get("")
async def get_feed(session: SessionDep, user: FullUser) -> CalendarFeed:
    """The secret path of your calendar feed (anyone with it can read the feed)."""
    return _feed((await _user(session, user.user_id)).calendar_token)


@router.post("/rotate")
async def rotate_feed(session: SessionDep, user: FullUser) -> CalendarFeed:
    """Replace the feed's secret: the old URL stops working at once."""
    account = await _user(session, user.user_id)
    account.calendar_token = new_calendar_token()
    await session.flush()
    return _feed(account.calendar_token)


@router.get(
    "/{token}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, 404: {"description": "Unknown token."}},
)
async def calendar_ics(token: str, session: SessionDep) -> Response:
    """The ICS feed of interviews and open tasks; the secret URL is the credential."""
    owner_id = await session.scalar(select(User.id).where(User.calendar_token == token))
    if owner_id is None:
        raise NotFound("No such calendar.")
    payload = render_calendar(await feed_entries(session, owner_id))
    return Response(
        payload,
        media_type=ICS_MEDIA_TYPE,
        headers={"Cache-Control": "private, no-cache", "X-Robots-Tag": "noindex"},
    )
