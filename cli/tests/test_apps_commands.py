from __future__ import annotations

import json

import httpx
import pytest
from cli_fake_api import FakeState
from cli_helpers import Invoke, register


@pytest.fixture
def url(jobhunt: Invoke, fake_url: str) -> str:
    register(jobhunt, fake_url)
    return fake_url


def add(jobhunt: Invoke, url: str, *args: str) -> dict[str, object]:
    result = jobhunt("apps", "add", *args, "--json", "--url", url)
    assert result.exit_code == 0, result.output
    created: dict[str, object] = json.loads(result.stdout)
    return created


def test_add_sends_the_fields_with_an_idempotency_key(
    jobhunt: Invoke, url: str, fake_state: FakeState
) -> None:
    created = add(
        jobhunt, url, "Backend engineer", "-c", "Acme", "-t", "python", "-t", "remote",
        "--excitement", "4", "--job-url", "https://jobs.example/1",
    )  # fmt: skip

    assert created["company"] == "Acme"
    assert fake_state.last_request["body"] == {
        "title": "Backend engineer",
        "company": "Acme",
        "status": "saved",
        "url": "https://jobs.example/1",
        "tags": ["python", "remote"],
        "excitement": 4,
    }
    assert len(fake_state.last_request["headers"]["idempotency-key"]) == 32


def test_add_prints_a_human_line(jobhunt: Invoke, url: str) -> None:
    result = jobhunt("apps", "add", "SRE", "-c", "Initech", "--url", url)
    assert result.stdout.strip() == "added #1: SRE at Initech (saved)"


def test_api_validation_errors_exit_1_with_field_lines(jobhunt: Invoke, url: str) -> None:
    result = jobhunt("apps", "add", "", "--url", url)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "jobhunt: Unprocessable Entity: Invalid request: title.",
        "  title: String should have at least 1 character",
    ]


def test_bad_arguments_are_usage_errors(jobhunt: Invoke, url: str) -> None:
    assert jobhunt("apps", "add", "x", "--status", "dreaming", "--url", url).exit_code == 2
    assert jobhunt("apps", "move", "1", "nowhere", "--url", url).exit_code == 2
    assert jobhunt("apps", "show", "one", "--url", url).exit_code == 2


def test_move_patches_with_if_match_and_records_the_label(
    jobhunt: Invoke, url: str, fake_state: FakeState
) -> None:
    add(jobhunt, url, "Data engineer")

    result = jobhunt("apps", "move", "1", "applied", "--label", "via referral", "--url", url)

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "#1 Data engineer: now applied"
    assert fake_state.applications[1]["status"] == "applied"
    assert fake_state.events[1][0]["label"] == "via referral"
    shown = json.loads(jobhunt("apps", "show", "1", "--json", "--url", url).stdout)
    assert shown["events"][0]["to_status"] == "applied"


def test_archive_and_undo(jobhunt: Invoke, url: str, fake_state: FakeState) -> None:
    add(jobhunt, url, "QA")
    assert jobhunt("apps", "archive", "1", "--url", url).exit_code == 0
    assert fake_state.applications[1]["archived"] is True
    assert jobhunt("apps", "archive", "1", "--undo", "--url", url).exit_code == 0
    assert fake_state.applications[1]["archived"] is False


def test_show_of_a_missing_application_is_an_api_error(jobhunt: Invoke, url: str) -> None:
    result = jobhunt("apps", "show", "99", "--url", url)
    assert result.exit_code == 1
    assert result.stderr.strip() == "jobhunt: Not Found: No such application."


def test_list_follows_next_cursor_and_filters(
    jobhunt: Invoke, url: str, fake_state: FakeState
) -> None:
    token = next(iter(fake_state.access))
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
        for number in range(1, 131):
            status = "applied" if number % 2 else "saved"
            client.post(
                "/api/tracker/applications", json={"title": f"job {number}", "status": status}
            ).raise_for_status()

    everything = json.loads(jobhunt("apps", "list", "--all", "--json", "--url", url).stdout)
    first_ten = json.loads(jobhunt("apps", "list", "--limit", "10", "--json", "--url", url).stdout)
    applied = jobhunt("apps", "list", "-s", "applied", "--all", "--json", "--url", url)
    searched = jobhunt("apps", "list", "--q", "job 12", "--json", "--url", url)

    assert len(everything) == 130
    assert [a["id"] for a in first_ten] == list(range(130, 120, -1))
    assert {a["status"] for a in json.loads(applied.stdout)} == {"applied"}
    assert len(json.loads(applied.stdout)) == 65
    assert {a["title"] for a in json.loads(searched.stdout)} == {
        "job 12",
        *(f"job {n}" for n in range(120, 130)),
    }


def test_list_prints_a_table(jobhunt: Invoke, url: str) -> None:
    add(jobhunt, url, "Platform engineer", "-c", "Globex")
    result = jobhunt("apps", "list", "--url", url)
    assert "Platform engineer" in result.stdout
    assert "Globex" in result.stdout
