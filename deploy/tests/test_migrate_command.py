"""The one-shot migration command that Compose and Kubernetes run is the real CLI's."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

from jobhunt_common.migrations import head_revisions

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
MIGRATE_COMMANDS = {
    name: service["command"]
    for name, service in COMPOSE["services"].items()
    if name.endswith("-migrate")
}


def _k8s_migrate_args() -> list[list[str]]:
    args = []
    for path in (REPO / "deploy" / "k8s" / "overlays").glob("*/*.yaml"):
        for document in yaml.safe_load_all(path.read_text()):
            if not document or document.get("kind") not in {"Job", "StatefulSet"}:
                continue
            pod = document["spec"]["template"]["spec"]
            for container in pod.get("initContainers", []) + pod["containers"]:
                if container.get("args", [None])[:2] == ["jobhunt", "migrate"]:
                    args.append(container["args"])
    return args


def test_kubernetes_runs_the_same_commands_as_compose() -> None:
    compose_commands = sorted(MIGRATE_COMMANDS.values())
    k8s = _k8s_migrate_args()
    assert len(k8s) == 2 * len(compose_commands)  # dev init containers + the prod Job
    assert sorted(map(list, {tuple(a) for a in k8s})) == compose_commands


@pytest.mark.parametrize("name", sorted(MIGRATE_COMMANDS))
def test_compose_migrate_command_migrates_the_service_database(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    typer_testing = pytest.importorskip("typer.testing", reason="the CLI is not installed")
    cli_main = pytest.importorskip("jobhunt_cli.main", reason="the CLI has no main yet")
    from jobhunt_cli.services import find_service

    argv = MIGRATE_COMMANDS[name]
    assert argv[:2] == ["jobhunt", "migrate"]
    service = find_service(argv[2])
    reason = service.unavailable_reason()
    if reason is not None:
        pytest.skip(f"{service.name} cannot run here yet: {reason}")
    for variable in ("TRACKER_DATABASE_URL", "KEYWORDS_DATABASE_URL", "SHEETS_DATABASE_URL"):
        monkeypatch.delenv(variable, raising=False)
    result: Any = typer_testing.CliRunner().invoke(
        cli_main.app, argv[1:], env={"JOBHUNT_DATA_DIR": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    database = tmp_path / f"{service.name}.db"
    assert database.is_file()

    with sqlite3.connect(database) as connection:
        revisions = {
            row[0] for row in connection.execute("SELECT version_num FROM alembic_version")
        }
    assert revisions == head_revisions(service.migrations_dir())
