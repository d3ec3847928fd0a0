"""The client commands against the real tracker app (served over HTTP, ``/api`` stripped
as the gateway does), on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_helpers import Invoke, ServerThread, strip_api

tracker_main = pytest.importorskip("tracker.main", reason="the tracker service is not there yet")
from tracker.db import MIGRATIONS_DIR  # noqa: E402
from tracker.testing import quick_settings  # noqa: E402

EMAIL, PASSWORD = "grace@example.com", "a long enough password"


@pytest.fixture
def migrations_dir() -> Path:
    return MIGRATIONS_DIR


@pytest.fixture
def tracker_url(database_url: str, jwt_keys: tuple[Path, Path], tmp_path: Path) -> Iterator[str]:
    settings = quick_settings(tmp_path, jwt_keys, database_url=database_url)
    with ServerThread(strip_api(tracker_main.create_app(settings))) as server:
        yield server.url


@pytest.fixture
def url(jobhunt: Invoke, tracker_url: str) -> str:
    result = jobhunt("register", "-e", EMAIL, "--password-stdin", "--url", tracker_url,
                     input=PASSWORD + "\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    return tracker_url


def run_json(jobhunt: Invoke, *args: str) -> Any:
    result = jobhunt(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_login_whoami_logout(jobhunt: Invoke, url: str) -> None:
    assert run_json(jobhunt, "whoami", "--url", url)["email"] == EMAIL
    assert jobhunt("logout", "--url", url).exit_code == 0
    assert jobhunt("whoami", "--url", url).exit_code == 3
    wrong = jobhunt("login", "-e", EMAIL, "--password-stdin", "--url", url, input="nope\n")
    assert wrong.exit_code == 3
    assert wrong.stderr.startswith("jobhunt: Unauthorized: ")
    right = jobhunt("login", "-e", EMAIL, "--password-stdin", "--url", url, input=PASSWORD + "\n")
    assert right.exit_code == 0


def test_a_stale_access_token_is_refreshed(jobhunt: Invoke, url: str, cli_env: Path) -> None:
    path = cli_env / "credentials.json"
    stored = json.loads(path.read_text())
    old_refresh = stored[url]["refresh_token"]
    stored[url]["expires_at"] = 0  # as if it had expired long ago
    path.write_text(json.dumps(stored))

    assert run_json(jobhunt, "whoami", "--url", url)["email"] == EMAIL

    assert json.loads(path.read_text())[url]["refresh_token"] != old_refresh


def test_add_move_archive_show(jobhunt: Invoke, url: str) -> None:
    created = run_json(
        jobhunt, "apps", "add", "Staff engineer", "-c", "Acme", "-t", "python",
        "--excitement", "5", "--url", url,
    )  # fmt: skip
    application_id = str(created["id"])

    moved = run_json(
        jobhunt, "apps", "move", application_id, "applied", "--label", "x", "--url", url
    )
    archived = run_json(jobhunt, "apps", "archive", application_id, "--url", url)
    shown = run_json(jobhunt, "apps", "show", application_id, "--url", url)

    assert (created["company"], created["tags"], created["status"]) == ("Acme", ["python"], "saved")
    assert moved["status"] == "applied"
    assert archived["archived"] is True
    assert [(e["from_status"], e["to_status"]) for e in shown["events"]][-1] == ("saved", "applied")
    assert shown["version"] > created["version"]


def test_validation_problems_are_one_clear_message(jobhunt: Invoke, url: str) -> None:
    result = jobhunt("apps", "add", "", "--url", url)
    assert result.exit_code == 1
    first, *fields = result.stderr.splitlines()
    assert first.startswith("jobhunt: Unprocessable Entity: ")
    assert any(line.startswith("  title: ") for line in fields)
    missing = jobhunt("apps", "show", "424242", "--url", url)
    assert missing.exit_code == 1
    assert missing.stderr.startswith("jobhunt: Not Found: ")


def test_list_pages_and_filters(jobhunt: Invoke, url: str, cli_env: Path) -> None:
    token = json.loads((cli_env / "credentials.json").read_text())[url]["access_token"]
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
        for number in range(1, 121):
            status = "applied" if number % 3 == 0 else "saved"
            client.post(
                "/api/tracker/applications",
                json={"title": f"Engineer {number}", "company": "Initech", "status": status},
            ).raise_for_status()

    everything = run_json(jobhunt, "apps", "list", "--all", "--url", url)
    some = run_json(jobhunt, "apps", "list", "--limit", "7", "--url", url)
    applied = run_json(jobhunt, "apps", "list", "--status", "applied", "--all", "--url", url)

    assert len({a["id"] for a in everything}) == 120
    assert len(some) == 7
    assert len(applied) == 40
    assert {a["status"] for a in applied} == {"applied"}
    table = jobhunt("apps", "list", "--limit", "3", "--url", url)
    assert "Initech" in table.stdout


def test_import_dry_run_then_import_then_export(jobhunt: Invoke, url: str, tmp_path: Path) -> None:
    source = tmp_path / "huntr.csv"
    source.write_text(
        "title,companyName,listName,url\n"
        "Backend engineer,Acme,Applied,https://jobs.example/1\n"
        "SRE,Globex,Wishlist,https://jobs.example/2\n"
    )

    dry = run_json(jobhunt, "import", str(source), "--dry-run", "--url", url)
    assert dry["dry_run"] is True
    assert run_json(jobhunt, "apps", "list", "--url", url) == []
    done = run_json(jobhunt, "import", str(source), "--url", url)
    assert done["dry_run"] is False
    assert done["rows"] == 2

    exported = tmp_path / "out.csv"
    result = jobhunt("export", "--format", "csv", "-o", str(exported), "--url", url)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(exported.read_text())))
    assert sorted(row["title"] for row in rows) == ["Backend engineer", "SRE"]
    as_json = jobhunt("export", "--format", "json", "--url", url)
    assert "Backend engineer" in as_json.stdout
