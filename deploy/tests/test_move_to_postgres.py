"""Moving a real tracker install from SQLite to PostgreSQL with ``jobhunt_common.dbcopy``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from jobhunt_common.dbcopy import copy_database
from jobhunt_common.migrations import upgrade
from jobhunt_common.testing import (
    app_client,
    create_postgres_database,
    drop_postgres_database,
)

tracker_main = pytest.importorskip("tracker.main", reason="the tracker is not installed")
from tracker.config import Settings  # noqa: E402
from tracker.db import MIGRATIONS_DIR  # noqa: E402
from tracker.testing import quick_settings  # noqa: E402

PASSWORD = "correct horse battery staple"


def _settings(url: str, jwt_keys: tuple[Path, Path], data_dir: Path) -> Settings:
    return quick_settings(data_dir, jwt_keys, database_url=url)


async def _login(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    token = await client.post("/auth/token", data={"username": email, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def _applications(client: httpx.AsyncClient, headers: dict[str, str]) -> list[Any]:
    listed = await client.get("/tracker/applications", params={"limit": 100}, headers=headers)
    assert listed.status_code == 200, listed.text
    items: list[Any] = listed.json()["items"]
    return sorted(items, key=lambda item: item["id"])


async def test_a_tracker_install_moves_to_postgres_without_loss(
    postgres_url: str, jwt_keys: tuple[Path, Path], tmp_path: Path
) -> None:
    source = f"sqlite:///{tmp_path / 'tracker.db'}"
    target = await asyncio.to_thread(create_postgres_database, postgres_url)
    try:
        await asyncio.to_thread(upgrade, MIGRATIONS_DIR, source)
        await asyncio.to_thread(upgrade, MIGRATIONS_DIR, target)

        async with app_client(tracker_main.create_app(_settings(source, jwt_keys, tmp_path))) as c:
            registered = await c.post(
                "/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
            )
            assert registered.status_code == 201, registered.text
            headers = await _login(c, "ada@example.com")
            for number in range(12):
                created = await c.post(
                    "/tracker/applications",
                    json={
                        "title": f"Engineer {number} — ünïcode",
                        "company": f"Company {number % 4}",
                        "tags": ["python", f"t{number % 3}"],
                        "excitement": 1 + number % 5,
                    },
                    headers=headers,
                )
                assert created.status_code == 201, created.text
            moved = await c.patch(
                "/tracker/applications/3", json={"status": "applied"}, headers=headers
            )
            assert moved.status_code == 200, moved.text
            before = await _applications(c, headers)
            events_before = (await c.get("/tracker/applications/3/events", headers=headers)).json()
            assert events_before["items"][-1]["to_status"] == "applied"

        report = await copy_database(source, target, batch_size=5)
        assert report.verified, report.mismatched
        assert report.rows_copied > 12
        assert report.sequences_reset

        async with app_client(tracker_main.create_app(_settings(target, jwt_keys, tmp_path))) as c:
            assert (await c.get("/readyz")).json()["database"] == "postgresql"
            headers = await _login(c, "ada@example.com")
            assert await _applications(c, headers) == before
            events = (await c.get("/tracker/applications/3/events", headers=headers)).json()
            assert events == events_before
            fresh = await c.post(
                "/tracker/applications",
                json={"title": "After the move", "company": "Company 0"},
                headers=headers,
            )
            assert fresh.status_code == 201, fresh.text
            assert fresh.json()["id"] == 13
            assert fresh.json()["company_id"] == before[0]["company_id"]
            found = await c.get("/tracker/applications", params={"q": "ünïcode"}, headers=headers)
            assert len(found.json()["items"]) == 12
    finally:
        await asyncio.to_thread(drop_postgres_database, postgres_url, target)
