"""``/auth``: register, tokens, me, password change and delegated credentials."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select

from jobhunt_common import Page, PageParamsDep, SessionDep
from jobhunt_common.pagination import page_from_rows, paginate_select
from tracker.accounts import service
from tracker.accounts.models import Delegation
from tracker.accounts.schemas import (
    AccessToken,
    DelegationCreate,
    DelegationCreated,
    DelegationExchange,
    DelegationRead,
    PasswordChange,
    RefreshRequest,
    RegisterRequest,
    TokenPair,
    UserRead,
)
from tracker.deps import FullUser, HasherDep, SettingsDep, SignerDep, sort_columns

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/register", status_code=201)
async def register(body: RegisterRequest, session: SessionDep, hasher: HasherDep) -> UserRead:
    """Create an account."""
    user = await service.register(session, hasher, body.email, body.password)
    return UserRead.model_validate(user)


@router.post("/token")
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    hasher: HasherDep,
    signer: SignerDep,
    settings: SettingsDep,
) -> TokenPair:
    """Log in with the OAuth2 password form: an access token and a refresh token."""
    return await service.login(session, hasher, signer, settings, form.username, form.password)


@router.post("/refresh")
async def refresh(
    body: RefreshRequest, session: SessionDep, signer: SignerDep, settings: SettingsDep
) -> TokenPair:
    """Trade a refresh token for a new pair (the old one stops working)."""
    return await service.refresh(session, signer, settings, body.refresh_token)


@router.post("/logout", status_code=204)
async def logout(body: RefreshRequest, session: SessionDep) -> Response:
    """End the log-in this refresh token belongs to."""
    await service.logout(session, body.refresh_token)
    return Response(status_code=204)


@router.get("/me")
async def me(user: FullUser, session: SessionDep) -> UserRead:
    """The account of the access token."""
    return UserRead.model_validate(await service.get_user(session, user.user_id))


@router.post("/password", status_code=204)
async def change_password(
    body: PasswordChange, user: FullUser, session: SessionDep, hasher: HasherDep
) -> Response:
    """Change the password; every refresh token of the account is revoked."""
    await service.change_password(
        session, hasher, user.user_id, body.current_password, body.new_password
    )
    return Response(status_code=204)


@router.post("/delegations", status_code=201)
async def create_delegation(
    body: DelegationCreate, user: FullUser, session: SessionDep
) -> DelegationCreated:
    """Create a delegated credential; its secret is shown only in this response."""
    return await service.create_delegation(session, user.user_id, body.name, list(body.scopes))


@router.get("/delegations")
async def list_delegations(
    user: FullUser, session: SessionDep, page: PageParamsDep
) -> Page[DelegationRead]:
    """The account's delegated credentials, newest first (secrets are never shown)."""
    statement = paginate_select(
        select(Delegation).where(Delegation.owner_id == user.user_id),
        sort_columns(Delegation.id),
        page,
    )
    rows = (await session.scalars(statement)).all()
    items, next_cursor = page_from_rows(rows, page, lambda row: [row.id])
    return Page(items=[DelegationRead.model_validate(d) for d in items], next_cursor=next_cursor)


@router.delete("/delegations/{delegation_id}", status_code=204)
async def revoke_delegation(delegation_id: int, user: FullUser, session: SessionDep) -> Response:
    """Revoke a delegated credential (tokens already minted expire on their own)."""
    await service.revoke_delegation(session, user.user_id, delegation_id)
    return Response(status_code=204)


@router.post("/delegations/token")
async def exchange_delegation(
    body: DelegationExchange, session: SessionDep, signer: SignerDep, settings: SettingsDep
) -> AccessToken:
    """Trade a delegation secret for a short access token with only its scopes."""
    return await service.exchange_delegation(session, signer, settings, body.secret)
