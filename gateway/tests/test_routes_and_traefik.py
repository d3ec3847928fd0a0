"""The route table, and the Traefik configuration generated from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from gateway.routes import ROUTES, RouteTable, service_path
from gateway.traefik import DYNAMIC_FILE, dump_file_provider, main, render_kubernetes

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "schemas"


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [
        ("POST", "/api/auth/token", "auth-login"),
        ("POST", "/api/auth/register", "auth-login"),
        ("GET", "/api/auth/token", "auth"),
        ("POST", "/api/auth/refresh", "auth"),
        ("GET", "/api/auth", "auth"),
        ("GET", "/api/tracker/applications/3/events", "tracker"),
        ("POST", "/api/keywords/match", "keywords"),
        ("POST", "/api/sheets/connections/1/sync", "sheets"),
        ("GET", "/api/trackers", None),
        ("GET", "/api/", None),
        ("GET", "/tracker/applications", None),
        ("GET", "/health", None),
    ],
)
def test_route_table_matches_at_segment_boundaries(
    method: str, path: str, route: str | None
) -> None:
    found = RouteTable().match(method, path)
    assert (found.name if found else None) == route


def test_service_path_strips_api() -> None:
    assert service_path("/api/tracker/applications") == "/tracker/applications"
    assert {r.service for r in ROUTES} == {"tracker", "keyword-analyzer", "sheets-sync"}


def _schema(name: str) -> dict[str, Any]:
    path = SCHEMAS / name
    if not path.exists():
        pytest.skip(f"schema {path} not present (shared/data is laid beside the repo)")
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def test_committed_traefik_file_is_current() -> None:
    assert DYNAMIC_FILE.read_text() == dump_file_provider(), (
        "deploy/traefik/dynamic.yml is stale: run `uv run python -m gateway.traefik`"
    )
    assert main(["--check"]) == 0


def test_check_flags_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "dynamic.yml"
    stale.write_text("http: {}\n")
    assert main(["--check", "--output", str(stale)]) == 1
    assert main(["--output", str(stale)]) == 0
    assert main(["--check", "--output", str(stale)]) == 0


def test_traefik_file_validates_against_the_file_provider_schema() -> None:
    schema = _schema("traefik-v3-file-provider.json")
    document = yaml.safe_load(DYNAMIC_FILE.read_text())
    jsonschema.validate(document, schema)
    routers = document["http"]["routers"]
    assert set(routers) == {route.name for route in ROUTES}
    assert routers["auth-login"]["middlewares"][2] == "ratelimit-auth-login"
    assert document["http"]["middlewares"]["strip-api"]["stripPrefix"]["prefixes"] == ["/api"]
    service = document["http"]["services"]["tracker"]["loadBalancer"]
    assert service["servers"] == [{"url": "http://tracker:8000"}]
    assert service["healthCheck"]["path"] == "/healthz"


def test_a_broken_document_fails_the_schema() -> None:
    schema = _schema("traefik-v3-file-provider.json")
    document = yaml.safe_load(DYNAMIC_FILE.read_text())
    document["http"]["routers"]["auth"]["rules"] = "typo"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_kubernetes_objects_validate_against_the_traefik_crds() -> None:
    crd_path = SCHEMAS / "traefik-crds-v1.yml"
    if not crd_path.exists():
        pytest.skip(f"CRDs {crd_path} not present (shared/data is laid beside the repo)")
    crds = {
        doc["spec"]["names"]["kind"]: doc["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
        for doc in yaml.safe_load_all(crd_path.read_text())
        if doc
    }
    objects = render_kubernetes(namespace="jobhunt", redis_endpoints=["redis:6379"])
    kinds = [obj["kind"] for obj in objects]
    assert kinds.count("IngressRoute") == 1
    for obj in objects:
        jsonschema.validate(obj["spec"], crds[obj["kind"]]["properties"]["spec"])
    ingress = objects[-1]
    assert [r["services"][0]["name"] for r in ingress["spec"]["routes"]] == [
        r.service for r in ROUTES
    ]
    limited = [o for o in objects if "rateLimit" in o["spec"]]
    assert all(o["spec"]["rateLimit"]["redis"]["endpoints"] == ["redis:6379"] for o in limited)
