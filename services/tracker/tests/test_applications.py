"""Applications: CRUD, the status pipeline, safe writes, lists, search and sync reads."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tracker.config import Settings

APPS = "/tracker/applications"
Auth = Callable[..., dict[str, str]]


async def create(api: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = await api.post(APPS, json={"title": "Backend Engineer", **fields}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def titles(api: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    response = await api.get(APPS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def test_create_read_with_company_on_the_fly(
    api: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    headers = auth(alice)
    created = await create(
        api,
        headers,
        company="  Acme   Corp ",
        url="https://acme.example/jobs/1",
        workplace_type="remote",
        salary_min=100000,
        salary_max=120000,
        salary_currency="eur",
        salary_period="year",
        date_posted="2026-11-01",
        excitement=4,
        tags=["python", "python", "remote "],
        match_score=81.5,
    )
    assert created["company"] == "Acme Corp"
    assert created["company_id"] is not None
    assert created["status"] == "saved"
    assert created["salary_currency"] == "EUR"
    assert created["tags"] == ["python", "remote"]
    assert created["version"] == 1
    assert created["deleted_at"] is None
    assert created["created_at"].endswith(("Z", "+00:00"))
    read = await api.get(f"{APPS}/{created['id']}", headers=headers)
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    assert read.json() == created
    again = await create(api, headers, company="acme corp")
    assert again["company_id"] == created["company_id"]


async def test_status_pipeline_appends_events_and_derives_dates(
    api: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    headers = auth(alice)
    app = await create(api, headers)
    assert app["applied_at"] is None
    path = f"{APPS}/{app['id']}"
    applied = (await api.patch(path, json={"status": "applied"}, headers=headers)).json()
    assert applied["version"] == 2  # one write per change, derived fields included
    assert applied["applied_at"] is not None
    assert applied["first_response_at"] is None
    assert applied["follow_up_at"] is not None  # the automatic follow-up's due date
    screening = await api.patch(
        path,
        json={"status": "screening", "status_label": "recruiter call", "status_source": "sync"},
        headers=headers,
    )
    assert screening.json()["first_response_at"] is not None
    back = await api.patch(path, json={"status": "applied"}, headers=headers)  # moving back
    assert back.json()["applied_at"] == applied["applied_at"]
    same = await api.patch(path, json={"status": "applied"}, headers=headers)  # no change
    assert same.status_code == 200
    events = (await api.get(f"{path}/events", headers=headers)).json()["items"]
    assert [(e["from_status"], e["to_status"]) for e in events] == [
        (None, "saved"),
        ("saved", "applied"),
        ("applied", "screening"),
        ("screening", "applied"),
    ]
    assert events[2]["label"] == "recruiter call"
    assert events[2]["source"] == "sync"
    assert events[1]["source"] == "manual"


async def test_explicit_dates_win_over_derived_ones(
    api: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    applied_at = "2026-01-05T09:00:00+00:00"
    app = await create(api, auth(alice), status="applied", applied_at=applied_at)
    assert datetime.fromisoformat(app["applied_at"]) == datetime.fromisoformat(applied_at)
    assert app["status"] == "applied"
    assert app["follow_up_at"] is None  # a follow-up due months ago is not created
    fresh = await create(api, auth(alice), status="applied")
    assert fresh["follow_up_at"] is not None
    assert fresh["version"] == 1


async def test_invalid_status_is_422_listing_the_valid_ones(
    api: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    headers = auth(alice)
    app = await create(api, headers)
    response = await api.patch(f"{APPS}/{app['id']}", json={"status": "hired"}, headers=headers)
    assert response.status_code == 422
    message = response.json()["errors"][0]["message"]
    for status in ("saved", "applied", "screening", "offer", "ghosted"):
        assert status in message
    listed = await api.get(APPS, params={"status": "hired"}, headers=headers)
    assert listed.status_code == 422
    assert (await api.get(f"{APPS}/{app['id']}", headers=headers)).json()["version"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"title": None},
        {"status": None},
        {"excitement": 6},
        {"excitement": "very"},
        {"salary_min": 10, "salary_max": 5},
        {"workplace_type": "moon"},
        {"applied_at": "2026-01-01T00:00:00"},
        {"tags": "python"},
        {"colour": "red"},
        {"company": "A", "company_id": 1},
    ],
)
async def test_bad_patches_are_422_and_change_nothing(
    api: httpx.AsyncClient, auth: Auth, alice: str, body: dict[str, Any]
) -> None:
    headers = auth(alice)
    app = await create(api, headers)
    response = await api.patch(f"{APPS}/{app['id']}", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert (await api.get(f"{APPS}/{app['id']}", headers=headers)).json() == app


async def test_malformed_and_oversize_bodies_store_nothing(
    api: httpx.AsyncClient, auth: Auth, alice: str, api_settings: Settings
) -> None:
    headers = auth(alice)
    malformed = await api.post(
        APPS, content=b'{"title": ', headers={**headers, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    wrong_type = await api.post(APPS, json=["title"], headers=headers)
    assert wrong_type.status_code == 422
    huge = await api.post(
        APPS,
        json={"title": "x", "description": "y" * api_settings.max_body_bytes},
        headers=headers,
    )
    assert huge.status_code == 413
    assert await titles(api, headers) == []


async def test_if_match_guards_patch_and_delete(
    api: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    headers = auth(alice)
    app = await create(api, headers)
    path = f"{APPS}/{app['id']}"
    ok = await api.patch(path, json={"title": "Staff"}, headers={**headers, "If-Match": '"1"'})
    assert ok.status_code == 200
    assert ok.headers["etag"] == '"2"'
    stale = await api.patch(path, json={"title": "Lead"}, headers={**headers, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.headers["etag"] == '"2"'
    gone = await api.delete(path, headers={**headers, "If-Match": '"1"'})
    assert gone.status_code == 412
    assert (await api.get(path, headers=headers)).json()["title"] == "Staff"
    deleted = await api.delete(path, headers={**headers, "If-Match": '"2"'})
    assert deleted.status_code == 204


async def test_parallel_patches_with_one_version_have_one_winner(
    api: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    headers = auth(alice)
    app = await create(api, headers)
    path = f"{APPS}/{app['id']}"
    responses = await asyncio.gather(
        *(
            api.patch(path, json={"title": f"T{n}"}, headers={**headers, "If-Match": '"1"'})
            for n in range(6)
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 412, 412, 412, 412, 412], [r.text for r in responses]
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert (await api.get(path, headers=headers)).json()["title"] == winner["title"]


async def test_idempotency_key_replays_and_refuses_a_different_body(
    api: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    headers = {**auth(alice), "Idempotency-Key": "create-1"}
    first = await api.post(APPS, json={"title": "One", "company": "Acme"}, headers=headers)
    second = await api.post(APPS, json={"title": "One", "company": "Acme"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    different = await api.post(APPS, json={"title": "Two"}, headers=headers)
    assert different.status_code == 422
    assert await titles(api, auth(alice)) == ["One"]


async def test_parallel_creates_with_one_key_make_one_row(
    api: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    headers = {**auth(alice), "Idempotency-Key": "same"}
    responses = await asyncio.gather(
        *(api.post(APPS, json={"title": "Once"}, headers=headers) for _ in range(4))
    )
    assert {r.status_code for r in responses} <= {201, 409}
    assert {r.json()["id"] for r in responses if r.status_code == 201} != set()
    assert await titles(api, auth(alice)) == ["Once"]


async def test_the_same_key_for_two_users_is_two_creates(
    api: httpx.AsyncClient, auth: Auth, alice: str, bob: str
) -> None:
    key = {"Idempotency-Key": "shared-key"}
    a = await api.post(APPS, json={"title": "A"}, headers={**auth(alice), **key})
    b = await api.post(APPS, json={"title": "A"}, headers={**auth(bob), **key})
    assert a.json()["id"] != b.json()["id"]


async def test_delete_leaves_a_tombstone_for_sync_clients(
    api: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    headers = auth(alice)
    kept = await create(api, headers, title="Kept")
    dropped = await create(api, headers, title="Dropped")
    since = kept["updated_at"]
    assert (await api.delete(f"{APPS}/{dropped['id']}", headers=headers)).status_code == 204
    assert (await api.get(f"{APPS}/{dropped['id']}", headers=headers)).status_code == 404
    assert (await api.patch(f"{APPS}/{dropped['id']}", json={}, headers=headers)).status_code == 404
    assert await titles(api, headers) == ["Kept"]
    changes = (
        await api.get(
            APPS,
            params={"updated_since": since, "include_deleted": "true", "sort": "updated_at"},
            headers=headers,
        )
    ).json()["items"]
    assert [(c["title"], c["deleted_at"] is not None) for c in changes] == [
        ("Kept", False),
        ("Dropped", True),
    ]


async def test_filters(api: httpx.AsyncClient, auth: Auth, alice: str) -> None:
    headers = auth(alice)
    await create(api, headers, title="A", company="Acme", tags=["python"], source="LinkedIn")
    b = await create(
        api, headers, title="B", company="Beta", tags=["go", "python"], status="applied"
    )
    await create(api, headers, title="C", archived=True, status="rejected")
    assert await titles(api, headers, status="applied") == ["B"]
    assert sorted(await titles(api, headers, status=["applied", "rejected"])) == ["B", "C"]
    assert await titles(api, headers, company="ACME") == ["A"]
    assert await titles(api, headers, company_id=b["company_id"]) == ["B"]
    assert sorted(await titles(api, headers, tag="python")) == ["A", "B"]
    assert await titles(api, headers, tag=["python", "go"]) == ["B"]
    assert await titles(api, headers, source="LinkedIn") == ["A"]
    assert await titles(api, headers, archived="true") == ["C"]
    assert sorted(await titles(api, headers, archived="false")) == ["A", "B"]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await titles(api, headers, created_from=future) == []
    assert len(await titles(api, headers, created_to=future)) == 3
    assert await titles(api, headers, applied_from=b["applied_at"]) == ["B"]
    bad = await api.get(APPS, params={"created_from": "yesterday"}, headers=headers)
    assert bad.status_code == 422
    # An unencoded "+" (curl users) arrives as a space and is still read as the offset.
    raw = await api.get(f"{APPS}?created_from=2020-01-01T00:00:00+00:00", headers=headers)
    assert raw.status_code == 200, raw.text
    assert len(raw.json()["items"]) == 3


async def test_ghosted_is_computed_for_silent_applications(
    api: httpx.AsyncClient, auth: Auth, alice: str, api_settings: Settings
) -> None:
    headers = auth(alice)
    long_ago = datetime.now(UTC) - timedelta(days=api_settings.ghosted_after_days + 1)
    silent = await create(
        api, headers, title="Silent", status="applied", status_changed_at=long_ago.isoformat()
    )
    assert silent["ghosted"] is True
    assert silent["effective_status"] == "ghosted"
    assert silent["status"] == "applied"
    fresh = await create(api, headers, title="Fresh", status="applied")
    assert fresh["ghosted"] is False
    old_saved = await create(
        api, headers, title="Old saved", status_changed_at=long_ago.isoformat()
    )
    assert old_saved["ghosted"] is False
    await create(api, headers, title="Marked", status="ghosted")
    assert sorted(await titles(api, headers, ghosted="true")) == ["Marked", "Silent"]
    assert sorted(await titles(api, headers, ghosted="false")) == ["Fresh", "Old saved"]


async def test_full_text_search_over_title_company_description_and_notes(
    api: httpx.AsyncClient, auth: Auth, alice: str, bob: str
) -> None:
    headers = auth(alice)
    await create(api, headers, title="Platform Engineer", company="Globex")
    await create(api, headers, title="Data Analyst", description="SQL and dashboards")
    noted = await create(api, headers, title="Designer")
    note = await api.post(
        "/tracker/notes",
        json={"application_id": noted["id"], "body": "Referred by Kubernetes meetup friend"},
        headers=headers,
    )
    assert note.status_code == 201, note.text
    await create(api, auth(bob), title="Platform Engineer", company="Globex")
    assert await titles(api, headers, q="engineers") == ["Platform Engineer"]  # stemmed
    assert await titles(api, headers, q="globex") == ["Platform Engineer"]
    assert await titles(api, headers, q="dashboards sql") == ["Data Analyst"]
    assert await titles(api, headers, q="kubernetes") == ["Designer"]
    assert await titles(api, headers, q='"AND OR NOT ( * -') == []
    assert await titles(api, headers, q="platform analyst") == []
    # Renaming the company re-indexes its applications.
    company_id = (await api.get(APPS, params={"q": "globex"}, headers=headers)).json()["items"][0][
        "company_id"
    ]
    renamed = await api.patch(
        f"/tracker/companies/{company_id}", json={"name": "Initech"}, headers=headers
    )
    assert renamed.status_code == 200, renamed.text
    assert await titles(api, headers, q="initech") == ["Platform Engineer"]
    assert await titles(api, headers, q="globex") == []


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-updated_at", ["e", "d", "c", "b", "a"]),
        ("updated_at", ["a", "b", "c", "d", "e"]),
        ("-created_at", ["e", "d", "c", "b", "a"]),
        ("created_at", ["a", "b", "c", "d", "e"]),
        ("title", ["a", "b", "c", "d", "e"]),
        ("-title", ["e", "d", "c", "b", "a"]),
    ],
)
async def test_sorted_cursor_pages_cover_everything_once(
    api: httpx.AsyncClient, auth: Auth, alice: str, sort: str, expected: list[str]
) -> None:
    headers = auth(alice)
    for title in "abcde":
        await create(api, headers, title=title)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"sort": sort, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get(APPS, params=params, headers=headers)).json()
        assert len(page["items"]) <= 2
        seen += [item["title"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected


async def test_bad_sort_and_cursor_are_4xx(api: httpx.AsyncClient, auth: Auth, alice: str) -> None:
    headers = auth(alice)
    assert (await api.get(APPS, params={"sort": "salary"}, headers=headers)).status_code == 422
    assert (await api.get(APPS, params={"cursor": "!!"}, headers=headers)).status_code == 400
    assert (await api.get(APPS, params={"limit": 0}, headers=headers)).status_code == 422


async def test_scopes(api: httpx.AsyncClient, auth: Auth, alice: str) -> None:
    app = await create(api, auth(alice))
    reader = auth(alice, scopes={"applications:read"})
    writer = auth(alice, scopes={"applications:write"})
    assert (await api.get(f"{APPS}/{app['id']}", headers=reader)).status_code == 200
    assert (await api.patch(f"{APPS}/{app['id']}", json={}, headers=reader)).status_code == 403
    assert (await api.patch(f"{APPS}/{app['id']}", json={}, headers=writer)).status_code == 200
    assert (await api.post(APPS, json={"title": "w"}, headers=writer)).status_code == 201
    assert (await api.get("/tracker/companies", headers=reader)).status_code == 403
    assert (await api.get(APPS)).status_code == 401


async def test_search_follows_note_edits_and_deletes(
    api: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    headers = auth(alice)
    app = await create(api, headers, title="Designer")
    note = (
        await api.post(
            "/tracker/notes", json={"application_id": app["id"], "body": "tulips"}, headers=headers
        )
    ).json()
    assert await titles(api, headers, q="tulips") == ["Designer"]
    await api.patch(f"/tracker/notes/{note['id']}", json={"body": "roses"}, headers=headers)
    assert await titles(api, headers, q="tulips") == []
    assert await titles(api, headers, q="roses") == ["Designer"]
    await api.delete(f"/tracker/notes/{note['id']}", headers=headers)
    assert await titles(api, headers, q="roses") == []
    await api.patch(f"{APPS}/{app['id']}", json={"description": "orchids"}, headers=headers)
    assert await titles(api, headers, q="orchid") == ["Designer"]
