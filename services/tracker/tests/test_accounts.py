"""Accounts: register, tokens, refresh rotation and reuse detection, lockout, delegations."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tracker.accounts.service import _lockout_seconds
from tracker.config import Settings

PASSWORD = "correct horse battery"


@pytest.fixture
def client(api: httpx.AsyncClient) -> httpx.AsyncClient:
    return api


@pytest.fixture
def ann() -> str:
    return f"ann-{uuid.uuid4().hex[:12]}@example.com"


@pytest.fixture
def bo() -> str:
    return f"bo-{uuid.uuid4().hex[:12]}@example.com"


async def register(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    body: dict[str, str] = response.json()
    return body


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/auth/token", data={"username": email, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_register_login_me(client: httpx.AsyncClient, ann: str) -> None:
    user = await register(client, ann.upper())
    assert user["email"] == ann
    assert len(user["id"]) == 32
    response = await login(client, f" {ann.upper()} ")
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] > 0
    me = await client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == user["id"]


async def test_register_rejects_duplicates_and_bad_input(
    client: httpx.AsyncClient, ann: str, bo: str
) -> None:
    await register(client, ann)
    again = await client.post("/auth/register", json={"email": ann.upper(), "password": PASSWORD})
    assert again.status_code == 409
    for body in (
        {"email": "not-an-email", "password": PASSWORD},
        {"email": bo, "password": "short"},
        {"email": bo, "password": PASSWORD, "admin": True},
    ):
        response = await client.post("/auth/register", json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
    assert (await login(client, bo)).status_code == 401


async def test_wrong_password_and_unknown_email_look_alike(
    client: httpx.AsyncClient, ann: str
) -> None:
    await register(client, ann)
    wrong = await login(client, ann, password="nope nope nope")
    unknown = await login(client, "who-" + ann)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_refresh_rotates_and_reuse_revokes_the_family(
    client: httpx.AsyncClient, ann: str
) -> None:
    await register(client, ann)
    first = (await login(client, ann)).json()
    second = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    # The old token again: reuse. It fails and takes the rotated one down with it.
    reused = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert "already used" in reused.json()["detail"]
    after = await client.post("/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert after.status_code == 401
    # Another log-in is a different family and still works.
    other = (await login(client, ann)).json()
    ok = await client.post("/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert ok.status_code == 200


async def test_logout_revokes_the_refresh_token(client: httpx.AsyncClient, ann: str) -> None:
    await register(client, ann)
    tokens = (await login(client, ann)).json()
    out = await client.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    again = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401
    assert (await client.post("/auth/logout", json={"refresh_token": "junk"})).status_code == 204
    bogus = await client.post("/auth/refresh", json={"refresh_token": "junk"})
    assert bogus.status_code == 401


async def test_change_password_revokes_refresh_tokens(client: httpx.AsyncClient, ann: str) -> None:
    await register(client, ann)
    tokens = (await login(client, ann)).json()
    headers = bearer(tokens["access_token"])
    wrong = await client.post(
        "/auth/password",
        json={"current_password": "wrong password", "new_password": "another long one"},
        headers=headers,
    )
    assert wrong.status_code == 401
    changed = await client.post(
        "/auth/password",
        json={"current_password": PASSWORD, "new_password": "another long one"},
        headers=headers,
    )
    assert changed.status_code == 204
    refresh = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401
    assert (await login(client, ann)).status_code == 401
    assert (await login(client, ann, password="another long one")).status_code == 200


async def test_repeated_failures_lock_the_account(
    client: httpx.AsyncClient, api_settings: Settings, ann: str
) -> None:
    await register(client, ann)
    for _ in range(api_settings.login_max_failures):
        assert (await login(client, ann, password="bad password")).status_code == 401
    locked = await login(client, ann)  # even the right password waits out the lock
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) >= 1
    assert "locked" in locked.json()["detail"]


async def test_a_success_resets_the_failure_count(
    client: httpx.AsyncClient, api_settings: Settings, ann: str
) -> None:
    await register(client, ann)
    for _ in range(api_settings.login_max_failures - 1):
        assert (await login(client, ann, password="bad password")).status_code == 401
    assert (await login(client, ann)).status_code == 200
    for _ in range(api_settings.login_max_failures - 1):
        assert (await login(client, ann, password="bad password")).status_code == 401
    assert (await login(client, ann)).status_code == 200


async def test_delegations_mint_narrow_tokens_until_revoked(
    client: httpx.AsyncClient, ann: str
) -> None:
    await register(client, ann)
    headers = bearer((await login(client, ann)).json()["access_token"])
    created = await client.post(
        "/auth/delegations",
        json={"name": "sheets sync", "scopes": ["applications:read"]},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    delegation = created.json()
    assert delegation["scopes"] == ["applications:read"]
    listed = (await client.get("/auth/delegations", headers=headers)).json()["items"]
    assert [d["id"] for d in listed] == [delegation["id"]]
    assert "secret" not in listed[0]

    exchanged = await client.post("/auth/delegations/token", json={"secret": delegation["secret"]})
    assert exchanged.status_code == 200, exchanged.text
    narrow = bearer(exchanged.json()["access_token"])
    assert (await client.get("/tracker/applications", headers=narrow)).status_code == 200
    write = await client.post("/tracker/applications", json={"title": "x"}, headers=narrow)
    assert write.status_code == 403
    assert (await client.get("/auth/me", headers=narrow)).status_code == 403
    nested = await client.post(
        "/auth/delegations", json={"name": "n", "scopes": ["applications:read"]}, headers=narrow
    )
    assert nested.status_code == 403

    revoked = await client.delete(f"/auth/delegations/{delegation['id']}", headers=headers)
    assert revoked.status_code == 204
    again = await client.post("/auth/delegations/token", json={"secret": delegation["secret"]})
    assert again.status_code == 401
    listed = (await client.get("/auth/delegations", headers=headers)).json()["items"]
    assert listed[0]["revoked_at"] is not None


@pytest.mark.parametrize("scopes", [[], ["full"], ["applications:admin"]])
async def test_delegations_accept_only_application_scopes(
    client: httpx.AsyncClient, ann: str, scopes: list[str]
) -> None:
    await register(client, ann)
    headers = bearer((await login(client, ann)).json()["access_token"])
    response = await client.post(
        "/auth/delegations", json={"name": "x", "scopes": scopes}, headers=headers
    )
    assert response.status_code == 422


async def test_another_users_delegation_is_404(
    client: httpx.AsyncClient, ann: str, bo: str
) -> None:
    await register(client, ann)
    await register(client, bo)
    ann = bearer((await login(client, ann)).json()["access_token"])
    bo = bearer((await login(client, bo)).json()["access_token"])
    created = await client.post(
        "/auth/delegations", json={"name": "x", "scopes": ["applications:read"]}, headers=ann
    )
    delegation_id = created.json()["id"]
    assert (
        await client.delete(f"/auth/delegations/{delegation_id}", headers=bo)
    ).status_code == 404
    assert (await client.get("/auth/delegations", headers=bo)).json()["items"] == []


def test_lockout_doubles_with_each_further_failure_up_to_the_cap() -> None:
    settings = Settings(
        login_max_failures=5, login_lockout_seconds=60, login_lockout_max_seconds=600
    )
    waits = [_lockout_seconds(settings, failures) for failures in range(5, 11)]
    assert waits == [60, 120, 240, 480, 600, 600]
    assert _lockout_seconds(settings, 10_000) == 600


async def test_token_endpoint_rejects_bad_requests(client: httpx.AsyncClient, ann: str) -> None:
    await register(client, ann)
    missing = await client.post("/auth/token", data={"username": ann})
    assert missing.status_code == 422
    as_json = await client.post("/auth/token", json={"username": ann, "password": PASSWORD})
    assert as_json.status_code == 422
    no_token = await client.post("/auth/refresh", json={})
    assert no_token.status_code == 422
    assert (await client.get("/auth/me")).status_code == 401
