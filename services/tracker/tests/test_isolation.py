"""User B can neither see nor change nor link to user A's objects, for every resource."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

Auth = Callable[..., dict[str, str]]
T = "/tracker"

RESOURCES = ["applications", "companies", "contacts", "interviews", "tasks", "notes"]
PATCHES = {
    "applications": {"title": "hijacked", "status": "rejected"},
    "companies": {"name": "hijacked"},
    "contacts": {"name": "hijacked"},
    "interviews": {"round": "hijacked"},
    "tasks": {"title": "hijacked", "done": True},
    "notes": {"body": "hijacked"},
}


async def post(api: httpx.AsyncClient, path: str, headers: dict[str, str], **body: Any) -> Any:
    response = await api.post(f"{T}/{path}", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def seed(api: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    """One object of every kind, linked together."""
    application = await post(api, "applications", headers, title="Secret job", company="Acme")
    contact = await post(api, "contacts", headers, name="Rita", application_ids=[application["id"]])
    return {
        "applications": application,
        "companies": (await api.get(f"{T}/companies", headers=headers)).json()["items"][0],
        "contacts": contact,
        "interviews": await post(
            api,
            "interviews",
            headers,
            application_id=application["id"],
            contact_ids=[contact["id"]],
        ),
        "tasks": await post(api, "tasks", headers, title="Call", application_id=application["id"]),
        "notes": await post(api, "notes", headers, application_id=application["id"], body="x"),
    }


@pytest.mark.parametrize("resource", RESOURCES)
async def test_other_users_objects_are_404_and_unchanged(
    api: httpx.AsyncClient, auth: Auth, alice: str, bob: str, resource: str
) -> None:
    objects = await seed(api, auth(alice))
    target = objects[resource]
    path = f"{T}/{resource}/{target['id']}"
    bob_headers = auth(bob)
    assert (await api.get(path, headers=bob_headers)).status_code == 404
    patch = await api.patch(path, json=PATCHES[resource], headers=bob_headers)
    assert patch.status_code == 404
    assert patch.json()["detail"].startswith("No ")
    assert (await api.delete(path, headers=bob_headers)).status_code == 404
    listed = await api.get(f"{T}/{resource}", headers=bob_headers)
    assert listed.json()["items"] == []
    if resource == "applications":
        events = await api.get(f"{path}/events", headers=bob_headers)
        assert events.status_code == 404
        searched = await api.get(f"{T}/applications", params={"q": "secret"}, headers=bob_headers)
        assert searched.json()["items"] == []
    after = await api.get(path, headers=auth(alice))
    assert after.status_code == 200
    assert after.json() == target


async def test_other_users_ids_cannot_be_linked(
    api: httpx.AsyncClient, auth: Auth, alice: str, bob: str
) -> None:
    theirs = await seed(api, auth(alice))
    h = auth(bob)
    mine = await post(api, "applications", h, title="Mine")
    app_id = theirs["applications"]["id"]
    attempts = [
        ("applications", {"title": "x", "company_id": theirs["companies"]["id"]}),
        ("contacts", {"name": "x", "application_ids": [mine["id"], app_id]}),
        ("contacts", {"name": "x", "company_id": theirs["companies"]["id"]}),
        ("interviews", {"application_id": app_id}),
        ("interviews", {"application_id": mine["id"], "contact_ids": [theirs["contacts"]["id"]]}),
        ("tasks", {"title": "x", "application_id": app_id}),
        ("notes", {"application_id": app_id, "body": "x"}),
    ]
    for resource, body in attempts:
        response = await api.post(f"{T}/{resource}", json=body, headers=h)
        assert response.status_code == 404, (resource, body, response.text)
    # Nothing was half-made by the refused requests.
    for resource in ("contacts", "interviews", "tasks", "notes"):
        assert (await api.get(f"{T}/{resource}", headers=h)).json()["items"] == []
    assert [
        a["title"] for a in (await api.get(f"{T}/applications", headers=h)).json()["items"]
    ] == ["Mine"]
