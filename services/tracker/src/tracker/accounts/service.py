"""Accounts: passwords, log-in with lockout, rotating refresh tokens, delegations."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from jobhunt_common import TokenSigner, utcnow
from jobhunt_common.errors import Conflict, NotFound, TooManyRequests, Unauthorized
from tracker.accounts.models import Delegation, RefreshToken, User
from tracker.accounts.schemas import AccessToken, DelegationCreated, TokenPair
from tracker.config import Settings

DELEGATION_SECRET_PREFIX = "jhd_"
BAD_CREDENTIALS = "Incorrect email or password."
BAD_REFRESH = "The refresh token is not valid; log in again."


def token_hash(raw: str) -> str:
    """Refresh tokens and delegation secrets are random, so a plain SHA-256 is enough."""
    return hashlib.sha256(raw.encode()).hexdigest()


async def _hash_password(hasher: PasswordHasher, password: str) -> str:
    return await asyncio.to_thread(hasher.hash, password)


async def _verify_password(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        verified: bool = await asyncio.to_thread(hasher.verify, password_hash, password)
        return verified
    except (VerificationError, InvalidHashError):
        return False


async def register(
    session: AsyncSession, hasher: PasswordHasher, email: str, password: str
) -> User:
    """A new account; 409 when the email is taken."""
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("An account with this email already exists.")
    user = User(email=email, password_hash=await _hash_password(hasher, password))
    session.add(user)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict("An account with this email already exists.") from exc
    return user


def _access_token(signer: TokenSigner, settings: Settings, user_id: str) -> tuple[str, int]:
    ttl = timedelta(minutes=settings.access_token_minutes)
    return signer.sign(user_id, ttl=ttl), int(ttl.total_seconds())


async def _issue_pair(
    session: AsyncSession, signer: TokenSigner, settings: Settings, user_id: str, family_id: str
) -> TokenPair:
    raw = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            owner_id=user_id,
            token_hash=token_hash(raw),
            family_id=family_id,
            expires_at=utcnow() + timedelta(days=settings.refresh_token_days),
        )
    )
    await session.flush()
    access, expires_in = _access_token(signer, settings, user_id)
    return TokenPair(access_token=access, refresh_token=raw, expires_in=expires_in)


def _lockout_seconds(settings: Settings, failures: int) -> int:
    doublings = min(failures - settings.login_max_failures, 30)
    seconds: int = settings.login_lockout_seconds * 2**doublings
    return min(seconds, settings.login_lockout_max_seconds)


def _locked(user: User, now: datetime) -> TooManyRequests:
    assert user.locked_until is not None
    wait = max(1, int((user.locked_until - now).total_seconds()) + 1)
    return TooManyRequests(
        f"Too many failed log-ins: this account is locked for {wait} more seconds.",
        headers={"Retry-After": str(wait)},
    )


async def login(
    session: AsyncSession,
    hasher: PasswordHasher,
    signer: TokenSigner,
    settings: Settings,
    email: str,
    password: str,
) -> TokenPair:
    """A token pair for the right password; failures count towards a growing lockout."""
    now = utcnow()
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        # Spend the same effort as for a real account, so timing does not reveal emails.
        await _hash_password(hasher, password)
        raise Unauthorized(BAD_CREDENTIALS)
    if user.locked_until is not None and user.locked_until > now:
        raise _locked(user, now)
    if not await _verify_password(hasher, user.password_hash, password):
        failures = await session.scalar(
            update(User)
            .where(User.id == user.id)
            .values(failed_logins=User.failed_logins + 1)
            .returning(User.failed_logins)
        )
        assert failures is not None
        if failures >= settings.login_max_failures:
            locked_until = now + timedelta(seconds=_lockout_seconds(settings, failures))
            await session.execute(
                update(User).where(User.id == user.id).values(locked_until=locked_until)
            )
        # The count must survive the error response, which rolls the session back.
        await session.commit()
        raise Unauthorized(BAD_CREDENTIALS)
    user.failed_logins = 0
    user.locked_until = None
    await session.execute(
        delete(RefreshToken).where(RefreshToken.owner_id == user.id, RefreshToken.expires_at < now)
    )
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = await _hash_password(hasher, password)
    return await _issue_pair(session, signer, settings, user.id, uuid.uuid4().hex)


async def refresh(
    session: AsyncSession, signer: TokenSigner, settings: Settings, raw_token: str
) -> TokenPair:
    """Rotate a refresh token; presenting a used one revokes its whole family."""
    now = utcnow()
    token = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash(raw_token))
    )
    if token is None or token.expires_at <= now:
        raise Unauthorized(BAD_REFRESH)
    claimed = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount == 0:  # type: ignore[attr-defined]
        await revoke_family(session, token.family_id, now)
        await session.commit()
        raise Unauthorized(
            "This refresh token was already used: every session of this log-in is now "
            "signed out. Log in again."
        )
    return await _issue_pair(session, signer, settings, token.owner_id, token.family_id)


async def revoke_family(session: AsyncSession, family_id: str, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


async def logout(session: AsyncSession, raw_token: str) -> None:
    """End the log-in the refresh token belongs to (unknown tokens are ignored)."""
    token = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash(raw_token))
    )
    if token is not None:
        await revoke_family(session, token.family_id, utcnow())


async def get_user(session: AsyncSession, user_id: str) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("No such account.")
    return user


async def change_password(
    session: AsyncSession, hasher: PasswordHasher, user_id: str, current: str, new: str
) -> None:
    """Set a new password and sign out every refresh token of the account."""
    user = await get_user(session, user_id)
    if not await _verify_password(hasher, user.password_hash, current):
        raise Unauthorized("The current password is not correct.")
    now = utcnow()
    user.password_hash = await _hash_password(hasher, new)
    user.password_changed_at = now
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.owner_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


async def create_delegation(
    session: AsyncSession, user_id: str, name: str, scopes: list[str]
) -> DelegationCreated:
    secret = DELEGATION_SECRET_PREFIX + secrets.token_urlsafe(32)
    delegation = Delegation(
        owner_id=user_id,
        name=name,
        scopes=sorted(set(scopes)),
        secret_hash=token_hash(secret),
    )
    session.add(delegation)
    await session.flush()
    return DelegationCreated(
        id=delegation.id,
        name=delegation.name,
        scopes=delegation.scopes,
        secret=secret,
        created_at=delegation.created_at,
    )


async def revoke_delegation(session: AsyncSession, user_id: str, delegation_id: int) -> None:
    delegation = await session.scalar(
        select(Delegation).where(Delegation.id == delegation_id, Delegation.owner_id == user_id)
    )
    if delegation is None:
        raise NotFound(f"No delegation with id {delegation_id}.")
    if delegation.revoked_at is None:
        delegation.revoked_at = utcnow()


async def exchange_delegation(
    session: AsyncSession, signer: TokenSigner, settings: Settings, secret: str
) -> AccessToken:
    """An access token carrying only the delegation's scopes."""
    delegation = await session.scalar(
        select(Delegation).where(Delegation.secret_hash == token_hash(secret))
    )
    if delegation is None or delegation.revoked_at is not None:
        raise Unauthorized("The delegated credential is not valid or was revoked.")
    delegation.last_used_at = utcnow()
    ttl = timedelta(minutes=settings.delegated_token_minutes)
    token = signer.sign(
        delegation.owner_id,
        ttl=ttl,
        scopes=frozenset(delegation.scopes),
        extra={"delegation_id": delegation.id},
    )
    return AccessToken(access_token=token, expires_in=int(ttl.total_seconds()))
