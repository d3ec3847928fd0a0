"""Dependencies and small helpers every tracker router shares."""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

from argon2 import PasswordHasher
from fastapi import Depends, Header, Request, Response
from pydantic import AwareDatetime, BeforeValidator
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from jobhunt_common import Principal, TokenSigner, etag_for
from jobhunt_common.auth import FULL_ACCESS, require_scope
from jobhunt_common.errors import MAX_DB_INT, MIN_DB_INT, NotFound
from tracker.config import Settings

READ_APPLICATIONS = "applications:read"
WRITE_APPLICATIONS = "applications:write"
DELEGABLE_SCOPES = (READ_APPLICATIONS, WRITE_APPLICATIONS)

RowT = TypeVar("RowT")
_SPACE_OFFSET = re.compile(r" (\d{2}:?\d{2})$")


def _restore_plus(value: Any) -> Any:
    # An unencoded "+00:00" in a query string arrives as " 00:00" (curl users meet this).
    return _SPACE_OFFSET.sub(r"+\1", value) if isinstance(value, str) else value


QueryDateTime = Annotated[AwareDatetime, BeforeValidator(_restore_plus)]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_signer(request: Request) -> TokenSigner:
    signer: TokenSigner = request.app.state.token_signer
    return signer


def get_hasher(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.password_hasher
    return hasher


SettingsDep = Annotated[Settings, Depends(get_settings)]
SignerDep = Annotated[TokenSigner, Depends(get_signer)]
HasherDep = Annotated[PasswordHasher, Depends(get_hasher)]

FullUser = Annotated[Principal, require_scope(FULL_ACCESS)]
ApplicationsReader = Annotated[Principal, require_scope(READ_APPLICATIONS)]
ApplicationsWriter = Annotated[Principal, require_scope(WRITE_APPLICATIONS)]

IfMatch = Annotated[str | None, Header(alias="If-Match")]
IdempotencyKeyHeader = Annotated[str | None, Header(alias="Idempotency-Key")]


async def get_owned(
    session: AsyncSession,
    model: type[RowT],
    row_id: int,
    owner_id: str,
    *,
    what: str,
    include_deleted: bool = False,
) -> RowT:
    """The row with this id if ``owner_id`` owns it (and it is not a tombstone), else 404."""
    if not MIN_DB_INT <= row_id <= MAX_DB_INT:  # no row has it, and the driver would refuse it
        raise NotFound(f"No {what} with id {row_id}.")
    columns: Any = model
    statement = select(model).where(columns.id == row_id, columns.owner_id == owner_id)
    if not include_deleted and hasattr(model, "deleted_at"):
        statement = statement.where(columns.deleted_at.is_(None))
    row = await session.scalar(statement)
    if row is None:
        raise NotFound(f"No {what} with id {row_id}.")
    return row


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_for(version)


def sort_columns(*attributes: Any) -> list[ColumnElement[Any]]:
    """Mapped attributes as the column list ``paginate_select`` takes."""
    return list(attributes)
