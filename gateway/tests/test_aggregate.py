"""What the gateway answers itself: /health, /openapi.json, /docs, /metrics."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from gateway_harness import GatewayClient, MakeSettings, RunningServer, serve
from gateway_upstream_app import make_app, openapi_for

from gateway.aggregate import merge_openapi
from gateway.main import create_app


async def test_health_lists_each_service_and_is_503_when_one_is_down(
    upstream: RunningServer, make_settings: MakeSettings, gateway_client: GatewayClient
) -> None:
    async with serve(make_app("keywords")) as keywords:
        client = await gateway_client(
            make_settings(tracker_url=upstream.url, keywords_url=keywords.url)
        )
        healthy = await client.get("/health")
        assert healthy.status_code == 200
        services = healthy.json()["services"]
        assert services["tracker"]["status"] == "ready"
        assert services["keyword-analyzer"]["status"] == "ready"
        assert services["sheets-sync"] == {"status": "not configured"}

        keywords.app.state.ready = False
        not_ready = await client.get("/health")
        assert not_ready.status_code == 503
        assert not_ready.json()["services"]["keyword-analyzer"]["status"] == "not ready"
        assert not_ready.json()["services"]["keyword-analyzer"]["detail"] == "schema behind"
    gone = await client.get("/health")
    assert gone.status_code == 503
    assert gone.json()["services"]["keyword-analyzer"]["status"] == "unreachable"
    assert gone.json()["status"] == "degraded"


async def test_openapi_merges_every_service_under_api(
    upstream: RunningServer, make_settings: MakeSettings, gateway_client: GatewayClient
) -> None:
    async with serve(make_app("keywords")) as keywords:
        client = await gateway_client(
            make_settings(tracker_url=upstream.url, keywords_url=keywords.url)
        )
        document = (await client.get("/openapi.json")).json()
    assert set(document["paths"]) == {"/api/tracker/things", "/api/keywords/things"}
    schemas = document["components"]["schemas"]
    # Same name, different schema: the second service's is renamed and its refs follow.
    assert schemas["Thing"]["title"] == "keywords thing"
    assert schemas["TrackerThing"]["title"] == "tracker thing"
    assert set(schemas) == {"Thing", "TrackerThing", "Shared"}
    tracker_ref = document["paths"]["/api/tracker/things"]["get"]["responses"]["200"]
    assert tracker_ref["content"]["application/json"]["schema"]["$ref"].endswith("/TrackerThing")
    operation_ids = [
        operation["operationId"]
        for operations in document["paths"].values()
        for operation in operations.values()
    ]
    assert len(set(operation_ids)) == len(operation_ids)
    assert document["info"]["x-unavailable-services"] == ["sheets-sync"]


def test_merge_keeps_identical_components_once() -> None:
    merged = merge_openapi(
        {"tracker": openapi_for("tracker", "same"), "sheets-sync": openapi_for("sheets", "same")}
    )
    assert set(merged["components"]["schemas"]) == {"Thing", "Shared"}
    assert set(merged["paths"]) == {"/api/tracker/things", "/api/sheets/things"}


async def test_docs_page_points_at_the_merged_document(
    make_settings: MakeSettings, gateway_client: GatewayClient
) -> None:
    client = await gateway_client(make_settings())
    page = await client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in page.text


async def test_metrics_count_requests_per_route_upstream_and_status(
    upstream: RunningServer, make_settings: MakeSettings, gateway_client: GatewayClient
) -> None:
    client = await gateway_client(make_settings(tracker_url=upstream.url))
    await client.get("/api/tracker/ping")
    await client.get("/api/keywords/x")
    text = (await client.get("/metrics")).text
    assert (
        'jobhunt_gateway_requests_total{route="tracker",status="200",upstream="tracker"} 1.0'
        in text
    )
    assert 'status="503",upstream="keyword-analyzer"' in text
    assert 'jobhunt_gateway_request_duration_seconds_bucket{le="0.005",route="tracker"' in text


async def test_access_log_is_one_json_line_with_the_request_id(
    upstream: RunningServer,
    make_settings: MakeSettings,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="jobhunt.access")
    app = create_app(make_settings(tracker_url=upstream.url), configure_logs=False)
    async with serve(app) as gateway, httpx.AsyncClient(base_url=gateway.url) as client:
        capsys.readouterr()
        response = await client.get("/api/tracker/ping", headers={"X-Request-ID": "log-me"})
        app.access_log.flush()
    assert response.status_code == 200
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert len(lines) == 1
    entry = lines[0]
    assert (entry["logger"], entry["service"], entry["level"]) == (
        "jobhunt.access",
        "gateway",
        "info",
    )
    assert entry["request_id"] == "log-me"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/api/tracker/ping", 200)
    assert (entry["route"], entry["upstream"]) == ("tracker", "tracker")
    assert entry["duration_ms"] >= 0
