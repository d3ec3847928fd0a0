"""``/tracker/contacts``: recruiters, hiring managers, referrals, interviewers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from jobhunt_common import Page, PageParamsDep, SessionDep, check_if_match
from tracker.contacts import service
from tracker.contacts.models import Contact
from tracker.contacts.schemas import ContactCreate, ContactRead, ContactRole, ContactUpdate
from tracker.contacts.service import ContactFilters
from tracker.deps import FullUser, IdempotencyKeyHeader, IfMatch, get_owned, set_etag
from tracker.idempotency import idempotent_create

router = APIRouter(prefix="/tracker/contacts", tags=["contacts"])


def contact_filters(
    company_id: int | None = None,
    application_id: int | None = None,
    role: ContactRole | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> ContactFilters:
    return ContactFilters(company_id, application_id, role, q)


@router.post("", status_code=201, response_model=ContactRead)
async def create_contact(
    body: ContactCreate,
    request: Request,
    user: FullUser,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Create a contact, optionally linked to a company and applications."""

    async def create() -> ContactRead:
        contact = Contact(owner_id=user.user_id, name=body.name, role=body.role or "other")
        fields = body.model_dump(exclude_unset=True)
        await service.apply_fields(session, contact, fields)
        return (await service.to_reads(session, [contact]))[0]

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
async def list_contacts(
    user: FullUser,
    session: SessionDep,
    page: PageParamsDep,
    filters: Annotated[ContactFilters, Depends(contact_filters)],
) -> Page[ContactRead]:
    """Contacts by name; filter by company, application, role or part of the name."""
    items, next_cursor = await service.list_contacts(session, user.user_id, filters, page)
    return Page(items=await service.to_reads(session, items), next_cursor=next_cursor)


@router.get("/{contact_id}")
async def read_contact(
    contact_id: int, user: FullUser, session: SessionDep, response: Response
) -> ContactRead:
    """One contact, with its ETag."""
    contact = await get_owned(session, Contact, contact_id, user.user_id, what="contact")
    set_etag(response, contact.version)
    return (await service.to_reads(session, [contact]))[0]


@router.patch("/{contact_id}")
async def update_contact(
    contact_id: int,
    body: ContactUpdate,
    user: FullUser,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ContactRead:
    """Change a contact; ``application_ids`` replaces its links. If-Match honoured."""
    contact = await get_owned(session, Contact, contact_id, user.user_id, what="contact")
    check_if_match(if_match, contact.version)
    await service.apply_fields(session, contact, body.model_dump(exclude_unset=True))
    set_etag(response, contact.version)
    return (await service.to_reads(session, [contact]))[0]


@router.delete("/{contact_id}", status_code=204)
async def delete_contact(
    contact_id: int, user: FullUser, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a contact (its links go with it)."""
    contact = await get_owned(session, Contact, contact_id, user.user_id, what="contact")
    check_if_match(if_match, contact.version)
    await session.delete(contact)
    return Response(status_code=204)
