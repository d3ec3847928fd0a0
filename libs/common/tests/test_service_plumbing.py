"""The shared plumbing, exercised through a minimal service on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import httpx

from jobhunt_common.auth import TokenSigner

Auth = Callable[[str], dict[str, str]]


async def test_probes_report_ready_at_head(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["revision"] == ["0001"]


async def test_missing_and_bad_tokens_are_401_problems(client: httpx.AsyncClient) -> None:
    missing = await client.get("/widgets")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.headers["www-authenticate"] == "Bearer"
    bad = await client.get("/widgets", headers={"Authorization": "Bearer not-a-jwt"})
    assert bad.status_code == 401
    assert bad.json()["detail"] == "The access token is not valid."


async def test_expired_token_is_rejected(
    client: httpx.AsyncClient, token_signer: TokenSigner
) -> None:
    token = token_signer.sign("u1", ttl=timedelta(minutes=-5))
    response = await client.get("/widgets", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_validation_errors_name_the_fields(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.post("/widgets", json={"name": 5, "colour": "red"}, headers=auth("u"))
    assert response.status_code == 422
    problem = response.json()
    assert problem["status"] == 422
    assert {e["field"] for e in problem["errors"]} == {"name", "colour"}


async def test_malformed_json_is_400(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.post(
        "/widgets",
        content=b'{"name": ',
        headers={**auth("u"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


async def test_oversize_body_is_413_and_stores_nothing(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.post("/widgets", json={"name": "x" * 2000}, headers=auth("u"))
    assert response.status_code == 413
    assert response.json()["type"].endswith("payload-too-large")
    assert (await client.get("/widgets", headers=auth("u"))).json()["items"] == []


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.json()["instance"] == "/nowhere"


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert given.headers["x-request-id"] == "abc123"
    made = await client.get("/healthz")
    assert len(made.headers["x-request-id"]) == 32


async def test_cursor_pagination_walks_every_row_once(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    for i in range(7):
        await client.post("/widgets", json={"name": f"w{i}"}, headers=auth("a"))
    await client.post("/widgets", json={"name": "other"}, headers=auth("b"))
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/widgets", params=params, headers=auth("a"))).json()
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"w{i}" for i in reversed(range(7))]


async def test_bad_cursor_is_400(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.get("/widgets", params={"cursor": "!!!"}, headers=auth("a"))
    assert response.status_code == 400


async def test_if_match_lets_exactly_one_concurrent_writer_win(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    created = (await client.post("/widgets", json={"name": "w"}, headers=auth("a"))).json()

    async def rename(name: str) -> int:
        response = await client.patch(
            f"/widgets/{created['id']}",
            json={"name": name},
            headers={**auth("a"), "If-Match": '"1"'},
        )
        return response.status_code

    statuses = await asyncio.gather(*(rename(f"n{i}") for i in range(5)))
    assert sorted(statuses) == [200, 412, 412, 412, 412]
    # Sequential retry with the stale version always fails.
    stale = await client.patch(
        f"/widgets/{created['id']}", json={"name": "late"}, headers={**auth("a"), "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.headers["etag"] != '"1"'


async def test_other_users_rows_are_404(client: httpx.AsyncClient, auth: Auth) -> None:
    created = (await client.post("/widgets", json={"name": "w"}, headers=auth("a"))).json()
    response = await client.patch(
        f"/widgets/{created['id']}", json={"name": "x"}, headers=auth("b")
    )
    assert response.status_code == 404
