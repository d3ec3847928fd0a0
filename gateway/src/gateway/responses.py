"""Responses the gateway answers itself, as raw ASGI messages (problem+json, JSON, text)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from starlette.types import Send

from jobhunt_common.errors import PROBLEM_CONTENT_TYPE, problem_body

Headers = list[tuple[bytes, bytes]]


async def send_bytes(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> int:
    """Send a whole response in two messages; return its status."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
    return status


async def send_json(
    send: Send, status: int, payload: Any, headers: Sequence[tuple[bytes, bytes]] = ()
) -> int:
    body = json.dumps(payload).encode()
    return await send_bytes(send, status, body, b"application/json", headers)


async def send_problem(
    send: Send,
    status: int,
    detail: str,
    *,
    instance: str,
    problem_type: str | None = None,
    headers: Sequence[tuple[bytes, bytes]] = (),
    extra: dict[str, Any] | None = None,
) -> int:
    """An RFC 9457 problem+json response."""
    body = problem_body(status, detail, problem_type=problem_type, instance=instance, extra=extra)
    return await send_bytes(
        send, status, json.dumps(body).encode(), PROBLEM_CONTENT_TYPE.encode(), headers
    )
