"""One sync at a time per connection: a lease row with an expiry (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from jobhunt_common import Database, utcnow
from sheets_sync.models import SyncLease


async def acquire_lease(database: Database, connection_id: int, holder: str, ttl: float) -> bool:
    """Take the connection's lease unless a live one is held; an expired one is taken over."""
    now = utcnow()
    expires_at = now + timedelta(seconds=ttl)
    async with database.write_sessionmaker() as session:
        taken = await session.execute(
            update(SyncLease)
            .where(SyncLease.connection_id == connection_id, SyncLease.expires_at < now)
            .values(holder=holder, expires_at=expires_at)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            await session.commit()
            return True
        session.add(SyncLease(connection_id=connection_id, holder=holder, expires_at=expires_at))
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            return False
        return True


async def release_lease(database: Database, connection_id: int, holder: str) -> None:
    async with database.write_sessionmaker() as session:
        await session.execute(
            delete(SyncLease).where(
                SyncLease.connection_id == connection_id, SyncLease.holder == holder
            )
        )
        await session.commit()
