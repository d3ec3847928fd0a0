"""docker-compose.yml and the Traefik files it mounts, checked against the published schemas."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE_FILES = [REPO / "docker-compose.yml"]
APP_SERVICES = ("tracker", "keyword-analyzer", "sheets-sync")


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _errors(schema: dict[str, Any], document: Any) -> list[str]:
    # compose-spec and SchemaStore say draft-07 (spelt variously); the CRDs' OpenAPI v3
    # schemas say nothing and are closest to draft-07 too.
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{error.json_path}: {error.message[:300]}"
        for error in sorted(validator.iter_errors(document), key=str)
    ]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = _load(REPO / "docker-compose.yml")
    return document


@pytest.fixture(scope="module")
def postgres_env() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "compose" / "postgres.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_compose_file_is_valid_against_compose_spec(
    path: Path, compose_schema: dict[str, Any]
) -> None:
    assert _errors(compose_schema, _load(path)) == []


def test_compose_schema_rejects_a_broken_service(
    compose: dict[str, Any], compose_schema: dict[str, Any]
) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["tracker"]["restart_policy"] = "always"
    broken["services"]["tracker"]["depends_on"]["tracker-migrate"]["condition"] = "done"
    assert len(_errors(compose_schema, broken)) >= 2


def test_each_service_waits_for_its_migrations(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in APP_SERVICES:
        service = services[name]
        migrate = services[f"{name}-migrate"]
        assert service["depends_on"][f"{name}-migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert migrate["command"][:2] == ["jobhunt", "migrate"]
        assert migrate["command"][2].replace("_", "-") == name
        assert migrate["restart"] == "no"
        # The migration writes the very file the service then reads.
        assert migrate["volumes"] == service["volumes"]
        assert migrate["environment"] == service["environment"]


def test_each_service_has_a_volume_healthcheck_and_restart_policy(compose: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert service["restart"] == "unless-stopped"
        assert "/readyz" in " ".join(service["healthcheck"]["test"])
        (volume,) = service["volumes"]
        source, target = volume.split(":")
        assert source in compose["volumes"]
        assert target == "/var/lib/jobhunt"
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"


def test_keys_are_compose_secrets_never_environment_literals(compose: dict[str, Any]) -> None:
    declared = compose["secrets"]
    for name, service in compose["services"].items():
        for secret in service.get("secrets", []):
            assert secret in declared, (name, secret)
        for key, value in (service.get("environment") or {}).items():
            text = str(value)
            assert "BEGIN" not in text, (name, key)
            assert "postgresql://" not in text, (name, key)
            if key.endswith(("_KEY_FILE", "_URL_FILE")) and text and not text.startswith("${"):
                assert text.startswith("/run/secrets/"), (name, key, text)
                assert text.removeprefix("/run/secrets/") in service["secrets"], (name, key)
    tracker_env = compose["services"]["tracker"]["environment"]
    assert tracker_env["TRACKER_JWT_PRIVATE_KEY_FILE"] == "/run/secrets/jwt_private"
    assert tracker_env["JOBHUNT_JWT_PUBLIC_KEY_FILE"] == "/run/secrets/jwt_public"
    sheets_env = compose["services"]["sheets-sync"]["environment"]
    assert sheets_env["SHEETS_ENCRYPTION_KEY_FILE"] == "/run/secrets/sheets_encryption_key"


def test_postgres_profile_switches_every_service(
    compose: dict[str, Any], postgres_env: dict[str, str]
) -> None:
    services = compose["services"]
    assert services["postgres"]["profiles"] == ["postgres"]
    assert services["redis"]["profiles"] == ["postgres"]
    assert postgres_env["COMPOSE_PROFILES"] == "postgres"
    raw = (REPO / "docker-compose.yml").read_text()
    databases = set(
        re.findall(r"CREATE DATABASE (\w+)", (DEPLOY / "compose" / "postgres-init.sql").read_text())
    )
    assert databases == {"tracker", "keyword_analyzer", "sheets_sync"}
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        (setting,) = [key for key in environment if key.endswith("_DATABASE_URL_FILE")]
        variable = re.fullmatch(r"\$\{(\w+):-\}", environment[setting])
        assert variable, (name, environment[setting])
        secret_path = postgres_env[variable.group(1)]
        assert secret_path.removeprefix("/run/secrets/") in services[name]["secrets"]
        # The migration waits for PostgreSQL when the profile runs it, and only then.
        dependency = services[f"{name}-migrate"]["depends_on"]["postgres"]
        assert dependency == {"condition": "service_healthy", "required": False}
    assert "${JOBHUNT_TRAEFIK_DYNAMIC:-./deploy/traefik/dynamic.yml}" in raw
    assert postgres_env["JOBHUNT_TRAEFIK_DYNAMIC"] == "./deploy/traefik/dynamic-redis.yml"
    assert (REPO / postgres_env["JOBHUNT_TRAEFIK_DYNAMIC"]).is_file()


def test_traefik_routes_to_hosts_that_compose_runs(compose: dict[str, Any]) -> None:
    dynamic_path = DEPLOY / "traefik" / "dynamic.yml"
    if not dynamic_path.exists():
        pytest.skip("deploy/traefik/dynamic.yml not generated yet (python -m gateway.traefik)")
    for path in (
        dynamic_path,
        DEPLOY / "traefik" / "dynamic-redis.yml",
        DEPLOY / "traefik" / "gateway.yml",
    ):
        dynamic = _load(path)
        for service in dynamic["http"]["services"].values():
            for server in service["loadBalancer"]["servers"]:
                host = urlsplit(server["url"]).hostname
                assert host in compose["services"], (path.name, host)
                assert "edge" in compose["services"][host]["networks"]
    traefik = compose["services"]["traefik"]
    assert "edge" in traefik["networks"]
    assert compose["networks"]["data"]["internal"] is True


def test_traefik_static_config_is_valid(traefik_static_schema: dict[str, Any]) -> None:
    static = _load(DEPLOY / "traefik" / "traefik.yml")
    assert _errors(traefik_static_schema, static) == []
    assert static["entryPoints"]["web"]["address"] == ":80"
    assert static["providers"]["file"]["directory"] == "/etc/traefik/dynamic"
    assert "ping" in static
    assert "accessLog" in static


def test_traefik_static_schema_rejects_a_typo(traefik_static_schema: dict[str, Any]) -> None:
    static = _load(DEPLOY / "traefik" / "traefik.yml")
    static["entryPoints"]["web"]["adress"] = ":81"
    assert _errors(traefik_static_schema, static)


def test_compose_mounts_the_static_config_where_traefik_reads_it(compose: dict[str, Any]) -> None:
    traefik = compose["services"]["traefik"]
    assert "./deploy/traefik/traefik.yml:/etc/traefik/traefik.yml:ro" in traefik["volumes"]
    mounted = {volume.split(":")[-2] for volume in traefik["volumes"]}
    assert {"/etc/traefik/dynamic/dynamic.yml", "/etc/traefik/dynamic/gateway.yml"} <= mounted
    assert traefik["command"] == ["--configFile=/etc/traefik/traefik.yml"]
    assert traefik["image"].startswith("traefik:")


@pytest.mark.parametrize("name", ["dynamic.yml", "dynamic-redis.yml", "gateway.yml"])
def test_traefik_dynamic_files_are_valid(
    name: str,
    traefik_file_provider_schema: dict[str, Any],
    traefik_crd_schemas: dict[str, dict[str, Any]],
) -> None:
    path = DEPLOY / "traefik" / name
    if not path.exists():
        pytest.skip(f"deploy/traefik/{name} not generated yet")
    dynamic = _load(path)
    # SchemaStore's file-provider schema predates rateLimit.redis (Traefik 3.4): check the
    # Redis blocks against the Middleware CRD, which has the same field names, and the
    # rest against the file-provider schema.
    redis_blocks = []
    for middleware in dynamic["http"].get("middlewares", {}).values():
        rate_limit = middleware.get("rateLimit")
        if rate_limit and "redis" in rate_limit:
            redis_blocks.append(rate_limit.pop("redis"))
            crd_spec = {"rateLimit": {**rate_limit, "redis": redis_blocks[-1]}}
            spec_schema = traefik_crd_schemas["Middleware"]["properties"]["spec"]
            assert _errors(spec_schema, crd_spec) == []
    assert _errors(traefik_file_provider_schema, dynamic) == []
    assert bool(redis_blocks) == (name == "dynamic-redis.yml")


def test_gateway_routes_use_middlewares_the_generated_file_defines(compose: dict[str, Any]) -> None:
    dynamic_path = DEPLOY / "traefik" / "dynamic.yml"
    if not dynamic_path.exists():
        pytest.skip("deploy/traefik/dynamic.yml not generated yet (python -m gateway.traefik)")
    defined = set(_load(dynamic_path)["http"]["middlewares"])
    extras = _load(DEPLOY / "traefik" / "gateway.yml")["http"]
    for router in extras["routers"].values():
        assert set(router["middlewares"]) <= defined
        assert router["service"] in extras["services"]
    gateway = compose["services"]["gateway"]
    environment = gateway["environment"]
    for setting in ("JOBHUNT_TRACKER_URL", "JOBHUNT_KEYWORDS_URL", "JOBHUNT_SHEETS_URL"):
        host = urlsplit(environment[setting]).hostname
        assert host in compose["services"], setting
    assert gateway["build"]["target"] == "gateway"


def test_file_provider_schema_rejects_an_unknown_middleware_field(
    traefik_file_provider_schema: dict[str, Any],
) -> None:
    dynamic = {"http": {"middlewares": {"x": {"stripPrefix": {"prefixes": ["/a"], "strip": 1}}}}}
    assert _errors(traefik_file_provider_schema, dynamic)


def test_file_provider_schema_still_lags_redis_rate_limits(
    traefik_file_provider_schema: dict[str, Any],
) -> None:
    """Why dynamic-redis.yml is checked against the CRD: when this fails, SchemaStore caught up
    and the whole file can be validated against the file-provider schema."""
    redis_limit = {"rateLimit": {"average": 1, "redis": {"endpoints": ["redis:6379"]}}}
    assert _errors(traefik_file_provider_schema, {"http": {"middlewares": {"x": redis_limit}}})


def test_image_build_args_name_real_packages_and_apps(compose: dict[str, Any]) -> None:
    import importlib
    import tomllib

    members = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    names = {
        tomllib.loads((REPO / member / "pyproject.toml").read_text())["project"]["name"]
        for member in members["members"]
    }
    built = {name: s["build"] for name, s in compose["services"].items() if "build" in s}
    assert {"tracker", "keyword-analyzer", "sheets-sync", "gateway", "tracker-migrate"} <= set(
        built
    )
    for name, build in built.items():
        assert set(build["args"]["PACKAGES"].split()) <= names, name
        app = build["args"].get("APP")
        if app is not None:
            assert build["target"] == "service"
            assert callable(importlib.import_module(f"{app}.main").create_app), name
