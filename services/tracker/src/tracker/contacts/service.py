"""Contacts: writes with company and application links, reads with their links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from jobhunt_common import utcnow
from jobhunt_common.errors import NotFound
from jobhunt_common.pagination import PageParams, page_from_rows, paginate_select
from tracker.applications.models import Application
from tracker.companies.models import Company
from tracker.companies.service import company_by_name
from tracker.contacts.models import Contact, application_contacts
from tracker.contacts.schemas import ContactRead
from tracker.deps import sort_columns


@dataclass(frozen=True)
class ContactFilters:
    company_id: int | None = None
    application_id: int | None = None
    role: str | None = None
    q: str | None = None


async def owned_ids(
    session: AsyncSession, model: Any, ids: list[int], owner_id: str, what: str
) -> list[int]:
    """``ids`` deduplicated, all owned by ``owner_id``; 404 naming the first stranger."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = set(
        await session.scalars(
            select(model.id).where(model.id.in_(wanted), model.owner_id == owner_id)
        )
    )
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(f"No {what} with id {missing[0]}.")
    return wanted


async def _set_company(session: AsyncSession, contact: Contact, fields: dict[str, Any]) -> None:
    if "company" in fields:
        name = fields.pop("company")
        contact.company_id = (
            None if name is None else (await company_by_name(session, contact.owner_id, name)).id
        )
    if "company_id" in fields:
        company_id = fields.pop("company_id")
        if company_id is not None:
            await owned_ids(session, Company, [company_id], contact.owner_id, "company")
        contact.company_id = company_id


async def apply_fields(session: AsyncSession, contact: Contact, fields: dict[str, Any]) -> None:
    application_ids = fields.pop("application_ids", None)
    await _set_company(session, contact, fields)
    for field, value in fields.items():
        setattr(contact, field, value)
    is_new = contact.id is None
    if is_new:
        session.add(contact)
    await session.flush()
    if application_ids is not None:
        wanted = await owned_ids(
            session, Application, application_ids, contact.owner_id, "application"
        )
        await session.execute(
            delete(application_contacts).where(application_contacts.c.contact_id == contact.id)
        )
        if wanted:
            await session.execute(
                insert(application_contacts),
                [{"application_id": a, "contact_id": contact.id} for a in wanted],
            )
        if not is_new:
            contact.updated_at = utcnow()  # links are part of the contact: bump its version
            await session.flush()


async def application_ids_of(session: AsyncSession, contact_ids: list[int]) -> dict[int, list[int]]:
    links: dict[int, list[int]] = {contact_id: [] for contact_id in contact_ids}
    if contact_ids:
        rows = await session.execute(
            select(application_contacts.c.contact_id, application_contacts.c.application_id)
            .where(application_contacts.c.contact_id.in_(contact_ids))
            .order_by(application_contacts.c.application_id)
        )
        for contact_id, application_id in rows:
            links[contact_id].append(application_id)
    return links


async def to_reads(session: AsyncSession, contacts: list[Contact]) -> list[ContactRead]:
    links = await application_ids_of(session, [c.id for c in contacts])
    return [
        ContactRead.model_validate(
            {
                **{
                    name: getattr(contact, name)
                    for name in ContactRead.model_fields
                    if name != "application_ids"
                },
                "application_ids": links[contact.id],
            }
        )
        for contact in contacts
    ]


async def list_contacts(
    session: AsyncSession, owner_id: str, filters: ContactFilters, page: PageParams
) -> tuple[list[Contact], str | None]:
    statement = select(Contact).where(Contact.owner_id == owner_id)
    if filters.company_id is not None:
        statement = statement.where(Contact.company_id == filters.company_id)
    if filters.application_id is not None:
        statement = statement.where(
            Contact.id.in_(
                select(application_contacts.c.contact_id).where(
                    application_contacts.c.application_id == filters.application_id
                )
            )
        )
    if filters.role is not None:
        statement = statement.where(Contact.role == filters.role)
    if filters.q:
        escaped = filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Contact.name.ilike(f"%{escaped}%", escape="\\"))
    statement = paginate_select(
        statement, sort_columns(Contact.name, Contact.id), page, descending=False
    )
    rows = (await session.scalars(statement)).all()
    return page_from_rows(rows, page, lambda contact: [contact.name, contact.id])
