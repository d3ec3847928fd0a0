"""``jobhunt db move-to-postgres``: a real SQLite install moved to a real PostgreSQL database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import Invoke

from jobhunt_common.testing import app_client, create_postgres_database, drop_postgres_database

tracker_main = pytest.importorskip("tracker.main", reason="the tracker is not installed")
from tracker.testing import quick_settings  # noqa: E402


@pytest.fixture
def target(postgres_url: str) -> Iterator[str]:
    url = create_postgres_database(postgres_url)
    yield url
    drop_postgres_database(postgres_url, url)


def _fill_tracker(data_dir: Path, jwt_keys: tuple[Path, Path]) -> list[str]:
    """Two users with applications, written through the tracker's API on its SQLite file."""
    settings = quick_settings(data_dir, jwt_keys)

    async def fill() -> list[str]:
        titles = []
        async with app_client(tracker_main.create_app(settings)) as client:
            for user in ("ada", "grace"):
                email = f"{user}@example.com"
                password = "a long passphrase"
                registered = await client.post(
                    "/auth/register", json={"email": email, "password": password}
                )
                assert registered.status_code == 201, registered.text
                token = await client.post(
                    "/auth/token", data={"username": email, "password": password}
                )
                headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
                for number in range(3):
                    title = f"{user} engineer {number} ünïcode"
                    created = await client.post(
                        "/tracker/applications",
                        json={"title": title, "company": f"Company {number}", "tags": ["x"]},
                        headers=headers,
                    )
                    assert created.status_code == 201, created.text
                    titles.append(title)
        return titles

    return asyncio.run(fill())


def test_a_tracker_install_moves_and_is_verified(
    jobhunt: Invoke, target: str, jwt_keys: tuple[Path, Path], tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    assert jobhunt("migrate", "tracker").exit_code == 0
    titles = _fill_tracker(data_dir, jwt_keys)

    moved = jobhunt("db", "move-to-postgres", "tracker", target, "--json")

    assert moved.exit_code == 0, moved.output
    report = json.loads(moved.stdout)
    assert report["verified"] is True
    tables = {table["name"]: table for table in report["tables"]}
    assert tables["users"]["target_rows"] == 2
    assert tables["applications"]["target_rows"] == len(titles) == 6
    assert all(table["matches"] for table in report["tables"])

    again = jobhunt("db", "move-to-postgres", "tracker", target)
    assert again.exit_code == 1
    assert "already has rows" in again.stderr
    assert "--replace" in again.stderr

    replaced = jobhunt("db", "move-to-postgres", "tracker", target, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert "rows copied and verified" in replaced.stdout
    assert "TRACKER_DATABASE_URL=" in replaced.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("payroll", "postgresql://x@localhost/db"), "no service called 'payroll'"),
        (("tracker", "mysql://x@localhost/db"), "must be a postgresql:// URL"),
        (("tracker", "not a url"), "is not a database URL"),
    ],
)
def test_bad_arguments_are_usage_errors(
    jobhunt: Invoke, args: tuple[str, str], message: str
) -> None:
    result = jobhunt("db", "move-to-postgres", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_an_unreachable_server_is_one_clear_line(jobhunt: Invoke) -> None:
    result = jobhunt("db", "move-to-postgres", "tracker", "postgresql://nobody@127.0.0.1:9/none")
    assert result.exit_code == 4
    assert "cannot use postgresql://nobody@127.0.0.1:9/none" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
