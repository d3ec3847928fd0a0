"""What the tracker's containers run, run here without Docker: the Dockerfile's entrypoint
and CMD, the Compose environment and secrets, the migrate command, the health checks.

Only the port changes (8000 inside a container; a free port here), and the paths under
``/run/secrets`` and ``/var/lib/jobhunt`` point into a temp dir.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from jobhunt_common.testing import create_postgres_database, drop_postgres_database

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
ENTRYPOINT = DEPLOY / "docker" / "entrypoint.sh"
START_TIMEOUT_SECONDS = 90.0
pytestmark = pytest.mark.e2e


def _stage_instructions(stage: str) -> dict[str, list[str]]:
    """The exec-form CMD and HEALTHCHECK CMD of a Dockerfile stage."""
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    body = text.split(f" AS {stage}\n", 1)[1].split("\nFROM ", 1)[0]
    found: dict[str, list[str]] = {}
    for line in body.splitlines():
        health = re.match(r"HEALTHCHECK .*?CMD (\[.*\])$", line)
        command = re.match(r"CMD (\[.*\])$", line)
        if health:
            found["healthcheck"] = json.loads(health.group(1))
        elif command:
            found["cmd"] = json.loads(command.group(1))
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _at_port(argv: list[str], port: int) -> list[str]:
    return [arg.replace("8000", str(port)).replace("0.0.0.0", "127.0.0.1") for arg in argv]


def _compose_environment(service: str, profile_env: dict[str, str], root: Path) -> dict[str, str]:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    environment: dict[str, Any] = compose["services"][service]["environment"]
    resolved = {}
    for key, value in environment.items():
        text = str(value)
        default = re.fullmatch(r"\$\{(\w+):-([^}]*)\}", text)
        if default:
            text = profile_env.get(default.group(1), default.group(2))
        text = text.replace("/run/secrets/", f"{root / 'secrets'}/")
        text = text.replace("/var/lib/jobhunt", str(root / "data"))
        resolved[key] = text
    return resolved


def _postgres_env() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "compose" / "postgres.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def _make_secrets(directory: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_secrets", DEPLOY / "compose" / "make_secrets.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make_secrets(directory)
    # Compose file secrets are mounted by name (no extension).
    for source, name in (
        ("jwt_private.pem", "jwt_private"),
        ("jwt_public.pem", "jwt_public"),
        ("sheets_encryption.key", "sheets_encryption_key"),
    ):
        shutil.copyfile(directory / source, directory / name)


@pytest.fixture(params=["sqlite", "postgres"])
def tracker_environment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The tracker container's environment as Compose gives it (default or postgres profile)."""
    if shutil.which("sh") is None:
        pytest.skip("no POSIX sh on this machine")
    pytest.importorskip("tracker.main", reason="the tracker is not installed")
    pytest.importorskip("jobhunt_cli.main", reason="the CLI is not installed")
    _make_secrets(tmp_path / "secrets")
    (tmp_path / "data").mkdir()
    database_url = None
    profile_env: dict[str, str] = {}
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_url")
        database_url = create_postgres_database(server)
        (tmp_path / "secrets" / "tracker_database_url").write_text(database_url)
        profile_env = _postgres_env()
    env = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        **_compose_environment("tracker", profile_env, tmp_path),
    }
    yield env
    if database_url is not None:
        drop_postgres_database(request.getfixturevalue("postgres_url"), database_url)


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_tracker_container_migrates_serves_and_passes_its_health_checks(
    tracker_environment: dict[str, str], tmp_path: Path
) -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    env = {**tracker_environment, "JOBHUNT_APP": "tracker"}

    migrated = _run(compose["services"]["tracker-migrate"]["command"], env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr

    port = _free_port()
    service = _stage_instructions("service")
    log = (tmp_path / "tracker.log").open("wb")
    process = subprocess.Popen(
        ["sh", str(ENTRYPOINT), *_at_port(service["cmd"], port)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        ready = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
                if ready.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)  # polling a starting process, bounded by the deadline
        assert ready is not None, (tmp_path / "tracker.log").read_text()
        assert ready.status_code == 200, ready.text
        expected = "postgresql" if env.get("TRACKER_DATABASE_URL_FILE") else "sqlite"
        assert ready.json()["database"] == expected

        image_check = _run(_at_port(service["healthcheck"], port), env)
        assert image_check.returncode == 0, image_check.stderr
        compose_check = _run(
            _at_port(compose["services"]["tracker"]["healthcheck"]["test"][1:], port), env
        )
        assert compose_check.returncode == 0, compose_check.stderr
        registered = httpx.post(
            f"http://127.0.0.1:{port}/auth/register",
            json={"email": "ops@example.com", "password": "a long enough passphrase"},
            timeout=30,
        )
        assert registered.status_code == 201, registered.text
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    if expected == "sqlite":
        assert (tmp_path / "data" / "tracker.db").is_file()


def test_gateway_container_starts_and_passes_its_health_check(tmp_path: Path) -> None:
    if shutil.which("sh") is None:
        pytest.skip("no POSIX sh on this machine")
    pytest.importorskip("gateway.__main__", reason="the gateway is not installed")
    _make_secrets(tmp_path / "secrets")
    (tmp_path / "data").mkdir()
    port = _free_port()
    gateway = _stage_instructions("gateway")
    env = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        **_compose_environment("gateway", {}, tmp_path),
        # The image sets these (ENV); the port is a free one here.
        "JOBHUNT_HOST": "127.0.0.1",
        "JOBHUNT_PORT": str(port),
    }
    log = (tmp_path / "gateway.log").open("wb")
    process = subprocess.Popen(
        ["sh", str(ENTRYPOINT), *gateway["cmd"]],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        alive = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                alive = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.3)  # polling a starting process, bounded by the deadline
        assert alive is not None, (tmp_path / "gateway.log").read_text()
        assert alive.status_code == 200
        check = _run(_at_port(gateway["healthcheck"], port), env)
        assert check.returncode == 0, check.stderr
        # The services' Compose host names do not resolve here: reported, never a 500.
        health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=30)
        assert health.status_code == 503, health.text
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
