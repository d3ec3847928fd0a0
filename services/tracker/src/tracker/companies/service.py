"""Companies: by name on the fly, CRUD, tombstone deletes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from jobhunt_common import utcnow
from jobhunt_common.errors import Conflict
from jobhunt_common.pagination import PageParams, page_from_rows, paginate_select
from tracker.companies.models import Company, company_name_key
from tracker.deps import sort_columns


async def company_by_name(session: AsyncSession, owner_id: str, name: str) -> Company:
    """The owner's company of this name, made (or brought back from a tombstone) if needed."""
    name = " ".join(name.split())
    key = company_name_key(name)
    statement = select(Company).where(Company.owner_id == owner_id, Company.name_key == key)
    company = await session.scalar(statement)
    if company is not None:
        if company.deleted_at is not None:
            company.deleted_at = None
        return company
    company = Company(owner_id=owner_id, name=name, name_key=key)
    try:
        async with session.begin_nested():
            session.add(company)
            await session.flush()
    except IntegrityError:
        # Another request made it meanwhile (PostgreSQL); take theirs.
        existing = await session.scalar(statement)
        if existing is None:
            raise
        return existing
    return company


async def create_company(session: AsyncSession, owner_id: str, fields: dict[str, Any]) -> Company:
    name = " ".join(fields.pop("name").split())
    key = company_name_key(name)
    existing = await session.scalar(
        select(Company).where(Company.owner_id == owner_id, Company.name_key == key)
    )
    if existing is not None and existing.deleted_at is None:
        raise Conflict(f"A company named {existing.name!r} already exists (id {existing.id}).")
    if existing is not None:
        # Re-creating a deleted company revives its row (names are unique per owner).
        existing.deleted_at = None
        existing.name = name
        for field, value in fields.items():
            setattr(existing, field, value)
        await session.flush()
        return existing
    company = Company(owner_id=owner_id, name=name, name_key=key, **fields)
    session.add(company)
    await _flush_unique(session)
    return company


async def update_company(session: AsyncSession, company: Company, fields: dict[str, Any]) -> None:
    if "name" in fields:
        name = " ".join(fields.pop("name").split())
        company.name = name
        company.name_key = company_name_key(name)
    for field, value in fields.items():
        setattr(company, field, value)
    await _flush_unique(session)


async def _flush_unique(session: AsyncSession) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict("A company with this name already exists.") from exc


async def delete_company(session: AsyncSession, company: Company) -> None:
    company.deleted_at = utcnow()
    await session.flush()


async def list_companies(
    session: AsyncSession,
    owner_id: str,
    page: PageParams,
    *,
    q: str | None,
    include_deleted: bool,
) -> tuple[list[Company], str | None]:
    """Companies by name."""
    statement = select(Company).where(Company.owner_id == owner_id)
    if not include_deleted:
        statement = statement.where(Company.deleted_at.is_(None))
    if q:
        escaped = q.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Company.name_key.like(f"%{escaped}%", escape="\\"))
    statement = paginate_select(
        statement, sort_columns(Company.name_key, Company.id), page, descending=False
    )
    rows = (await session.scalars(statement)).all()
    return page_from_rows(rows, page, lambda row: [row.name_key, row.id])
