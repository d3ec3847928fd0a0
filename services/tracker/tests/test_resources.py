"""Companies, contacts, interviews, tasks and notes: CRUD, links, filters, safe writes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

Auth = Callable[..., dict[str, str]]
T = "/tracker"


async def post(
    api: httpx.AsyncClient, path: str, headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    response = await api.post(f"{T}/{path}", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def items(
    api: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    response = await api.get(f"{T}/{path}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


def soon(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def test_companies_crud_unique_names_and_tombstones(
    api: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    h = auth(alice)
    acme = await post(api, "companies", h, name="Acme", website="https://acme.example")
    duplicate = await api.post(f"{T}/companies", json={"name": " ACME "}, headers=h)
    assert duplicate.status_code == 409
    await post(api, "companies", h, name="Beta")
    assert [c["name"] for c in await items(api, "companies", h)] == ["Acme", "Beta"]
    assert [c["name"] for c in await items(api, "companies", h, q="bet")] == ["Beta"]
    path = f"{T}/companies/{acme['id']}"
    read = await api.get(path, headers=h)
    assert read.headers["etag"] == '"1"'
    patched = await api.patch(path, json={"industry": "Anvils"}, headers={**h, "If-Match": '"1"'})
    assert patched.json()["industry"] == "Anvils"
    stale = await api.patch(path, json={"industry": "x"}, headers={**h, "If-Match": '"1"'})
    assert stale.status_code == 412
    clash = await api.patch(path, json={"name": "beta"}, headers=h)
    assert clash.status_code == 409
    assert (await api.delete(path, headers=h)).status_code == 204
    assert (await api.get(path, headers=h)).status_code == 404
    assert [c["name"] for c in await items(api, "companies", h)] == ["Beta"]
    listed = await items(api, "companies", h, include_deleted="true")
    assert [c["deleted_at"] is not None for c in listed] == [True, False]
    revived = await post(api, "companies", h, name="acme")
    assert revived["id"] == acme["id"]
    assert revived["deleted_at"] is None


async def test_contacts_link_to_companies_and_applications(
    api: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    h = auth(alice)
    app_one = await post(api, "applications", h, title="One")
    app_two = await post(api, "applications", h, title="Two")
    recruiter = await post(
        api,
        "contacts",
        h,
        name="Rita Recruiter",
        email="rita@acme.example",
        role="recruiter",
        company="Acme",
        application_ids=[app_one["id"], app_one["id"], app_two["id"]],
    )
    assert recruiter["application_ids"] == [app_one["id"], app_two["id"]]
    assert recruiter["company_id"] is not None
    await post(api, "contacts", h, name="Hank Manager", role="hiring_manager")
    names = [c["name"] for c in await items(api, "contacts", h)]
    assert names == ["Hank Manager", "Rita Recruiter"]
    assert [c["name"] for c in await items(api, "contacts", h, role="recruiter")] == [
        "Rita Recruiter"
    ]
    linked = await items(api, "contacts", h, application_id=app_two["id"])
    assert [c["name"] for c in linked] == ["Rita Recruiter"]
    by_company = await items(api, "contacts", h, company_id=recruiter["company_id"])
    assert [c["name"] for c in by_company] == ["Rita Recruiter"]
    assert [c["name"] for c in await items(api, "contacts", h, q="hank")] == ["Hank Manager"]
    path = f"{T}/contacts/{recruiter['id']}"
    unlinked = await api.patch(
        path, json={"application_ids": [app_two["id"]]}, headers={**h, "If-Match": '"1"'}
    )
    assert unlinked.status_code == 200
    assert unlinked.json()["application_ids"] == [app_two["id"]]
    assert unlinked.json()["version"] == 2
    assert await items(api, "contacts", h, application_id=app_one["id"]) == []
    bad_role = await api.patch(path, json={"role": "boss"}, headers=h)
    assert bad_role.status_code == 422
    assert (await api.delete(path, headers=h)).status_code == 204
    assert (await api.get(path, headers=h)).status_code == 404


async def test_interviews_with_contacts_and_upcoming_filter(
    api: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    h = auth(alice)
    app = await post(api, "applications", h, title="Eng")
    contact = await post(api, "contacts", h, name="Ivy", role="interviewer")
    later = await post(
        api,
        "interviews",
        h,
        application_id=app["id"],
        round="2nd technical",
        kind="technical",
        scheduled_at=soon(3),
        duration_minutes=90,
        meeting_url="https://meet.example/abc",
        contact_ids=[contact["id"]],
    )
    assert later["contact_ids"] == [contact["id"]]
    assert later["outcome"] == "pending"
    first = await post(
        api, "interviews", h, application_id=app["id"], kind="phone", scheduled_at=soon(1)
    )
    past = await post(
        api, "interviews", h, application_id=app["id"], kind="onsite", scheduled_at=soon(-2)
    )
    unscheduled = await post(api, "interviews", h, application_id=app["id"], kind="take_home")
    ordered = [i["id"] for i in await items(api, "interviews", h)]
    assert ordered == [past["id"], first["id"], later["id"], unscheduled["id"]]
    upcoming = [i["id"] for i in await items(api, "interviews", h, upcoming="true")]
    assert upcoming == [first["id"], later["id"]]
    path = f"{T}/interviews/{first['id']}"
    cancelled = await api.patch(path, json={"outcome": "cancelled"}, headers=h)
    assert cancelled.json()["outcome"] == "cancelled"
    upcoming = [i["id"] for i in await items(api, "interviews", h, upcoming="true")]
    assert upcoming == [later["id"]]
    assert [i["id"] for i in await items(api, "interviews", h, outcome="cancelled")] == [
        first["id"]
    ]
    naive = await api.patch(path, json={"scheduled_at": "2026-12-01T10:00:00"}, headers=h)
    assert naive.status_code == 422
    too_long = await api.patch(path, json={"duration_minutes": 100000}, headers=h)
    assert too_long.status_code == 422
    assert (await api.delete(path, headers=h)).status_code == 204


async def test_tasks_follow_ups_and_done(api: httpx.AsyncClient, auth: Auth, alice: str) -> None:
    h = auth(alice)
    app = await post(api, "applications", h, title="Eng")
    moved = await api.patch(f"{T}/applications/{app['id']}", json={"status": "applied"}, headers=h)
    follow_ups = await items(api, "tasks", h, application_id=app["id"])
    assert len(follow_ups) == 1
    follow_up = follow_ups[0]
    assert follow_up["kind"] == "follow_up"
    assert follow_up["auto_created"] is True
    assert follow_up["due_at"] == moved.json()["follow_up_at"]
    # An answer makes the follow-up moot: it is ticked off.
    await api.patch(f"{T}/applications/{app['id']}", json={"status": "screening"}, headers=h)
    closed = await items(api, "tasks", h, application_id=app["id"])
    assert [t["done"] for t in closed] == [True]
    # Moving back to applied schedules a fresh one; moving away and back again adds none.
    await api.patch(f"{T}/applications/{app['id']}", json={"status": "applied"}, headers=h)
    await api.patch(f"{T}/applications/{app['id']}", json={"status": "applied"}, headers=h)
    follow_ups = await items(api, "tasks", h, application_id=app["id"], done="false")
    assert len(follow_ups) == 1
    follow_up = follow_ups[0]
    await api.delete(f"{T}/tasks/{closed[0]['id']}", headers=h)

    own = await post(api, "tasks", h, title="Update CV", due_at=soon(1))
    undated = await post(api, "tasks", h, title="Someday")
    ordered = [t["title"] for t in await items(api, "tasks", h)]
    assert ordered == ["Update CV", follow_up["title"], "Someday"]
    done = await api.patch(
        f"{T}/tasks/{own['id']}", json={"done": True}, headers={**h, "If-Match": '"1"'}
    )
    assert done.json()["done"] is True
    assert done.json()["done_at"] is not None
    open_titles = [t["title"] for t in await items(api, "tasks", h, done="false")]
    assert open_titles == [follow_up["title"], "Someday"]
    assert [t["title"] for t in await items(api, "tasks", h, done="true")] == ["Update CV"]
    assert [t["title"] for t in await items(api, "tasks", h, kind="follow_up")] == [
        follow_up["title"]
    ]
    reopened = await api.patch(f"{T}/tasks/{own['id']}", json={"done": False}, headers=h)
    assert reopened.json()["done_at"] is None
    assert (await api.delete(f"{T}/tasks/{undated['id']}", headers=h)).status_code == 204
    bad = await api.post(f"{T}/tasks", json={"title": "x", "kind": "chore"}, headers=h)
    assert bad.status_code == 422


async def test_notes_crud(api: httpx.AsyncClient, auth: Auth, alice: str) -> None:
    h = auth(alice)
    app = await post(api, "applications", h, title="Eng")
    other = await post(api, "applications", h, title="Other")
    note = await post(api, "notes", h, application_id=app["id"], body="Met at a conference")
    await post(api, "notes", h, application_id=other["id"], body="Elsewhere")
    listed = await items(api, "notes", h, application_id=app["id"])
    assert [n["id"] for n in listed] == [note["id"]]
    path = f"{T}/notes/{note['id']}"
    edited = await api.patch(path, json={"body": "Met at PyCon"}, headers={**h, "If-Match": '"1"'})
    assert edited.json()["body"] == "Met at PyCon"
    assert edited.headers["etag"] == '"2"'
    assert (await api.patch(path, json={"body": ""}, headers=h)).status_code == 422
    assert (await api.delete(path, headers={**h, "If-Match": '"1"'})).status_code == 412
    assert (await api.delete(path, headers={**h, "If-Match": '"2"'})).status_code == 204
    assert (await api.get(path, headers=h)).status_code == 404


@pytest.mark.parametrize("resource", ["companies", "contacts", "tasks", "notes", "interviews"])
async def test_idempotent_creates(
    api: httpx.AsyncClient, auth: Auth, alice: str, resource: str
) -> None:
    h = auth(alice)
    app = await post(api, "applications", h, title="Eng")
    body = {
        "companies": {"name": "Acme"},
        "contacts": {"name": "Rita"},
        "tasks": {"title": "Call"},
        "notes": {"application_id": app["id"], "body": "hi"},
        "interviews": {"application_id": app["id"]},
    }[resource]
    headers = {**h, "Idempotency-Key": f"key-{resource}"}
    first = await api.post(f"{T}/{resource}", json=body, headers=headers)
    second = await api.post(f"{T}/{resource}", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    assert len(await items(api, resource, h)) == 1


async def test_children_of_a_deleted_application_leave_the_lists(
    api: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    h = auth(alice)
    gone = await post(api, "applications", h, title="Gone")
    kept = await post(api, "applications", h, title="Kept")
    for app in (gone, kept):
        await post(api, "tasks", h, title=f"Call {app['title']}", application_id=app["id"])
        await post(api, "interviews", h, application_id=app["id"], scheduled_at=soon(2))
        await post(api, "notes", h, application_id=app["id"], body=app["title"])
    await post(api, "tasks", h, title="Unattached")
    assert (await api.delete(f"{T}/applications/{gone['id']}", headers=h)).status_code == 204
    assert sorted(t["title"] for t in await items(api, "tasks", h)) == ["Call Kept", "Unattached"]
    assert [i["application_id"] for i in await items(api, "interviews", h)] == [kept["id"]]
    assert [n["body"] for n in await items(api, "notes", h)] == ["Kept"]


@pytest.mark.parametrize("resource", ["companies", "contacts", "interviews", "tasks", "notes"])
async def test_cursor_pages_cover_every_row_once(
    api: httpx.AsyncClient, auth: Auth, alice: str, resource: str
) -> None:
    h = auth(alice)
    app = await post(api, "applications", h, title="Eng")
    bodies: list[dict[str, Any]] = {
        "companies": [{"name": n} for n in ("b", "a", "c", "d")],
        "contacts": [{"name": n} for n in ("b", "a", "b", "c")],
        "interviews": [
            {"application_id": app["id"], "scheduled_at": soon(2)},
            {"application_id": app["id"]},
            {"application_id": app["id"], "scheduled_at": soon(1)},
            {"application_id": app["id"]},
        ],
        "tasks": [
            {"title": "undated 1"},
            {"title": "dated", "due_at": soon(1)},
            {"title": "undated 2"},
            {"title": "dated earlier", "due_at": soon(-1)},
        ],
        "notes": [{"application_id": app["id"], "body": str(n)} for n in range(4)],
    }[resource]
    created = [(await post(api, resource, h, **body))["id"] for body in bodies]
    whole = [row["id"] for row in await items(api, resource, h, limit=200)]
    paged: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get(f"{T}/{resource}", params=params, headers=h)).json()
        paged += [row["id"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == whole
    assert sorted(paged) == sorted(created)


@pytest.mark.parametrize("resource", ["companies", "contacts", "interviews", "tasks", "notes"])
async def test_bad_creates_are_4xx_and_store_nothing(
    api: httpx.AsyncClient, auth: Auth, alice: str, resource: str
) -> None:
    h = auth(alice)
    app = await post(api, "applications", h, title="Eng")
    valid: dict[str, Any] = {
        "companies": {"name": "Acme"},
        "contacts": {"name": "Rita"},
        "interviews": {"application_id": app["id"]},
        "tasks": {"title": "Call"},
        "notes": {"application_id": app["id"], "body": "x"},
    }[resource]
    bad_bodies: list[Any] = [
        {**valid, "unknown_field": 1},
        {key: [value] for key, value in valid.items()},  # wrong types
        {},
        [valid],
    ]
    for body in bad_bodies:
        response = await api.post(f"{T}/{resource}", json=body, headers=h)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    malformed = await api.post(
        f"{T}/{resource}", content=b"{nope", headers={**h, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    oversize = await api.post(f"{T}/{resource}", json={**valid, "notes": "x" * 70_000}, headers=h)
    assert oversize.status_code == 413
    assert await items(api, resource, h) == []


# Past PostgreSQL's INTEGER, and past any 64-bit column: the drivers refuse to bind them.
HUGE_IDS = [2**40, 2**80]


@pytest.mark.parametrize(
    "resource", ["applications", "companies", "contacts", "interviews", "tasks", "notes"]
)
@pytest.mark.parametrize("huge", HUGE_IDS)
async def test_out_of_range_ids_are_404_or_422_never_500(
    api: httpx.AsyncClient, auth: Auth, alice: str, resource: str, huge: int
) -> None:
    h = auth(alice)
    for method in ("GET", "PATCH", "DELETE"):
        body = {} if method == "PATCH" else None
        response = await api.request(method, f"{T}/{resource}/{huge}", json=body, headers=h)
        assert response.status_code == 404, (method, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    for filters in ({"company_id": huge}, {"application_id": -huge}):
        listed = await api.get(f"{T}/{resource}", params=filters, headers=h)
        assert listed.status_code in (200, 422), listed.text
        if listed.status_code == 422:
            assert "out of range" in listed.json()["detail"]


@pytest.mark.parametrize("huge", HUGE_IDS)
async def test_an_out_of_range_reference_is_a_4xx_and_stores_nothing(
    api: httpx.AsyncClient, auth: Auth, alice: str, huge: int
) -> None:
    h = auth(alice)
    response = await api.post(f"{T}/notes", json={"body": "x", "application_id": huge}, headers=h)
    assert response.status_code in (404, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert await items(api, "notes", h) == []


@pytest.mark.parametrize("resource", ["applications", "tags", "companies", "notes"])
async def test_nul_characters_in_text_are_a_422_and_store_nothing(
    api: httpx.AsyncClient, auth: Auth, alice: str, resource: str
) -> None:
    h = auth(alice)
    body: dict[str, Any] = {
        "applications": {"title": "Eng\u0000ineer"},
        "tags": {"title": "Engineer", "tags": ["ok", "re\u0000mote"]},
        "companies": {"name": "Ac\u0000me"},
        "notes": {"body": "a\u0000b"},
    }[resource]
    resource = "applications" if resource == "tags" else resource
    response = await api.post(f"{T}/{resource}", json=body, headers=h)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert await items(api, resource, h) == []


async def test_a_nul_character_in_a_filter_is_a_422(
    api: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    h = auth(alice)
    await post(api, "applications", h, title="Engineer", tags=["remote"])
    for params in ({"tag": "re\u0000mote"}, {"source": "\u0000"}):
        response = await api.get(f"{T}/applications", params=params, headers=h)
        assert response.status_code == 422, (params, response.text)
        assert "NUL character" in response.json()["detail"]
    assert len(await items(api, "applications", h, tag="remote")) == 1
