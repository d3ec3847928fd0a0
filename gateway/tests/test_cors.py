"""CORS at the gateway, through ASGITransport (no upstream needed: preflights end here)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from gateway_harness import MakeSettings, RunningServer

from gateway.main import create_app
from jobhunt_common.testing import app_client

ALLOWED = "https://app.example"


@pytest.fixture
async def client(
    upstream: RunningServer, make_settings: MakeSettings
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(
        tracker_url=upstream.url,
        cors_allow_origins=[ALLOWED],
        cors_allow_headers=["Authorization", "Content-Type", "If-Match"],
    )
    async with app_client(create_app(settings, configure_logs=False)) as client:  # type: ignore[arg-type]
        yield client


def preflight(origin: str, method: str = "PATCH", headers: str = "") -> dict[str, str]:
    request = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        request["Access-Control-Request-Headers"] = headers
    return request


async def test_preflight_from_an_allowed_origin_is_answered_here(
    client: httpx.AsyncClient,
) -> None:
    response = await client.options(
        "/api/tracker/applications/1",
        headers=preflight(ALLOWED, headers="authorization, if-match"),
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "PATCH" in response.headers["access-control-allow-methods"]
    assert "If-Match" in response.headers["access-control-allow-headers"]
    assert response.headers["access-control-max-age"] == "600"
    assert "echo" not in response.text  # never reached the upstream


async def test_preflight_for_a_header_not_allowed_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/api/tracker/applications", headers=preflight(ALLOWED, headers="x-evil")
    )
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers


async def test_disallowed_origin_gets_no_cors_headers(client: httpx.AsyncClient) -> None:
    refused = await client.options("/api/tracker/echo", headers=preflight("https://evil.example"))
    assert refused.status_code == 403
    actual = await client.get("/api/tracker/echo", headers={"Origin": "https://evil.example"})
    assert actual.status_code == 200
    assert not any(name.startswith("access-control-") for name in actual.headers)


async def test_actual_request_from_allowed_origin_exposes_headers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/tracker/echo", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "Origin" in response.headers.get_list("vary")
    exposed = response.headers["access-control-expose-headers"]
    assert "X-Request-ID" in exposed
    assert "RateLimit" in exposed


async def test_error_responses_carry_cors_headers_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/keywords/extract", headers={"Origin": ALLOWED})
    assert response.status_code == 503
    assert response.headers["access-control-allow-origin"] == ALLOWED


async def test_plain_options_without_preflight_goes_upstream(client: httpx.AsyncClient) -> None:
    response = await client.options("/api/tracker/echo")
    assert response.json()["method"] == "OPTIONS"
