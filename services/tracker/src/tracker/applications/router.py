"""``/tracker/applications``: CRUD, the status pipeline, lists and the status history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from jobhunt_common import Page, PageParamsDep, SessionDep, check_if_match
from tracker.applications import service
from tracker.applications.models import Application
from tracker.applications.schemas import (
    ApplicationCreate,
    ApplicationRead,
    ApplicationUpdate,
    Sort,
    Status,
    StatusEventRead,
    application_fields,
)
from tracker.applications.service import ApplicationFilters
from tracker.deps import (
    ApplicationsReader,
    ApplicationsWriter,
    IdempotencyKeyHeader,
    IfMatch,
    QueryDateTime,
    SettingsDep,
    get_owned,
    set_etag,
)
from tracker.idempotency import idempotent_create

router = APIRouter(prefix="/tracker/applications", tags=["applications"])


def application_filters(
    status: Annotated[list[Status] | None, Query()] = None,
    company: Annotated[str | None, Query(max_length=300)] = None,
    company_id: int | None = None,
    tag: Annotated[list[str] | None, Query()] = None,
    source: Annotated[str | None, Query(max_length=100)] = None,
    archived: bool | None = None,
    ghosted: bool | None = None,
    q: Annotated[str | None, Query(max_length=500)] = None,
    created_from: QueryDateTime | None = None,
    created_to: QueryDateTime | None = None,
    applied_from: QueryDateTime | None = None,
    applied_to: QueryDateTime | None = None,
    updated_since: QueryDateTime | None = None,
    include_deleted: bool = False,
) -> ApplicationFilters:
    return ApplicationFilters(
        status=list(status) if status else None,
        company=company,
        company_id=company_id,
        tag=tag,
        source=source,
        archived=archived,
        ghosted=ghosted,
        q=q,
        created_from=created_from,
        created_to=created_to,
        applied_from=applied_from,
        applied_to=applied_to,
        updated_since=updated_since,
        include_deleted=include_deleted,
    )


FiltersDep = Annotated[ApplicationFilters, Depends(application_filters)]


@router.post("", status_code=201, response_model=ApplicationRead)
async def create_application(
    body: ApplicationCreate,
    request: Request,
    user: ApplicationsWriter,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Create an application (company made on the fly by name); Idempotency-Key honoured."""

    async def create() -> ApplicationRead:
        application = await service.create_application(
            session, user.user_id, application_fields(body), settings
        )
        name = await service.company_name_of(session, application)
        return service.to_read(application, name, settings)

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
async def list_applications(
    user: ApplicationsReader,
    session: SessionDep,
    settings: SettingsDep,
    page: PageParamsDep,
    filters: FiltersDep,
    sort: Sort = "-updated_at",
) -> Page[ApplicationRead]:
    """List applications: filters, full-text ``q``, sort and cursor pagination."""
    items, next_cursor = await service.list_applications(
        session, user.user_id, filters, sort, page, settings
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/{application_id}")
async def read_application(
    application_id: int,
    user: ApplicationsReader,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> ApplicationRead:
    """One application, with its ETag."""
    application = await get_owned(
        session, Application, application_id, user.user_id, what="application"
    )
    set_etag(response, application.version)
    name = await service.company_name_of(session, application)
    return service.to_read(application, name, settings)


@router.patch("/{application_id}")
async def update_application(
    application_id: int,
    body: ApplicationUpdate,
    user: ApplicationsWriter,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatch = None,
) -> ApplicationRead:
    """Change fields; a new ``status`` appends a status event. If-Match honoured."""
    application = await get_owned(
        session, Application, application_id, user.user_id, what="application"
    )
    check_if_match(if_match, application.version)
    await service.update_application(session, application, application_fields(body), settings)
    set_etag(response, application.version)
    name = await service.company_name_of(session, application)
    return service.to_read(application, name, settings)


@router.delete("/{application_id}", status_code=204)
async def delete_application(
    application_id: int,
    user: ApplicationsWriter,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """Delete (a tombstone stays for sync clients). If-Match honoured."""
    application = await get_owned(
        session, Application, application_id, user.user_id, what="application"
    )
    check_if_match(if_match, application.version)
    await service.delete_application(session, application)
    return Response(status_code=204)


@router.get("/{application_id}/events")
async def list_events(
    application_id: int, user: ApplicationsReader, session: SessionDep, page: PageParamsDep
) -> Page[StatusEventRead]:
    """The status history, oldest first."""
    application = await get_owned(
        session, Application, application_id, user.user_id, what="application"
    )
    items, next_cursor = await service.list_events(session, application, page)
    return Page(
        items=[StatusEventRead.model_validate(event) for event in items], next_cursor=next_cursor
    )
