"""Credentials and connections: validation, secrecy, clear 4xx answers."""

from __future__ import annotations

import json
from typing import Any

from sheets_sync_harness import Harness
from sqlalchemy import select

from jobhunt_common.db import Database
from sheets_sync.fake_google import service_account_key
from sheets_sync.models import ServiceAccountCredential


async def test_key_is_stored_encrypted_and_never_returned(harness: Harness) -> None:
    body = await harness.upload_key()

    assert body["share_with"] == harness.key["client_email"]
    assert "PRIVATE KEY" not in json.dumps(body)
    fetched = (await harness.client.get("/sheets/credentials", headers=harness.headers)).json()
    assert "PRIVATE KEY" not in json.dumps(fetched)
    database = Database(harness.settings.sqlalchemy_url)
    try:
        async with database.sessionmaker() as session:
            stored = (await session.scalars(select(ServiceAccountCredential))).one()
    finally:
        await database.dispose()
    assert "PRIVATE KEY" not in stored.encrypted_key
    assert harness.key["client_email"] not in stored.encrypted_key

    replacement = service_account_key("other-bot@jobhunt-test.iam.gserviceaccount.com")
    response = await harness.client.put(
        "/sheets/credentials", json={"service_account_key": replacement}, headers=harness.headers
    )
    assert response.status_code == 200
    assert response.json()["client_email"] == replacement["client_email"]


MALFORMED_KEYS = [
    ({"type": "authorized_user"}, "service_account_key.type"),
    ({"client_email": "not-an-email"}, "service_account_key.client_email"),
    ({"private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
     "service_account_key.private_key"),
    ({"private_key_id": None}, "service_account_key.private_key_id"),
]  # fmt: skip


async def test_malformed_keys_are_rejected_with_what_is_wrong(harness: Harness) -> None:
    for change, field in MALFORMED_KEYS:
        key = {**harness.key, **change}

        response = await harness.client.put(
            "/sheets/credentials", json={"service_account_key": key}, headers=harness.headers
        )

        assert response.status_code == 422, change
        problem = response.json()
        assert problem["type"].endswith("bad-service-account-key")
        assert field in [e["field"] for e in problem["errors"]]


async def test_key_that_is_not_json_object_is_422(harness: Harness) -> None:
    response = await harness.client.put(
        "/sheets/credentials", json={"service_account_key": "{not json"}, headers=harness.headers
    )
    assert response.status_code == 422


async def test_connection_needs_a_key_first(harness: Harness) -> None:
    response = await harness.client.post(
        "/sheets/connections", json={"spreadsheet": "x" * 30}, headers=harness.headers
    )
    assert response.status_code == 409


async def test_unknown_spreadsheet_is_a_clear_422(harness: Harness) -> None:
    await harness.upload_key()
    response = await harness.client.post(
        "/sheets/connections",
        json={
            "spreadsheet": "https://docs.google.com/spreadsheets/d/1NoSuchSheet_abcdefghijklmnop/edit"
        },
        headers=harness.headers,
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("spreadsheet-not-found")


async def test_sheet_not_shared_names_the_email_to_share_with(harness: Harness) -> None:
    await harness.upload_key()
    spreadsheet_id = harness.new_spreadsheet(shared_with={"someone@example.com"})

    response = await harness.client.post(
        "/sheets/connections", json={"spreadsheet": spreadsheet_id}, headers=harness.headers
    )

    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("spreadsheet-not-shared")
    assert harness.key["client_email"] in problem["detail"]
    assert problem["share_with"] == harness.key["client_email"]


async def test_revoked_key_is_reported_as_a_bad_key(harness: Harness) -> None:
    await harness.upload_key()
    harness.fake.state.revoked_key_ids.add(harness.key["private_key_id"])
    spreadsheet_id = harness.new_spreadsheet()

    response = await harness.client.post(
        "/sheets/connections", json={"spreadsheet": spreadsheet_id}, headers=harness.headers
    )

    assert response.status_code == 422
    assert response.json()["type"].endswith("bad-service-account-key")


async def test_sheet_with_20000_columns_is_refused(harness: Harness) -> None:
    await harness.upload_key()
    spreadsheet_id = harness.new_spreadsheet(sheet_title="Applications", columns=20_000)

    response = await harness.client.post(
        "/sheets/connections", json={"spreadsheet": spreadsheet_id}, headers=harness.headers
    )

    assert response.status_code == 422
    assert "20000 columns" in response.json()["detail"]


BAD_BODIES: list[dict[str, Any]] = [
    {"spreadsheet": "not a url"},
    {"spreadsheet": "x" * 30, "columns": {"title": "Title"}},
    {"spreadsheet": "x" * 30, "columns": {"id": "A", "title": "A"}},
    {"spreadsheet": "x" * 30, "columns": {"id": "A", "title": "B", "salary": "C"}},
    {"spreadsheet": "x" * 30, "direction": "sideways"},
    {"spreadsheet": "x" * 30, "schedule_minutes": 1},
    {"spreadsheet": "x" * 30, "surprise": True},
]


async def test_bad_connection_bodies_are_422(harness: Harness) -> None:
    await harness.upload_key()
    for body in BAD_BODIES:
        response = await harness.client.post(
            "/sheets/connections", json=body, headers=harness.headers
        )
        assert response.status_code == 422, (body, response.text)


async def test_new_worksheet_gets_header_and_protected_id_column(harness: Harness) -> None:
    await harness.upload_key()
    spreadsheet_id = harness.new_spreadsheet()

    connection = await harness.connect(spreadsheet_id, worksheet="My jobs")

    assert connection["service_account_email"] == harness.key["client_email"]
    worksheet = harness.worksheet(spreadsheet_id, "My jobs")
    assert worksheet.row_values(1)[:3] == ["Tracker ID", "Title", "Company"]
    sheet = harness.fake.state.spreadsheets[spreadsheet_id].sheet_by_title("My jobs")
    assert [(p["warningOnly"], p["range"]["startColumnIndex"]) for p in sheet.protected_ranges] == [
        (True, 0)
    ]


async def test_other_users_connections_are_404(harness: Harness, make_token: Any) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha")
    stranger = {"Authorization": f"Bearer {make_token()}"}
    for method, path in [
        ("GET", f"/sheets/connections/{connection_id}"),
        ("POST", f"/sheets/connections/{connection_id}/sync"),
        ("GET", f"/sheets/connections/{connection_id}/runs"),
        ("GET", f"/sheets/connections/{connection_id}/conflicts"),
    ]:
        response = await harness.client.request(method, path, headers=stranger)
        assert response.status_code == 404, path
    assert spreadsheet_id


async def test_update_and_delete_connection(harness: Harness) -> None:
    _spreadsheet_id, connection_id = await harness.linked("Alpha")
    url = f"/sheets/connections/{connection_id}"
    response = await harness.client.patch(
        url, json={"direction": "push", "schedule_minutes": 60}, headers=harness.headers
    )
    assert (response.json()["direction"], response.json()["schedule_minutes"]) == ("push", 60)
    assert (await harness.client.delete(url, headers=harness.headers)).status_code == 204
    assert (await harness.client.get(url, headers=harness.headers)).status_code == 404


async def test_runs_are_listed_newest_first_in_pages(harness: Harness) -> None:
    _spreadsheet_id, connection_id = await harness.linked("Alpha")
    await harness.sync(connection_id, dry_run=True)
    await harness.sync(connection_id)
    url = f"/sheets/connections/{connection_id}/runs"

    first = (await harness.client.get(url, params={"limit": 2}, headers=harness.headers)).json()
    second = (
        await harness.client.get(
            url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=harness.headers
        )
    ).json()

    runs = first["items"] + second["items"]
    assert [r["dry_run"] for r in runs] == [False, True, False]
    assert runs[0]["id"] > runs[1]["id"] > runs[2]["id"]
    assert second["next_cursor"] is None


async def test_openapi_and_probes(harness: Harness) -> None:
    schema = (await harness.client.get("/openapi.json")).json()
    assert "/sheets/connections/{connection_id}/sync" in schema["paths"]
    assert (await harness.client.get("/readyz")).json()["status"] == "ready"
