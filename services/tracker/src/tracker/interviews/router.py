"""``/tracker/interviews``: rounds of an application, with the contacts met."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from jobhunt_common import Page, PageParamsDep, SessionDep, check_if_match
from tracker.deps import FullUser, IdempotencyKeyHeader, IfMatch, QueryDateTime, get_owned, set_etag
from tracker.idempotency import idempotent_create
from tracker.interviews import service
from tracker.interviews.models import Interview
from tracker.interviews.schemas import (
    InterviewCreate,
    InterviewOutcome,
    InterviewRead,
    InterviewUpdate,
)
from tracker.interviews.service import InterviewFilters

router = APIRouter(prefix="/tracker/interviews", tags=["interviews"])


def interview_filters(
    application_id: int | None = None,
    upcoming: bool | None = None,
    outcome: InterviewOutcome | None = None,
    scheduled_from: QueryDateTime | None = None,
    scheduled_to: QueryDateTime | None = None,
) -> InterviewFilters:
    return InterviewFilters(application_id, upcoming, outcome, scheduled_from, scheduled_to)


@router.post("", status_code=201, response_model=InterviewRead)
async def create_interview(
    body: InterviewCreate,
    request: Request,
    user: FullUser,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Schedule (or record) an interview of an application."""

    async def create() -> InterviewRead:
        interview = Interview(
            owner_id=user.user_id,
            application_id=body.application_id,
            kind=body.kind or "other",
            outcome=body.outcome or "pending",
        )
        await service.apply_fields(session, interview, body.model_dump(exclude_unset=True))
        return (await service.to_reads(session, [interview]))[0]

    return await idempotent_create(
        session,
        owner_id=user.user_id,
        key=idempotency_key,
        method="POST",
        path=request.url.path,
        body=body,
        create=create,
    )


@router.get("")
async def list_interviews(
    user: FullUser,
    session: SessionDep,
    page: PageParamsDep,
    filters: Annotated[InterviewFilters, Depends(interview_filters)],
) -> Page[InterviewRead]:
    """Interviews by schedule (unscheduled last); ``upcoming=true`` for pending future ones."""
    items, next_cursor = await service.list_interviews(session, user.user_id, filters, page)
    return Page(items=await service.to_reads(session, items), next_cursor=next_cursor)


@router.get("/{interview_id}")
async def read_interview(
    interview_id: int, user: FullUser, session: SessionDep, response: Response
) -> InterviewRead:
    """One interview, with its ETag."""
    interview = await get_owned(session, Interview, interview_id, user.user_id, what="interview")
    set_etag(response, interview.version)
    return (await service.to_reads(session, [interview]))[0]


@router.patch("/{interview_id}")
async def update_interview(
    interview_id: int,
    body: InterviewUpdate,
    user: FullUser,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> InterviewRead:
    """Change an interview; ``contact_ids`` replaces its links. If-Match honoured."""
    interview = await get_owned(session, Interview, interview_id, user.user_id, what="interview")
    check_if_match(if_match, interview.version)
    await service.apply_fields(session, interview, body.model_dump(exclude_unset=True))
    set_etag(response, interview.version)
    return (await service.to_reads(session, [interview]))[0]


@router.delete("/{interview_id}", status_code=204)
async def delete_interview(
    interview_id: int, user: FullUser, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete an interview."""
    interview = await get_owned(session, Interview, interview_id, user.user_id, what="interview")
    check_if_match(if_match, interview.version)
    await session.delete(interview)
    return Response(status_code=204)
