"""The kustomize overlays: rendered with kubectl, validated with kubernetes-validate and the
Traefik CRD schemas, and checked for the properties each overlay promises."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
KUBERNETES_VERSION = "1.33.0"
APP_SERVICES = ("tracker", "keyword-analyzer", "sheets-sync")
TRAEFIK_GROUP = "traefik.io/"

Resource = dict[str, Any]


def _render(overlay: str) -> list[Resource]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed: it renders the kustomize overlays")
    result = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def dev() -> list[Resource]:
    return _render("dev")


@pytest.fixture(scope="module")
def prod() -> list[Resource]:
    return _render("prod")


def _of_kind(resources: list[Resource], kind: str) -> dict[str, Resource]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def _app_container(workload: Resource) -> Resource:
    (container,) = [
        c for c in workload["spec"]["template"]["spec"]["containers"] if c["name"] == "app"
    ]
    return container


def _kubernetes_validate(resource: Resource) -> None:
    from kubernetes_validate import utils

    utils.validate(resource, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_standard_resources_validate(overlay: str, request: pytest.FixtureRequest) -> None:
    pytest.importorskip("kubernetes_validate", reason="kubernetes-validate is in the dev group")
    resources: list[Resource] = request.getfixturevalue(overlay)
    standard = [r for r in resources if not r["apiVersion"].startswith(TRAEFIK_GROUP)]
    assert len(standard) >= 10
    for resource in standard:
        _kubernetes_validate(resource)


def test_kubernetes_validate_catches_a_broken_deployment(prod: list[Resource]) -> None:
    pytest.importorskip("kubernetes_validate", reason="kubernetes-validate is in the dev group")
    from kubernetes_validate import utils

    broken = dict(_of_kind(prod, "Deployment")["tracker"])
    broken["spec"] = {**broken["spec"], "replicas": "two"}
    with pytest.raises(utils.ValidationError):
        _kubernetes_validate(broken)


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_traefik_resources_validate_against_the_crds(
    overlay: str,
    request: pytest.FixtureRequest,
    traefik_crd_schemas: dict[str, dict[str, Any]],
) -> None:
    resources: list[Resource] = request.getfixturevalue(overlay)
    traefik = [r for r in resources if r["apiVersion"].startswith(TRAEFIK_GROUP)]
    # The route table's IngressRoute, and the gateway's (/health, /openapi.json, /docs).
    assert Counter(r["kind"] for r in traefik)["IngressRoute"] == 2
    for resource in traefik:
        schema = traefik_crd_schemas[resource["kind"]]
        errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(resource)]
        assert errors == [], (resource["metadata"]["name"], errors)


def test_crd_schema_rejects_an_unknown_middleware_field(
    traefik_crd_schemas: dict[str, dict[str, Any]],
) -> None:
    spec_schema = traefik_crd_schemas["Middleware"]["properties"]["spec"]
    bad = {"rateLimit": {"average": "many", "burst": 1}}
    assert list(jsonschema.Draft7Validator(spec_schema).iter_errors(bad))


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_ingress_route_points_at_existing_services_and_middlewares(
    overlay: str, request: pytest.FixtureRequest
) -> None:
    resources: list[Resource] = request.getfixturevalue(overlay)
    services = _of_kind(resources, "Service")
    middlewares = _of_kind(resources, "Middleware")
    kinds = {"stripPrefix", "headers", "rateLimit"}
    assert kinds <= {key for m in middlewares.values() for key in m["spec"]}
    for route in _of_kind(resources, "IngressRoute").values():
        for rule in route["spec"]["routes"]:
            for middleware in rule["middlewares"]:
                assert middleware["name"] in middlewares
            for backend in rule["services"]:
                ports = {p["port"] for p in services[backend["name"]]["spec"]["ports"]}
                assert backend["port"] in ports


def test_dev_runs_each_service_as_one_sqlite_statefulset(dev: list[Resource]) -> None:
    assert set(_of_kind(dev, "Deployment")) == {"gateway"}  # stateless
    statefulsets = _of_kind(dev, "StatefulSet")
    assert set(statefulsets) == set(APP_SERVICES)
    for name, workload in statefulsets.items():
        spec = workload["spec"]
        assert spec["replicas"] == 1
        (claim,) = spec["volumeClaimTemplates"]
        assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
        container = _app_container(workload)
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        assert mounts[claim["metadata"]["name"]] == "/var/lib/jobhunt"
        assert not any("DATABASE_URL" in e["name"] for e in container.get("env", []))
        (migrate,) = spec["template"]["spec"]["initContainers"]
        assert migrate["args"][:2] == ["jobhunt", "migrate"]
        assert migrate["args"][2].replace("_", "-") == name
        assert {"name": "data", "mountPath": "/var/lib/jobhunt"} in migrate["volumeMounts"]


def test_prod_runs_replicated_postgres_deployments(prod: list[Resource]) -> None:
    assert _of_kind(prod, "StatefulSet") == {}
    deployments = _of_kind(prod, "Deployment")
    assert set(APP_SERVICES) <= set(deployments)
    for name in APP_SERVICES:
        workload = deployments[name]
        assert workload["spec"]["replicas"] >= 2
        env = {e["name"]: e for e in _app_container(workload)["env"]}
        (url,) = [e for key, e in env.items() if key.endswith("_DATABASE_URL")]
        assert url["valueFrom"]["secretKeyRef"]["name"] == "jobhunt-database-urls"
    sheets_env = {e["name"]: e for e in _app_container(deployments["sheets-sync"])["env"]}
    assert sheets_env["SHEETS_SCHEDULER_ENABLED"]["value"] == "false"
    gateway = deployments["gateway"]
    assert gateway["spec"]["replicas"] >= 2
    (container,) = gateway["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["JOBHUNT_REDIS_URL"] == "redis://redis:6379/0"


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_service_pods_are_probed_limited_and_unprivileged(
    overlay: str, request: pytest.FixtureRequest
) -> None:
    resources: list[Resource] = request.getfixturevalue(overlay)
    workloads = {**_of_kind(resources, "Deployment"), **_of_kind(resources, "StatefulSet")}
    for name in APP_SERVICES:
        pod = workloads[name]["spec"]["template"]["spec"]
        container = _app_container(workloads[name])
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
        assert {"cpu", "memory"} <= container["resources"]["limits"].keys()
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        config = [e["configMapRef"]["name"] for e in container["envFrom"]]
        assert all(c in _of_kind(resources, "ConfigMap") for c in config)


def test_prod_has_a_budget_per_service_and_jobs(prod: list[Resource]) -> None:
    budgets = _of_kind(prod, "PodDisruptionBudget")
    deployments = _of_kind(prod, "Deployment")
    for name in (*APP_SERVICES, "gateway"):
        budget = budgets[name]
        assert budget["spec"]["minAvailable"] < deployments[name]["spec"]["replicas"]
        assert (
            budget["spec"]["selector"]["matchLabels"]
            == (deployments[name]["spec"]["selector"]["matchLabels"])
        )
    (job,) = _of_kind(prod, "Job").values()
    pod = job["spec"]["template"]["spec"]
    migrated = [c["args"][2] for c in pod["initContainers"] + pod["containers"]]
    assert migrated == ["tracker", "keyword_analyzer", "sheets_sync"]
    (cron,) = _of_kind(prod, "CronJob").values()
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    script = _of_kind(prod, "ConfigMap")
    assert any("sheets_sync_due.py" in c.get("data", {}) for c in script.values())


def test_prod_rate_limits_are_shared_through_redis(prod: list[Resource]) -> None:
    middlewares = _of_kind(prod, "Middleware")
    limits = [m["spec"]["rateLimit"] for m in middlewares.values() if "rateLimit" in m["spec"]]
    assert limits
    redis_service = _of_kind(prod, "Service")["redis"]
    for limit in limits:
        (endpoint,) = limit["redis"]["endpoints"]
        host, port = endpoint.split(":")
        assert host.split(".")[:2] == ["redis", redis_service["metadata"]["namespace"]]
        assert int(port) == redis_service["spec"]["ports"][0]["port"]


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_only_the_edge_reaches_the_services(overlay: str, request: pytest.FixtureRequest) -> None:
    resources: list[Resource] = request.getfixturevalue(overlay)
    policies = _of_kind(resources, "NetworkPolicy")
    deny = policies["default-deny-ingress"]["spec"]
    assert deny["podSelector"] == {}
    assert "ingress" not in deny
    edge = policies["allow-edge-to-services"]["spec"]
    traefik, gateway = edge["ingress"][0]["from"]
    assert traefik["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "traefik"}
    assert gateway == {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}}
    # Only Traefik reaches the gateway (and, in prod, Redis, which the gateway shares).
    for name in ("allow-edge-to-gateway", "allow-edge-to-redis"):
        if name in policies:
            sources = policies[name]["spec"]["ingress"][0]["from"]
            assert sources[0]["namespaceSelector"]["matchLabels"] == {
                "kubernetes.io/metadata.name": "traefik"
            }
    # Every other allowance admits only the tracker's own clients to the tracker.
    known = {
        "default-deny-ingress",
        "allow-edge-to-services",
        "allow-edge-to-gateway",
        "allow-edge-to-redis",
    }
    others = {n: p for n, p in policies.items() if n not in known}
    assert others
    for policy in others.values():
        assert policy["spec"]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "tracker"}
