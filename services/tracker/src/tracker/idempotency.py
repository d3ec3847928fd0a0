"""``Idempotency-Key`` on POST creates: the first response is stored and replayed.

The same key with the same request replays the stored response; the same key with a
different request is a 422. Keys are per owner and kept for ``KEY_TTL``; two racing
first uses of one key meet the unique constraint and the loser gets a 409.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from jobhunt_common import UTCDateTime, etag_for, utcnow
from jobhunt_common.errors import Conflict, Unprocessable
from tracker.db import Base

MAX_KEY_LENGTH = 200
KEY_TTL = timedelta(hours=24)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("owner_id", "key", name="uq_idempotency_keys_owner_id_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    fingerprint: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


def request_fingerprint(method: str, path: str, body: BaseModel) -> str:
    payload = body.model_dump(mode="json", exclude_unset=True)
    canonical = json.dumps([method, path, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _response(status_code: int, body: dict[str, Any], *, replayed: bool = False) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    if isinstance(body.get("version"), int):
        headers["ETag"] = etag_for(body["version"])
    return JSONResponse(body, status_code=status_code, headers=headers)


async def idempotent_create(
    session: AsyncSession,
    *,
    owner_id: str,
    key: str | None,
    method: str,
    path: str,
    body: BaseModel,
    create: Callable[[], Awaitable[BaseModel]],
    status_code: int = 201,
) -> JSONResponse:
    """Run ``create`` once per (owner, key); replay its response for a repeated request."""
    if key is None:
        created = await create()
        return _response(status_code, created.model_dump(mode="json"))
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Unprocessable(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.")
    fingerprint = request_fingerprint(method, path, body)
    # Expired keys go first (a range of the created_at index), so a key lives KEY_TTL.
    await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - KEY_TTL)
    )
    stored = await session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.owner_id == owner_id, IdempotencyKey.key == key)
    )
    if stored is not None:
        if stored.fingerprint != fingerprint:
            raise Unprocessable(
                "This Idempotency-Key was already used with a different request; "
                "use a new key for a new request."
            )
        return _response(stored.response_status, json.loads(stored.response_body), replayed=True)
    created = await create()
    payload = created.model_dump(mode="json")
    record = IdempotencyKey(
        owner_id=owner_id,
        key=key,
        method=method,
        path=path,
        fingerprint=fingerprint,
        response_status=status_code,
        response_body=json.dumps(payload),
    )
    try:
        async with session.begin_nested():
            session.add(record)
    except IntegrityError as exc:
        raise Conflict("A request with this Idempotency-Key is already in progress.") from exc
    return _response(status_code, payload)
