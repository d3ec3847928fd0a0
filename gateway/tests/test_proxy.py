"""Proxy correctness against a real upstream over real sockets."""

from __future__ import annotations

import asyncio
import gzip
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_harness import GatewayClient, MakeSettings, RunningServer, bound_socket, serve
from gateway_upstream_app import GZIPPED, make_app

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def header_values(echoed: dict[str, Any], name: str) -> list[str]:
    return [value for key, value in echoed["headers"] if key == name]


@pytest.fixture
async def client(
    upstream: RunningServer, make_settings: MakeSettings, gateway_client: GatewayClient
) -> httpx.AsyncClient:
    return await gateway_client(make_settings(tracker_url=upstream.url))


@pytest.mark.parametrize("method", METHODS)
async def test_every_method_reaches_the_service_with_api_stripped(
    client: httpx.AsyncClient, method: str
) -> None:
    body = b"" if method in ("GET", "OPTIONS") else b'{"a": 1}'
    response = await client.request(method, "/api/tracker/applications/7/echo", content=body)
    assert response.status_code == 200
    echoed = response.json()
    assert echoed["method"] == method
    assert echoed["path"] == "/tracker/applications/7/echo"
    assert echoed["body_length"] == len(body)


async def test_query_string_and_encoded_path_pass_unchanged(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/tracker/a%2Fb/echo?status=applied&status=offer&q=a+b%26c")
    echoed = response.json()
    assert echoed["query"] == "status=applied&status=offer&q=a+b%26c"
    assert echoed["raw_path"] == "/tracker/a%2Fb/echo"


async def test_upstream_connections_are_kept_alive_and_reused(client: httpx.AsyncClient) -> None:
    ports = {(await client.get("/api/tracker/echo")).json()["client_port"] for _ in range(5)}
    assert len(ports) == 1


async def test_head_answers_without_a_body(client: httpx.AsyncClient) -> None:
    response = await client.head("/api/tracker/echo")
    assert response.status_code == 200
    assert response.content == b""


async def test_repeated_response_headers_are_kept_and_hop_by_hop_dropped(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/tracker/cookies")
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert "x-secret-hop" not in response.headers
    # The gateway's request id, not the one the upstream made up.
    assert response.headers.get_list("x-request-id") != ["upstream-made-this"]
    assert len(response.headers.get_list("x-request-id")) == 1


async def test_upstream_cookies_never_reach_another_request(client: httpx.AsyncClient) -> None:
    await client.get("/api/tracker/cookies")
    client.cookies.clear()
    echoed = (await client.get("/api/tracker/echo")).json()
    assert header_values(echoed, "cookie") == []


async def test_request_hop_by_hop_headers_are_stripped(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/tracker/echo",
        headers={
            "Connection": "keep-alive, X-Private",
            "X-Private": "secret",
            "Proxy-Authorization": "Basic eDp5",
            "X-Kept": "yes",
        },
    )
    echoed = response.json()
    names = {key for key, _ in echoed["headers"]}
    assert "x-private" not in names
    assert "proxy-authorization" not in names
    assert header_values(echoed, "x-kept") == ["yes"]


async def test_compressed_bodies_pass_as_they_are(client: httpx.AsyncClient) -> None:
    async with client.stream(
        "GET", "/api/tracker/gzip", headers={"Accept-Encoding": "gzip"}
    ) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-length"] == str(len(GZIPPED))
    assert raw == GZIPPED
    assert gzip.decompress(raw).startswith(b"jobhunt ")
    # A gzip request body goes up untouched too.
    echoed = (
        await client.post(
            "/api/tracker/echo", content=GZIPPED, headers={"Content-Encoding": "gzip"}
        )
    ).json()
    assert echoed["body_length"] == len(GZIPPED)
    assert header_values(echoed, "content-encoding") == ["gzip"]


async def test_no_accept_encoding_is_invented(client: httpx.AsyncClient) -> None:
    echoed = (await client.get("/api/tracker/echo", headers={"Accept-Encoding": ""})).json()
    assert header_values(echoed, "accept-encoding") in ([], [""])
    assert header_values(echoed, "user-agent") == [client.headers["user-agent"]]


async def test_forwarded_headers_are_set(client: httpx.AsyncClient) -> None:
    echoed = (
        await client.get("/api/tracker/echo", headers={"X-Forwarded-For": "203.0.113.9"})
    ).json()
    assert header_values(echoed, "x-forwarded-for") == ["203.0.113.9, 127.0.0.1"]
    assert header_values(echoed, "x-forwarded-proto") == ["http"]
    assert header_values(echoed, "x-forwarded-host") == [client.base_url.netloc.decode()]
    assert header_values(echoed, "x-forwarded-prefix") == ["/api"]


async def test_request_id_is_made_passed_on_and_returned(client: httpx.AsyncClient) -> None:
    made = await client.get("/api/tracker/echo")
    request_id = made.headers["x-request-id"]
    assert len(request_id) == 32
    assert header_values(made.json(), "x-request-id") == [request_id]
    given = await client.get("/api/tracker/echo", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    assert header_values(given.json(), "x-request-id") == ["abc-123"]
    hostile = await client.get("/api/tracker/echo", headers={"X-Request-ID": "a b\tc"})
    assert hostile.headers["x-request-id"] != "a b\tc"


async def test_security_headers_on_every_response(client: httpx.AsyncClient) -> None:
    for path in ("/api/tracker/echo", "/nowhere"):
        response = await client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


async def test_unknown_path_is_a_404_problem(client: httpx.AsyncClient) -> None:
    for path in ("/nowhere", "/api/trackerx/echo", "/api"):
        response = await client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["instance"] == path


async def test_unconfigured_service_is_a_503_problem_naming_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/keywords/extract")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["service"] == "keyword-analyzer"
    assert "keyword-analyzer" in response.json()["detail"]


async def test_declared_oversize_body_is_413(
    upstream: RunningServer, make_settings: MakeSettings, gateway_client: GatewayClient
) -> None:
    client = await gateway_client(make_settings(tracker_url=upstream.url, max_body_bytes=1000))
    response = await client.post("/api/tracker/echo", content=b"x" * 1001)
    assert response.status_code == 413
    assert response.json()["type"].endswith("payload-too-large")
    assert (await client.post("/api/tracker/echo", content=b"x" * 1000)).status_code == 200


async def test_streamed_oversize_body_is_413(
    upstream: RunningServer, make_settings: MakeSettings, gateway_client: GatewayClient
) -> None:
    client = await gateway_client(make_settings(tracker_url=upstream.url, max_body_bytes=100_000))

    async def chunked() -> Any:
        for _ in range(10):
            yield b"x" * 20_000

    response = await client.post("/api/tracker/echo", content=chunked())
    assert response.status_code == 413


async def test_refused_upstream_is_a_fast_503_and_recovery_is_automatic(
    make_settings: MakeSettings, gateway_client: GatewayClient
) -> None:
    upstream = await RunningServer(make_app()).start()
    port = upstream.port
    client = await gateway_client(make_settings(tracker_url=upstream.url, read_timeout=30.0))
    assert (await client.get("/api/tracker/echo")).status_code == 200
    await upstream.stop()

    started = time.monotonic()
    down = await client.get("/api/tracker/echo")
    assert time.monotonic() - started < 5  # refused at once, not after the 30 s read timeout
    assert down.status_code == 503
    assert down.headers["content-type"] == "application/problem+json"
    assert down.json()["service"] == "tracker"

    async with serve(make_app(), port=port):
        assert (await client.get("/api/tracker/echo")).status_code == 200


async def test_slow_upstream_is_a_504(
    upstream: RunningServer, make_settings: MakeSettings, gateway_client: GatewayClient
) -> None:
    client = await gateway_client(make_settings(tracker_url=upstream.url, read_timeout=0.3))
    response = await client.get("/api/tracker/hang")
    assert response.status_code == 504
    assert response.json()["type"].endswith("gateway-timeout")
    assert (await client.get("/api/tracker/echo")).status_code == 200


async def test_many_concurrent_requests_all_arrive(client: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(
        *(client.post("/api/tracker/echo", content=str(i).encode()) for i in range(100))
    )
    assert sorted(r.json()["body_length"] for r in responses) == sorted(
        len(str(i)) for i in range(100)
    )


@contextmanager
def upstream_process(port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "gateway_upstream_app:app",
            "--app-dir",
            str(Path(__file__).parent),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
    )
    try:
        yield process
    finally:
        process.kill()
        process.wait()


async def wait_answering(client: httpx.AsyncClient, path: str) -> httpx.Response:
    for _ in range(500):
        response = await client.get(path)
        if response.status_code != 503:
            return response
        await asyncio.sleep(0.02)
    raise AssertionError("the service did not come up")


async def test_killed_upstream_is_a_fast_503_and_recovery_is_automatic(
    make_settings: MakeSettings, gateway_client: GatewayClient
) -> None:
    sock = bound_socket()
    port = sock.getsockname()[1]
    sock.close()
    client = await gateway_client(
        make_settings(tracker_url=f"http://127.0.0.1:{port}", read_timeout=30.0)
    )
    with upstream_process(port) as process:
        assert (await wait_answering(client, "/api/tracker/echo")).status_code == 200
        process.kill()  # SIGKILL: the pooled keep-alive connection dies without a goodbye
        process.wait()
        started = time.monotonic()
        down = await client.get("/api/tracker/echo")
        assert time.monotonic() - started < 5  # not the 30 s read timeout
        assert down.status_code == 503
        assert down.headers["content-type"] == "application/problem+json"
        assert down.json()["service"] == "tracker"
    with upstream_process(port):
        assert (await wait_answering(client, "/api/tracker/echo")).status_code == 200
