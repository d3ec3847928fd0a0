"""The calendar feed over HTTP: secret URL, contents parsed back, rotation, isolation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import icalendar
import pytest

from jobhunt_common.db import create_engine
from jobhunt_common.settings import async_database_url
from tracker.accounts.models import User

Auth = Callable[..., dict[str, str]]


@pytest.fixture
async def accounts(database_url: str, alice: str, bob: str) -> None:
    """Alice and Bob exist (the feed's token lives on the account row)."""
    engine = create_engine(async_database_url(database_url))
    try:
        async with engine.begin() as connection:
            for user_id in (alice, bob):
                await connection.execute(
                    User.__table__.insert().values(
                        id=user_id,
                        email=f"{user_id}@example.com",
                        password_hash="not-used-here",
                        created_at=datetime.now(UTC),
                        password_changed_at=datetime.now(UTC),
                        failed_logins=0,
                        calendar_token=f"token-{user_id}",
                    )
                )
    finally:
        await engine.dispose()


def tracker_with(title: str, company: str, interview_at: datetime) -> dict[str, Any]:
    """A minimal export document: one application, one interview, an open and a done task."""
    stamp = "2024-03-01T00:00:00+00:00"
    return {
        "format": "jobhunt-tracker-export",
        "format_version": 1,
        "companies": [{"id": 1, "name": company}],
        "applications": [
            {"id": 1, "title": title, "company_id": 1, "status": "interviewing",
             "status_events": [{"to_status": "interviewing", "at": stamp}]},
        ],
        "interviews": [
            {"id": 1, "application_id": 1, "round": "Onsite, final", "kind": "onsite",
             "scheduled_at": interview_at.isoformat(), "duration_minutes": 90,
             "location": "Main St. 1; Room 4", "updated_at": stamp, "contact_ids": []},
        ],
        "tasks": [
            {"id": 1, "application_id": 1, "title": "Follow up", "kind": "follow_up",
             "due_at": (interview_at + timedelta(days=2)).isoformat(), "updated_at": stamp},
            {"id": 2, "application_id": 1, "title": "Already done", "kind": "other",
             "due_at": interview_at.isoformat(), "done_at": stamp},
            {"id": 3, "application_id": None, "title": "No due date", "kind": "other"},
        ],
    }  # fmt: skip


async def feed_path(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.get("/tracker/calendar", headers=headers)
    assert response.status_code == 200
    path: str = response.json()["path"]
    assert response.json()["public_path"] == "/api" + path
    return path


@pytest.mark.usefixtures("accounts")
async def test_feed_holds_interviews_and_open_tasks(
    client: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    interview_at = datetime(2024, 3, 15, 14, 0, tzinfo=UTC)
    document = tracker_with("Backend Engineer", "Acme, Inc.", interview_at)
    imported = await client.post("/tracker/import", json=document, headers=auth(alice))
    assert imported.status_code == 200, imported.text
    path = await feed_path(client, auth(alice))
    response = await client.get(path)  # no bearer token: the URL is the credential
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        "Interview (Onsite, final): Backend Engineer at Acme, Inc.",
        "To do: Follow up (Backend Engineer)",
    }
    interview = events["Interview (Onsite, final): Backend Engineer at Acme, Inc."]
    assert interview.decoded("DTSTART") == interview_at
    assert interview.decoded("DTEND") == interview_at + timedelta(minutes=90)
    assert str(interview["LOCATION"]) == "Main St. 1; Room 4"
    assert str(interview["UID"]).startswith("interview-")
    assert b"LOCATION:Main St. 1\\; Room 4" in response.content
    again = await client.get(path)
    assert again.content == response.content, "UIDs and stamps are stable between fetches"


@pytest.mark.usefixtures("accounts")
async def test_rotation_kills_the_old_url(
    client: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    old = await feed_path(client, auth(alice))
    rotated = await client.post("/tracker/calendar/rotate", headers=auth(alice))
    assert rotated.status_code == 200
    new = rotated.json()["path"]
    assert new != old
    assert (await client.get(old)).status_code == 404
    assert (await client.get(new)).status_code == 200
    assert await feed_path(client, auth(alice)) == new


@pytest.mark.usefixtures("accounts")
async def test_each_feed_shows_only_its_owner(
    client: httpx.AsyncClient, auth: Auth, alice: str, bob: str
) -> None:
    at = datetime(2024, 4, 1, 9, 0, tzinfo=UTC)
    for user, title in ((alice, "Alice's job"), (bob, "Bob's job")):
        document = tracker_with(title, "Acme", at)
        assert (await client.post("/tracker/import", json=document, headers=auth(user))).is_success
    bobs_feed = await client.get(await feed_path(client, auth(bob)))
    summaries = {
        str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(bobs_feed.content).walk("VEVENT")
    }
    assert summaries == {
        "Interview (Onsite, final): Bob's job at Acme",
        "To do: Follow up (Bob's job)",
    }


@pytest.mark.usefixtures("accounts")
async def test_unknown_tokens_and_missing_auth(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/tracker/calendar/not-a-real-token.ics")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert (await client.get("/tracker/calendar")).status_code == 401
    assert (await client.post("/tracker/calendar/rotate")).status_code == 401


async def test_token_without_an_account_is_404(
    client: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    assert (await client.get("/tracker/calendar", headers=auth(alice))).status_code == 404
