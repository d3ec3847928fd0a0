"""``/tracker/companies``: CRUD with tombstone deletes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from jobhunt_common import Page, PageParamsDep, SessionDep, check_if_match
from tracker.companies import service
from tracker.companies.models import Company
from tracker.companies.schemas import CompanyCreate, CompanyRead, CompanyUpdate
from tracker.deps import FullUser, IdempotencyKeyHeader, IfMatch, get_owned, set_etag
from tracker.idempotency import idempotent_create

router = APIRouter(prefix="/tracker/companies", tags=["companies"])


@router.post("", status_code=201, response_model=CompanyRead)
async def create_company(
    body: CompanyCreate,
    request: Request,
    user: FullUser,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Create a company (names are unique per user, compared case-insensitively)."""

    async def create() -> CompanyRead:
        fields = body.model_dump(exclude_unset=True)
        return CompanyRead.model_validate(
            await service.create_company(session, user.user_id, fields)
        )

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
async def list_companies(
    user: FullUser,
    session: SessionDep,
    page: PageParamsDep,
    q: Annotated[str | None, Query(max_length=300)] = None,
    include_deleted: bool = False,
) -> Page[CompanyRead]:
    """Companies by name; ``q`` matches part of the name."""
    items, next_cursor = await service.list_companies(
        session, user.user_id, page, q=q, include_deleted=include_deleted
    )
    return Page(items=[CompanyRead.model_validate(c) for c in items], next_cursor=next_cursor)


@router.get("/{company_id}")
async def read_company(
    company_id: int, user: FullUser, session: SessionDep, response: Response
) -> CompanyRead:
    """One company, with its ETag."""
    company = await get_owned(session, Company, company_id, user.user_id, what="company")
    set_etag(response, company.version)
    return CompanyRead.model_validate(company)


@router.patch("/{company_id}")
async def update_company(
    company_id: int,
    body: CompanyUpdate,
    user: FullUser,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> CompanyRead:
    """Change a company; If-Match honoured."""
    company = await get_owned(session, Company, company_id, user.user_id, what="company")
    check_if_match(if_match, company.version)
    await service.update_company(session, company, body.model_dump(exclude_unset=True))
    set_etag(response, company.version)
    return CompanyRead.model_validate(company)


@router.delete("/{company_id}", status_code=204)
async def delete_company(
    company_id: int, user: FullUser, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a company (a tombstone; its applications keep the link)."""
    company = await get_owned(session, Company, company_id, user.user_id, what="company")
    check_if_match(if_match, company.version)
    await service.delete_company(session, company)
    return Response(status_code=204)
