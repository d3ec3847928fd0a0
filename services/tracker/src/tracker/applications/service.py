"""Applications: writes with the status pipeline, reads with computed ghosting, lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from jobhunt_common import utcnow
from jobhunt_common.errors import NotFound
from jobhunt_common.pagination import PageParams, page_from_rows, paginate_select
from tracker.applications.models import (
    RESPONSE_STATUSES,
    SENT_STATUSES,
    WAITING_STATUSES,
    Application,
    StatusEvent,
)
from tracker.applications.schemas import ApplicationRead, Sort
from tracker.applications.search import matches
from tracker.companies.models import Company, company_name_key
from tracker.companies.service import company_by_name
from tracker.config import Settings
from tracker.deps import sort_columns
from tracker.tasks.models import Task

# Body fields that steer the status change rather than being stored as they are.
STATUS_CONTROL = ("status", "status_label", "status_source", "status_changed_at")
COMPANY_FIELDS = ("company", "company_id")


@dataclass(frozen=True)
class ApplicationFilters:
    status: list[str] | None = None
    company: str | None = None
    company_id: int | None = None
    tag: list[str] | None = None
    source: str | None = None
    archived: bool | None = None
    ghosted: bool | None = None
    q: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    applied_from: datetime | None = None
    applied_to: datetime | None = None
    updated_since: datetime | None = None
    include_deleted: bool = False


def ghosted_cutoff(settings: Settings, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=settings.ghosted_after_days)


def to_read(
    application: Application, company_name: str | None, settings: Settings
) -> ApplicationRead:
    """The API view of a row, with ghosting computed from the time of the last status change."""
    silent = (
        application.status in WAITING_STATUSES
        and application.status_changed_at < ghosted_cutoff(settings)
    )
    ghosted = application.status == "ghosted" or silent
    values = {
        column: getattr(application, column)
        for column in ApplicationRead.model_fields
        if column not in {"company", "effective_status", "ghosted"}
    }
    return ApplicationRead(
        **values,
        company=company_name,
        effective_status="ghosted" if ghosted else application.status,
        ghosted=ghosted,
    )


async def company_name_of(session: AsyncSession, application: Application) -> str | None:
    if application.company_id is None:
        return None
    name: str | None = await session.scalar(
        select(Company.name).where(Company.id == application.company_id)
    )
    return name


async def _resolve_company(session: AsyncSession, owner_id: str, fields: dict[str, Any]) -> None:
    """Turn ``company`` (a name) or ``company_id`` into the ``company_id`` column."""
    if "company" in fields:
        name = fields.pop("company")
        fields["company_id"] = (
            None if name is None else (await company_by_name(session, owner_id, name)).id
        )
    elif fields.get("company_id") is not None:
        found = await session.scalar(
            select(Company.id).where(
                Company.id == fields["company_id"],
                Company.owner_id == owner_id,
                Company.deleted_at.is_(None),
            )
        )
        if found is None:
            raise NotFound(f"No company with id {fields['company_id']}.")


async def change_status(
    session: AsyncSession,
    application: Application,
    to_status: str,
    settings: Settings,
    *,
    source: str = "manual",
    label: str | None = None,
    at: datetime | None = None,
    explicit: frozenset[str] = frozenset(),
) -> StatusEvent | None:
    """Append a status event; derive applied_at, first_response_at and the follow-up task."""
    if application.id is not None and application.status == to_status:
        return None
    at = at or utcnow()
    from_status = application.status if application.id is not None else None
    event = StatusEvent(
        owner_id=application.owner_id,
        from_status=from_status,
        to_status=to_status,
        at=at,
        source=source,
        label=label,
    )
    application.status = to_status
    application.status_changed_at = at
    if (
        to_status in SENT_STATUSES
        and application.applied_at is None
        and "applied_at" not in explicit
    ):
        application.applied_at = at
    if (
        to_status in RESPONSE_STATUSES
        and application.first_response_at is None
        and "first_response_at" not in explicit
    ):
        application.first_response_at = at
    follow_up_due = None
    if to_status == "applied":
        follow_up_due = await _follow_up_due(session, application, settings)
        if follow_up_due and application.follow_up_at is None and "follow_up_at" not in explicit:
            application.follow_up_at = follow_up_due
    elif from_status is not None:
        await _close_follow_ups(session, application, at)
    if application.id is None:
        session.add(application)
    await session.flush()  # one write of the application, with every derived field
    event.application_id = application.id
    session.add(event)
    if follow_up_due is not None:
        session.add(
            Task(
                owner_id=application.owner_id,
                application_id=application.id,
                title=f"Follow up: {application.title}",
                kind="follow_up",
                due_at=follow_up_due,
                auto_created=True,
            )
        )
    return event


async def _close_follow_ups(session: AsyncSession, application: Application, at: datetime) -> None:
    """An answer (or any move off ``applied``) makes the automatic follow-up moot."""
    open_follow_ups = await session.scalars(
        select(Task).where(
            Task.application_id == application.id,
            Task.auto_created.is_(True),
            Task.done_at.is_(None),
        )
    )
    for task in open_follow_ups:
        task.done_at = at


async def _follow_up_due(
    session: AsyncSession, application: Application, settings: Settings
) -> datetime | None:
    """When an automatic follow-up is due, or None when none should be made."""
    anchor = application.applied_at or utcnow()
    due_at = anchor + timedelta(days=settings.follow_up_days)
    if due_at <= utcnow():
        return None  # applied long ago (an import): a reminder already past helps no one
    if application.id is not None:
        with session.no_autoflush:  # the application is written once, after this
            open_follow_up = await session.scalar(
                select(Task.id).where(
                    Task.application_id == application.id,
                    Task.auto_created.is_(True),
                    Task.done_at.is_(None),
                )
            )
        if open_follow_up is not None:
            return None
    return due_at


async def create_application(
    session: AsyncSession, owner_id: str, fields: dict[str, Any], settings: Settings
) -> Application:
    """A new application with its first status event (and any derived dates)."""
    control = {name: fields.pop(name, None) for name in STATUS_CONTROL}
    await _resolve_company(session, owner_id, fields)
    application = Application(owner_id=owner_id, **fields)
    application.status = "saved"
    await change_status(
        session,
        application,
        control["status"] or "saved",
        settings,
        source=control["status_source"] or "manual",
        label=control["status_label"],
        at=control["status_changed_at"],
        explicit=frozenset(fields),
    )
    await session.flush()
    return application


async def update_application(
    session: AsyncSession, application: Application, fields: dict[str, Any], settings: Settings
) -> None:
    control = {name: fields.pop(name, None) for name in STATUS_CONTROL}
    await _resolve_company(session, application.owner_id, fields)
    for field, value in fields.items():
        setattr(application, field, value)
    if control["status"] is not None:
        await change_status(
            session,
            application,
            control["status"],
            settings,
            source=control["status_source"] or "manual",
            label=control["status_label"],
            at=control["status_changed_at"],
            explicit=frozenset(fields),
        )
    await session.flush()


async def delete_application(session: AsyncSession, application: Application) -> None:
    """Leave a tombstone: sync clients see the deletion through ``include_deleted``."""
    application.deleted_at = utcnow()
    await session.flush()


SORTS: dict[str, tuple[tuple[str, ...], bool]] = {
    "-updated_at": (("updated_at", "id"), True),
    "updated_at": (("updated_at", "id"), False),
    "-created_at": (("created_at", "id"), True),
    "created_at": (("created_at", "id"), False),
    "title": (("title", "id"), False),
    "-title": (("title", "id"), True),
}


def _tag_condition(tag: str, dialect: str, index: int) -> ColumnElement[bool]:
    name = f"tag_{index}"
    if dialect == "sqlite":
        return text(
            f"EXISTS (SELECT 1 FROM json_each(applications.tags) WHERE json_each.value = :{name})"
        ).bindparams(**{name: tag})  # type: ignore[return-value]
    # The tag is bound as text (not pre-encoded JSON) so the shared check on bound text
    # sees it as the user sent it.
    return text(  # type: ignore[return-value]
        f"applications.tags @> jsonb_build_array(CAST(:{name} AS TEXT))"
    ).bindparams(**{name: tag})


def _filtered(
    owner_id: str, filters: ApplicationFilters, dialect: str, settings: Settings
) -> Select[Application, str]:
    statement = (
        select(Application, Company.name)
        .outerjoin(Company, Company.id == Application.company_id)
        .where(Application.owner_id == owner_id)
    )
    conditions: list[ColumnElement[bool]] = []
    if not filters.include_deleted:
        conditions.append(Application.deleted_at.is_(None))
    if filters.status:
        conditions.append(Application.status.in_(filters.status))
    if filters.company is not None:
        conditions.append(Company.name_key == company_name_key(filters.company))
    if filters.company_id is not None:
        conditions.append(Application.company_id == filters.company_id)
    for index, tag in enumerate(filters.tag or []):
        conditions.append(_tag_condition(tag, dialect, index))
    if filters.source is not None:
        conditions.append(Application.source == filters.source)
    if filters.archived is not None:
        conditions.append(Application.archived.is_(filters.archived))
    if filters.ghosted is not None:
        silent = and_(
            Application.status.in_(WAITING_STATUSES),
            Application.status_changed_at < ghosted_cutoff(settings),
        )
        ghosted = or_(Application.status == "ghosted", silent)
        conditions.append(ghosted if filters.ghosted else ~ghosted)
    if filters.q:
        conditions.append(matches(filters.q, dialect))
    if filters.created_from is not None:
        conditions.append(Application.created_at >= filters.created_from)
    if filters.created_to is not None:
        conditions.append(Application.created_at < filters.created_to)
    if filters.applied_from is not None:
        conditions.append(Application.applied_at >= filters.applied_from)
    if filters.applied_to is not None:
        conditions.append(Application.applied_at < filters.applied_to)
    if filters.updated_since is not None:
        conditions.append(Application.updated_at >= filters.updated_since)
    filtered: Select[Application, str] = statement.where(*conditions)
    return filtered


async def list_applications(
    session: AsyncSession,
    owner_id: str,
    filters: ApplicationFilters,
    sort: Sort,
    page: PageParams,
    settings: Settings,
) -> tuple[list[ApplicationRead], str | None]:
    dialect = session.get_bind().dialect.name
    names, descending = SORTS[sort]
    columns = sort_columns(*(getattr(Application, name) for name in names))
    filtered: Select[Any] = _filtered(owner_id, filters, dialect, settings)  # type: ignore[assignment]
    statement = paginate_select(filtered, columns, page, descending=descending)
    rows = (await session.execute(statement)).all()
    items, next_cursor = page_from_rows(
        rows, page, lambda row: [getattr(row[0], name) for name in names]
    )
    return [to_read(application, name, settings) for application, name in items], next_cursor


async def list_events(
    session: AsyncSession, application: Application, page: PageParams
) -> tuple[list[StatusEvent], str | None]:
    statement = paginate_select(
        select(StatusEvent).where(StatusEvent.application_id == application.id),
        sort_columns(StatusEvent.at, StatusEvent.id),
        page,
        descending=False,
    )
    rows = (await session.scalars(statement)).all()
    return page_from_rows(rows, page, lambda event: [event.at, event.id])
