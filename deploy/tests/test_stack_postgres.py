"""The whole stack on PostgreSQL and Redis: ``jobhunt up`` with every service on its own
PostgreSQL database and the gateway's rate limits in Redis, then a user's journey."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from jobhunt_common.testing import create_postgres_database, drop_postgres_database

pytestmark = pytest.mark.e2e

START_TIMEOUT_SECONDS = 150.0
POLL_SECONDS = 0.5
DATABASE_SETTINGS = ("TRACKER_DATABASE_URL", "KEYWORDS_DATABASE_URL", "SHEETS_DATABASE_URL")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def databases(postgres_url: str) -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database per service, by its URL setting."""
    urls = {setting: create_postgres_database(postgres_url) for setting in DATABASE_SETTINGS}
    yield urls
    for url in urls.values():
        drop_postgres_database(postgres_url, url)


@pytest.fixture
def stack(databases: dict[str, str], redis_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``jobhunt up`` running; yields (gateway URL, Redis key prefix of its rate limits)."""
    pytest.importorskip("jobhunt_cli.up", reason="the CLI's `jobhunt up` is not here")
    port = _free_port()
    prefix = f"jobhunt-test-{uuid.uuid4().hex[:8]}"
    log_path = tmp_path / "up.log"
    env = {
        **os.environ,
        **databases,
        "JOBHUNT_REDIS_URL": redis_url,
        "JOBHUNT_RATE_LIMIT_KEY_PREFIX": prefix,
        "JOBHUNT_PORT": str(port),
        "JOBHUNT_DATA_DIR": str(tmp_path / "data"),
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jobhunt_cli", "up"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log_path)
        yield url, prefix
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"jobhunt up exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            health = httpx.get(f"{url}/health", timeout=5)
            last = f"{health.status_code} {health.text[:300]}"
            if health.status_code == 200:
                return
        except httpx.TransportError as exc:
            last = repr(exc)
        time.sleep(POLL_SECONDS)  # polling a starting process; bounded by the deadline
    pytest.fail(
        f"stack not healthy in {START_TIMEOUT_SECONDS:g}s ({last}):\n{log_path.read_text()}"
    )


async def _count(database_url: str, table: str) -> int:
    import asyncpg

    connection = await asyncpg.connect(database_url)
    try:
        count: int = await connection.fetchval(f"SELECT count(*) FROM {table}")
        return count
    finally:
        await connection.close()


def test_user_journey_on_postgres_and_redis(
    stack: tuple[str, str], databases: dict[str, str], redis_url: str
) -> None:
    url, prefix = stack
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    password = "a long enough passphrase"
    with httpx.Client(base_url=url, timeout=30) as client:
        registered = client.post("/api/auth/register", json={"email": email, "password": password})
        assert registered.status_code == 201, registered.text
        token = client.post("/api/auth/token", data={"username": email, "password": password})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

        created = client.post(
            "/api/tracker/applications",
            json={"title": "Platform engineer", "company": "Acme", "status": "saved"},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        application = created.json()
        moved = client.patch(
            f"/api/tracker/applications/{application['id']}",
            json={"status": "applied"},
            headers={**headers, "If-Match": created.headers["ETag"]},
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == "applied"

        listed = client.get(
            "/api/tracker/applications", params={"status": "applied"}, headers=headers
        )
        assert listed.status_code == 200, listed.text
        assert [item["id"] for item in listed.json()["items"]] == [application["id"]]
        events = client.get(
            f"/api/tracker/applications/{application['id']}/events", headers=headers
        )
        assert [(e["from_status"], e["to_status"]) for e in events.json()["items"]][-1] == (
            "saved",
            "applied",
        )
        assert "ratelimit" in listed.headers

    # The rows are in PostgreSQL, and the rate-limit buckets in Redis.
    assert asyncio.run(_count(databases["TRACKER_DATABASE_URL"], "applications")) == 1
    import redis

    client_redis = redis.Redis.from_url(redis_url)
    try:
        keys = list(client_redis.scan_iter(match=f"{prefix}*"))
        assert keys, f"no rate-limit keys under {prefix!r} in Redis"
        client_redis.delete(*keys)
    finally:
        client_redis.close()
