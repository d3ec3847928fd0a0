"""``GET /tracker/analytics/funnel``."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jobhunt_common import Principal, SessionDep, utcnow
from jobhunt_common.auth import FULL_ACCESS, require_scope
from jobhunt_common.errors import Unprocessable
from tracker.analytics.funnel import (
    ApplicationHistory,
    StatusChange,
    funnel_stats,
    grouped_stats,
    in_range,
)
from tracker.analytics.schemas import FunnelReport, GroupBy
from tracker.applications.models import Application, StatusEvent
from tracker.config import Settings

router = APIRouter(prefix="/tracker/analytics", tags=["analytics"])

# Import, export, the calendar and analytics need a full-access token, never a delegated one.
FullUser = Annotated[Principal, require_scope(FULL_ACCESS)]


async def load_histories(session: AsyncSession, owner_id: str) -> list[ApplicationHistory]:
    """Every live application of the owner with its status events, oldest event first."""
    applications = await session.execute(
        select(Application.id, Application.status, Application.source, Application.applied_at)
        # No ORDER BY: it would make SQLite scan the whole table instead of an owner index.
        .where(Application.owner_id == owner_id, Application.deleted_at.is_(None))
    )
    histories = {
        row.id: ApplicationHistory(status=row.status, source=row.source, applied_at=row.applied_at)
        for row in applications
    }
    changes: dict[int, list[StatusChange]] = defaultdict(list)
    events = await session.execute(
        select(StatusEvent.application_id, StatusEvent.to_status, StatusEvent.at)
        .where(StatusEvent.owner_id == owner_id)
        .order_by(StatusEvent.at, StatusEvent.id)
    )
    for event in events:
        changes[event.application_id].append(StatusChange(event.to_status, event.at))
    for application_id, history in histories.items():
        history.events = changes.get(application_id, [])
    return list(histories.values())


@router.get("/funnel")
async def funnel(
    request: Request,
    session: SessionDep,
    user: FullUser,
    group_by: Annotated[
        GroupBy | None, Query(description="Also report per source or month.")
    ] = None,
    applied_from: Annotated[
        date | None, Query(description="Only applications applied on or after (UTC date).")
    ] = None,
    applied_to: Annotated[
        date | None, Query(description="Only applications applied on or before (UTC date).")
    ] = None,
) -> FunnelReport:
    """Funnel counts, conversion rates and stage timings from the status event log."""
    if applied_from and applied_to and applied_from > applied_to:
        raise Unprocessable("applied_from is after applied_to.")
    settings: Settings = request.app.state.settings
    ghost_after = timedelta(days=settings.ghosted_after_days)
    now = utcnow()
    histories = [
        h
        for h in await load_histories(session, user.user_id)
        if in_range(h, applied_from, applied_to)
    ]
    return FunnelReport(
        group_by=group_by,
        applied_from=applied_from,
        applied_to=applied_to,
        generated_at=now,
        overall=funnel_stats(histories, now=now, ghost_after=ghost_after),
        groups=grouped_stats(histories, group_by, now=now, ghost_after=ghost_after)
        if group_by
        else [],
    )
