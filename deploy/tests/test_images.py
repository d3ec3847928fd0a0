"""The Dockerfile: hadolint-clean, non-root, a health check, a lean build context."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
ENTRYPOINT = DEPLOY / "docker" / "entrypoint.sh"


def _stages(text: str) -> dict[str, list[str]]:
    stages: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        match = re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.IGNORECASE)
        if match:
            current = match.group(1)
            stages[current] = []
        elif current:
            stages[current].append(line)
    return stages


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint not installed (it comes with the dev group: uv sync --all-packages)")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_catch_a_bad_dockerfile(tmp_path: Path) -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint not installed (it comes with the dev group: uv sync --all-packages)")
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\n")
    result = subprocess.run([hadolint, str(bad)], capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "DL3007" in result.stdout


def test_runtime_stages_are_lean_non_root_and_health_checked() -> None:
    stages = _stages(DOCKERFILE.read_text())
    assert {"build", "runtime", "service", "gateway", "cli"} <= stages.keys()
    runtime = "\n".join(stages["runtime"])
    # The final image never gets uv, a compiler or the build cache.
    assert "COPY --from=uv" not in runtime
    assert "apt-get" not in runtime
    assert re.search(r"^USER 10001", runtime, re.MULTILINE)
    build = "\n".join(stages["build"])
    assert "uv sync --frozen --no-dev" in build
    for target in ("service", "gateway"):
        body = "\n".join(stages[target])
        assert "HEALTHCHECK" in body, target
        assert "/healthz" in body, target
    assert "uvicorn --factory" in "\n".join(stages["service"])
    assert '"python", "-m", "gateway"' in "\n".join(stages["gateway"])


def test_every_workspace_member_manifest_is_copied_for_the_dependency_layer() -> None:
    text = DOCKERFILE.read_text()
    members = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    assert members["members"]
    for member in members["members"]:
        assert f"COPY {member}/pyproject.toml {member}/" in text, member


def test_build_context_excludes_secrets_tests_and_local_state() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    patterns = ("**/tests/", "**/*.pem", "**/*.key", "**/.venv/", "/data/", "**/.env", "**/_mypyc/")
    for pattern in patterns:
        assert pattern in ignore, pattern


def test_the_extraction_is_compiled_with_the_locked_mypy_and_setuptools() -> None:
    """The build stage compiles the keyword analyzer with mypy and setuptools at the
    versions uv.lock gives the dev group (the Dockerfile names them, outside the lock)."""
    text = DOCKERFILE.read_text()
    locked = {
        package["name"]: package["version"]
        for package in tomllib.loads((REPO / "uv.lock").read_text())["package"]
    }
    for name in ("mypy", "setuptools"):
        argument = re.search(rf"^ARG {name.upper()}_VERSION=(\S+)$", text, re.MULTILINE)
        assert argument is not None, name
        assert argument.group(1) == locked[name], name
    assert "python -m keyword_analyzer.native" in "\n".join(_stages(text)["build"])


def _run_entrypoint(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    sh = shutil.which("sh")
    if sh is None:
        pytest.skip("no POSIX sh on this machine")
    return subprocess.run(
        [sh, str(ENTRYPOINT), "sh", "-c", 'printf "%s|%s" "$TRACKER_DATABASE_URL" "$X"'],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_entrypoint_reads_database_urls_from_secret_files(tmp_path: Path) -> None:
    secret = tmp_path / "tracker_database_url"
    secret.write_text("postgresql://jobhunt:s3cret@postgres:5432/tracker\n")
    result = _run_entrypoint({"TRACKER_DATABASE_URL_FILE": str(secret), "X": "kept"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "postgresql://jobhunt:s3cret@postgres:5432/tracker|kept"


def test_entrypoint_leaves_an_empty_file_setting_alone() -> None:
    result = _run_entrypoint({"TRACKER_DATABASE_URL_FILE": "", "X": "x"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "|x"


def test_entrypoint_names_the_setting_when_the_secret_is_missing(tmp_path: Path) -> None:
    result = _run_entrypoint({"TRACKER_DATABASE_URL_FILE": str(tmp_path / "absent")})
    assert result.returncode == 78
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "TRACKER_DATABASE_URL_FILE=" in lines[0]
