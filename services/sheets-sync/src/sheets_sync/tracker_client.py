"""The tracker's HTTP API as sheets-sync uses it: change feed, writes with If-Match, delegations."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx

from jobhunt_common.errors import BadGateway

APPLICATIONS = "/tracker/applications"
DELEGATION_SCOPES = ["applications:read", "applications:write"]
PAGE_LIMIT = 200


class TrackerRefused(Exception):
    """The tracker answered with an error the sync has to handle (401/403/404/409/412/422)."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(f"tracker answered {status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail


@dataclass
class TrackerWrite:
    """An application as returned by a write, with its new version."""

    application: dict[str, Any]

    @property
    def version(self) -> int:
        return int(self.application["version"])


@cache
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle costs tens of milliseconds: do it once, not per client.
    return ssl.create_default_context()


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body)
    return str(body)[:200]


class TrackerClient:
    """An httpx client for one bearer token (the user's, or a delegated one)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=timeout,
            transport=transport,
            verify=_ssl_context(),
        )
        self.requests = 0

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _send(
        self,
        method: str,
        path: str,
        *,
        ok: tuple[int, ...] = (200,),
        **kwargs: Any,
    ) -> httpx.Response:
        self.requests += 1
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise BadGateway(f"The tracker could not be reached: {type(exc).__name__}.") from exc
        if response.status_code in ok:
            return response
        if response.status_code in {400, 401, 403, 404, 409, 412, 422, 428}:
            raise TrackerRefused(response.status_code, _detail(response))
        raise BadGateway(f"The tracker failed with {response.status_code}: {_detail(response)}")

    async def changed_applications(self, since: str | None) -> AsyncIterator[dict[str, Any]]:
        """Applications changed since ``since`` (all when None), deleted ones included."""
        params: dict[str, Any] = {
            "sort": "updated_at",
            "include_deleted": "true",
            "limit": PAGE_LIMIT,
        }
        if since:
            params["updated_since"] = since
        cursor: str | None = None
        while True:
            if cursor:
                params["cursor"] = cursor
            page = (await self._send("GET", APPLICATIONS, params=params)).json()
            for item in page["items"]:
                yield item
            cursor = page.get("next_cursor")
            if not cursor:
                return

    async def get_application(self, application_id: int) -> dict[str, Any] | None:
        try:
            response = await self._send("GET", f"{APPLICATIONS}/{application_id}")
        except TrackerRefused as exc:
            if exc.status_code == 404:
                return None
            raise
        body: dict[str, Any] = response.json()
        return body

    async def create_application(
        self, body: Mapping[str, Any], idempotency_key: str
    ) -> TrackerWrite:
        response = await self._send(
            "POST",
            APPLICATIONS,
            ok=(200, 201),
            json=dict(body),
            headers={"Idempotency-Key": idempotency_key},
        )
        return TrackerWrite(response.json())

    async def update_application(
        self, application_id: int, changes: Mapping[str, Any], version: int
    ) -> TrackerWrite:
        """PATCH with If-Match; ``TrackerRefused(412)`` when someone changed it meanwhile."""
        response = await self._send(
            "PATCH",
            f"{APPLICATIONS}/{application_id}",
            json=dict(changes),
            headers={"If-Match": f'"{version}"'},
        )
        return TrackerWrite(response.json())

    async def delete_application(self, application_id: int, version: int) -> None:
        await self._send(
            "DELETE",
            f"{APPLICATIONS}/{application_id}",
            ok=(200, 204),
            headers={"If-Match": f'"{version}"'},
        )

    async def create_delegation(self, name: str) -> dict[str, Any]:
        response = await self._send(
            "POST",
            "/auth/delegations",
            ok=(200, 201),
            json={"name": name, "scopes": DELEGATION_SCOPES},
        )
        body: dict[str, Any] = response.json()
        return body

    async def revoke_delegation(self, delegation_id: str) -> None:
        await self._send("DELETE", f"/auth/delegations/{delegation_id}", ok=(200, 204, 404))

    async def exchange_delegation(self, secret: str) -> str:
        """An access token for a delegation secret; ``TrackerRefused`` once it is revoked."""
        response = await self._send("POST", "/auth/delegations/token", json={"secret": secret})
        token: str = response.json()["access_token"]
        return token
