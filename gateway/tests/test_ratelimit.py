"""Rate limits: exact under a concurrent burst, keyed by verified subject, shared via Redis."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from gateway_harness import (
    GatewayClient,
    MakeSettings,
    RunningServer,
    gateway_subprocess,
    wait_gateway_ready,
)

from gateway.config import RateLimit
from jobhunt_common.auth import TokenSigner

RATELIMIT = re.compile(r'^"(?P<group>[a-z_]+)";r=(?P<r>\d+);t=(?P<t>\d+)$')


def limits(quota: int, login_quota: int = 2) -> dict[str, RateLimit]:
    # An hour-long window: refill during a test is far below one token.
    return {
        "default": RateLimit(quota=quota, window=3600),
        "auth_login": RateLimit(quota=login_quota, window=3600),
    }


async def burst(clients: list[httpx.AsyncClient], path: str, count: int) -> Counter[int]:
    responses = await asyncio.gather(*(clients[i % len(clients)].get(path) for i in range(count)))
    return Counter(response.status_code for response in responses)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_concurrent_burst_passes_exactly_the_quota_in_memory(
    upstream: RunningServer, make_settings: MakeSettings, gateway_client: GatewayClient
) -> None:
    client = await gateway_client(make_settings(tracker_url=upstream.url, rate_limits=limits(20)))
    assert await burst([client], "/api/tracker/ping", 60) == {200: 20, 429: 40}


async def test_limited_responses_carry_draft_headers_and_429_is_a_problem(
    upstream: RunningServer, make_settings: MakeSettings, gateway_client: GatewayClient
) -> None:
    client = await gateway_client(make_settings(tracker_url=upstream.url, rate_limits=limits(2)))
    first = await client.get("/api/tracker/ping")
    assert first.headers["ratelimit-policy"] == '"default";q=2;w=3600'
    match = RATELIMIT.match(first.headers["ratelimit"])
    assert match is not None
    assert (match["group"], match["r"]) == ("default", "1")
    await client.get("/api/tracker/ping")
    refused = await client.get("/api/tracker/ping")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("rate-limited")
    retry_after = int(refused.headers["retry-after"])
    assert retry_after >= 1
    assert refused.headers["ratelimit"] == f'"default";r=0;t={retry_after}'
    assert refused.headers["ratelimit-policy"] == '"default";q=2;w=3600'


async def test_verified_subjects_get_their_own_buckets(
    upstream: RunningServer,
    make_settings: MakeSettings,
    gateway_client: GatewayClient,
    make_token: Callable[..., str],
) -> None:
    client = await gateway_client(make_settings(tracker_url=upstream.url, rate_limits=limits(3)))
    alice, bob = bearer(make_token("alice")), bearer(make_token("bob"))
    statuses = [
        (await client.get("/api/tracker/ping", headers=alice)).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    # Another token of the same subject shares the bucket; another subject does not.
    assert (
        await client.get("/api/tracker/ping", headers=bearer(make_token("alice")))
    ).status_code == 429
    assert (await client.get("/api/tracker/ping", headers=bob)).status_code == 200
    assert (await client.get("/api/tracker/ping")).status_code == 200  # the address's own bucket


async def test_invalid_and_expired_tokens_fall_back_to_the_client_address(
    upstream: RunningServer,
    make_settings: MakeSettings,
    gateway_client: GatewayClient,
    token_signer: TokenSigner,
    tmp_path: Path,
) -> None:
    client = await gateway_client(make_settings(tracker_url=upstream.url, rate_limits=limits(3)))
    expired = token_signer.sign("carol", ttl=timedelta(minutes=-5))
    forged = TokenSigner(_other_private_key(tmp_path)).sign("carol")
    tokens = [uuid.uuid4().hex, expired, forged, uuid.uuid4().hex]
    statuses = [
        (await client.get("/api/tracker/ping", headers=bearer(token))).status_code
        for token in tokens
    ]
    # Invalid tokens are passed on (the services judge them) but never buy a fresh bucket.
    assert statuses == [200, 200, 200, 429]


def _other_private_key(directory: Path) -> object:
    from jobhunt_common.auth import generate_keypair, load_private_key

    private_path, _ = generate_keypair(directory / "other-keys")
    return load_private_key(private_path)


async def test_login_and_register_have_their_own_stricter_limit(
    upstream: RunningServer, make_settings: MakeSettings, gateway_client: GatewayClient
) -> None:
    client = await gateway_client(
        make_settings(tracker_url=upstream.url, rate_limits=limits(100, login_quota=2))
    )
    form = {"username": "a@example.com", "password": "x"}
    statuses = [
        (await client.post("/api/auth/token", data=form)).status_code,
        (await client.post("/api/auth/register", json={})).status_code,
        (await client.post("/api/auth/token", data=form)).status_code,
    ]
    assert statuses == [200, 200, 429]
    refused = await client.post("/api/auth/token", data=form)
    assert refused.headers["ratelimit-policy"] == '"auth_login";q=2;w=3600'
    assert (await client.get("/api/auth/me")).status_code == 200  # default group, untouched


async def test_limits_can_be_switched_off(
    upstream: RunningServer, make_settings: MakeSettings, gateway_client: GatewayClient
) -> None:
    client = await gateway_client(
        make_settings(tracker_url=upstream.url, rate_limits=limits(1), rate_limit_enabled=False)
    )
    assert await burst([client], "/api/tracker/ping", 5) == {200: 5}
    assert "ratelimit" not in (await client.get("/api/tracker/ping")).headers


@pytest.mark.redis
async def test_concurrent_burst_passes_exactly_the_quota_in_redis(
    upstream: RunningServer,
    make_settings: MakeSettings,
    gateway_client: GatewayClient,
    redis_url: str,
) -> None:
    settings = make_settings(
        tracker_url=upstream.url,
        rate_limits=limits(20),
        redis_url=redis_url,
        rate_limit_key_prefix=f"test:{uuid.uuid4().hex}",
    )
    client = await gateway_client(settings)
    assert await burst([client], "/api/tracker/ping", 60) == {200: 20, 429: 40}


@pytest.mark.redis
async def test_two_gateway_processes_share_one_redis_limit(
    upstream: RunningServer, tmp_path: Path, jwt_keys: tuple[Path, Path], redis_url: str
) -> None:
    env = {
        "JOBHUNT_TRACKER_URL": upstream.url,
        "JOBHUNT_DATA_DIR": str(tmp_path),
        "JOBHUNT_JWT_PUBLIC_KEY_FILE": str(jwt_keys[1]),
        "JOBHUNT_REDIS_URL": redis_url,
        "JOBHUNT_RATE_LIMIT_KEY_PREFIX": f"test:{uuid.uuid4().hex}",
        "JOBHUNT_RATE_LIMITS": json.dumps({"default": {"quota": 30, "window": 3600}}),
    }
    with gateway_subprocess(env) as (first_url, _), gateway_subprocess(env) as (second_url, _):
        await asyncio.gather(wait_gateway_ready(first_url), wait_gateway_ready(second_url))
        async with (
            httpx.AsyncClient(base_url=first_url) as first,
            httpx.AsyncClient(base_url=second_url) as second,
        ):
            counts = await burst([first, second], "/api/tracker/ping", 80)
    assert counts == {200: 30, 429: 50}


async def test_unreachable_redis_fails_open(
    upstream: RunningServer, make_settings: MakeSettings, gateway_client: GatewayClient
) -> None:
    client = await gateway_client(
        make_settings(
            tracker_url=upstream.url, rate_limits=limits(1), redis_url="redis://127.0.0.1:1/0"
        )
    )
    assert await burst([client], "/api/tracker/ping", 3) == {200: 3}
