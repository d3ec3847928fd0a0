"""Fixtures for the deploy checks: the repository paths and the shared JSON schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
# ../shared next to the work tree (CI lays a copy beside its clone).
SCHEMAS = REPO.parent / "shared" / "data" / "schemas"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


def _schema_file(name: str) -> Path:
    path = SCHEMAS / name
    if not path.is_file():
        pytest.skip(f"schema {name} not found in {SCHEMAS} (shared/data/schemas is not laid out)")
    return path


@pytest.fixture(scope="session")
def compose_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(_schema_file("compose-spec.json").read_text())
    return schema


@pytest.fixture(scope="session")
def traefik_static_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(_schema_file("traefik-v3.json").read_text())
    return schema


@pytest.fixture(scope="session")
def traefik_file_provider_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(_schema_file("traefik-v3-file-provider.json").read_text())
    return schema


@pytest.fixture(scope="session")
def traefik_crd_schemas() -> dict[str, dict[str, Any]]:
    """The openAPIV3Schema of each Traefik CRD, by kind."""
    schemas: dict[str, dict[str, Any]] = {}
    for crd in yaml.safe_load_all(_schema_file("traefik-crds-v1.yml").read_text()):
        if not crd:
            continue
        version = next(v for v in crd["spec"]["versions"] if v.get("served", True))
        schemas[crd["spec"]["names"]["kind"]] = version["schema"]["openAPIV3Schema"]
    return schemas
