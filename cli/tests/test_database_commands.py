from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cli_helpers import Invoke

from jobhunt_cli.services import SERVICES


def available() -> list[str]:
    return [s.name for s in SERVICES if s.unavailable_reason() is None]


@pytest.fixture
def data_dir(tmp_path: Path, jobhunt: Invoke) -> Path:
    if not available():
        pytest.skip("no service package has main.create_app yet")
    result = jobhunt("migrate")
    assert result.exit_code == 0, result.output
    return tmp_path / "data"


def rows(path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT id, note FROM probe ORDER BY id").fetchall()


def add_probe_rows(path: Path, count: int) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, note TEXT)")
        connection.executemany("INSERT INTO probe (note) VALUES (?)", [("x",)] * count)


def test_migrate_brings_every_available_service_to_head(data_dir: Path, jobhunt: Invoke) -> None:
    for name in available():
        with sqlite3.connect(data_dir / f"{name}.db") as connection:
            (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        assert revision
    again = jobhunt("migrate", available()[0])
    assert again.exit_code == 0
    assert again.stdout.startswith(f"{available()[0]}: at head")


def test_migrate_an_unknown_service_is_a_usage_error(jobhunt: Invoke) -> None:
    result = jobhunt("migrate", "payroll")
    assert result.exit_code == 2
    assert "no service called 'payroll'" in result.stderr


def test_backup_then_restore_round_trip(data_dir: Path, jobhunt: Invoke, tmp_path: Path) -> None:
    database = data_dir / f"{available()[0]}.db"
    add_probe_rows(database, 3)

    result = jobhunt("backup", str(tmp_path / "backups"), "--json")
    assert result.exit_code == 0, result.output
    backup = json.loads(result.stdout)
    folder = Path(backup["path"])
    assert {entry["integrity"] for entry in backup["databases"]} == {"ok"}
    assert {entry["file"] for entry in backup["databases"]} >= {f"{n}.db" for n in available()}
    assert (folder / "keys").is_dir() is (data_dir / "keys").is_dir()

    add_probe_rows(database, 2)
    restored = jobhunt("restore", str(folder))

    assert restored.exit_code == 0, restored.output
    assert rows(database) == [(1, "x"), (2, "x"), (3, "x")]


def test_backup_is_consistent_while_a_writer_is_busy(
    data_dir: Path, jobhunt: Invoke, tmp_path: Path
) -> None:
    database = data_dir / f"{available()[0]}.db"
    add_probe_rows(database, 1)
    stop = threading.Event()

    def write() -> None:
        connection = sqlite3.connect(database, timeout=5)
        connection.execute("PRAGMA journal_mode=WAL")
        while not stop.is_set():
            with connection:  # each transaction inserts a pair: a snapshot holds whole pairs
                connection.executemany("INSERT INTO probe (note) VALUES (?)", [("a",), ("b",)])
        connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        result = jobhunt("backup", str(tmp_path / "backups"), "--json")
    finally:
        stop.set()
        writer.join()

    assert result.exit_code == 0, result.output
    copy = Path(json.loads(result.stdout)["path"]) / database.name
    assert (len(rows(copy)) - 1) % 2 == 0


def test_restore_refuses_while_the_stack_runs(
    data_dir: Path, jobhunt: Invoke, tmp_path: Path
) -> None:
    folder = Path(json.loads(jobhunt("backup", str(tmp_path / "b"), "--json").stdout)["path"])
    state = data_dir / "run" / "stack.json"
    state.parent.mkdir(exist_ok=True)
    # Stands in for a running `jobhunt up` (its command line names jobhunt).
    supervisor = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "jobhunt"])
    try:
        state.write_text(json.dumps({"pid": supervisor.pid, "children": {}}))
        refused = jobhunt("restore", str(folder))
        forced = jobhunt("restore", str(folder), "--force")
        state.write_text(json.dumps({"pid": os.getpid(), "children": {}}))  # not jobhunt
        stale = jobhunt("restore", str(folder))
    finally:
        supervisor.kill()
        supervisor.wait()

    assert refused.exit_code == 2
    assert "the stack is running" in refused.stderr
    assert forced.exit_code == 0, forced.output
    assert stale.exit_code == 0, stale.output


def test_restore_refuses_a_damaged_backup(data_dir: Path, jobhunt: Invoke, tmp_path: Path) -> None:
    folder = Path(json.loads(jobhunt("backup", str(tmp_path / "b"), "--json").stdout)["path"])
    damaged = folder / f"{available()[0]}.db"
    content = bytearray(damaged.read_bytes())
    content[5000:5100] = b"\xff" * 100
    damaged.write_bytes(bytes(content))

    result = jobhunt("restore", str(folder))

    assert result.exit_code == 1
    assert "does not match its checksum" in result.stderr


def test_restore_of_something_else_is_a_usage_error(jobhunt: Invoke, tmp_path: Path) -> None:
    result = jobhunt("restore", str(tmp_path))
    assert result.exit_code == 2
    assert "is not a jobhunt backup" in result.stderr


def test_backup_notes_databases_it_cannot_copy(
    data_dir: Path, jobhunt: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", "postgresql://jobhunt:s3cret@db.internal/tracker")
    if "tracker" not in available():
        pytest.skip("the tracker service is not there yet")

    result = jobhunt("backup", str(tmp_path / "b"))

    assert result.exit_code == 0, result.output
    assert "note: tracker uses postgresql+asyncpg://jobhunt:***@db.internal/tracker" in (
        result.stderr
    )
    assert "s3cret" not in result.output
