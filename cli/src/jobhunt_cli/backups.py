"""Consistent online copies of every SQLite database, and putting them back.

Copies go through sqlite3's online backup API, so a database in use (WAL mode, live
writers) is copied as one consistent snapshot. Each backup is a timestamped folder
with a ``manifest.json`` (file, service, size, sha256, integrity) and the keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from jobhunt_cli.errors import CliError, ExitCode
from jobhunt_cli.services import SERVICES

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class BackupEntry:
    """One database file in a backup."""

    file: str
    service: str | None
    source: str
    bytes: int
    sha256: str
    integrity: str


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (``None`` for other databases or in-memory SQLite)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def sqlite_databases(data_dir: Path) -> dict[Path, str | None]:
    """Every SQLite database to back up: each service's configured file, and ``*.db`` here."""
    found: dict[Path, str | None] = {}
    for service in SERVICES:
        try:
            settings = service.settings(data_dir=data_dir)
        except Exception:  # a service not written yet still has its file found by the glob
            continue
        path = sqlite_path(settings.sqlalchemy_url)
        if path is not None and path.exists():
            found[path.resolve()] = service.name
    for path in sorted(data_dir.glob("*.db")):
        found.setdefault(path.resolve(), None)
    return found


def non_sqlite_databases(data_dir: Path) -> dict[str, str]:
    """Services whose database is not a SQLite file (name → URL, password hidden)."""
    found = {}
    for service in SERVICES:
        try:
            url = service.settings(data_dir=data_dir).sqlalchemy_url
        except Exception:
            continue
        if not make_url(url).drivername.startswith("sqlite"):
            found[service.name] = make_url(url).render_as_string(hide_password=True)
    return found


def integrity(path: Path) -> str:
    """``ok``, or the first problem ``PRAGMA integrity_check`` reports."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return f"not a database: {exc}"
    finally:
        connection.close()
    return "ok" if rows == [("ok",)] else "; ".join(str(row[0]) for row in rows[:3])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def copy_database(source: Path, target: Path) -> None:
    """An online, consistent copy of ``source`` into ``target`` (sqlite3 backup API)."""
    source_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target_db = sqlite3.connect(target)
    try:
        source_db.backup(target_db)
        # A self-contained file: no -wal beside it to lose.
        target_db.execute("PRAGMA journal_mode=DELETE")
    finally:
        target_db.close()
        source_db.close()


def create_backup(data_dir: Path, destination: Path, now: datetime | None = None) -> Path:
    """Back up every SQLite database and the keys into a new timestamped folder."""
    databases = sqlite_databases(data_dir)
    if not databases:
        raise CliError(f"no SQLite database in {data_dir} to back up", ExitCode.USAGE)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    folder = destination / f"jobhunt-backup-{stamp}"
    folder.mkdir(parents=True, mode=0o700)
    entries = []
    for source, service in databases.items():
        target = folder / source.name
        copy_database(source, target)
        entries.append(
            BackupEntry(
                file=target.name,
                service=service,
                source=str(source),
                bytes=target.stat().st_size,
                sha256=_sha256(target),
                integrity=integrity(target),
            )
        )
    keys = data_dir / "keys"
    if keys.is_dir():
        shutil.copytree(keys, folder / "keys")
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": (now or datetime.now(UTC)).isoformat(),
        "data_dir": str(data_dir),
        "databases": [asdict(entry) for entry in entries],
        "keys": keys.is_dir(),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return folder


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError as exc:
        raise CliError(f"{folder} is not a jobhunt backup (no {MANIFEST})", ExitCode.USAGE) from exc
    except ValueError as exc:
        raise CliError(f"{folder / MANIFEST} is not valid JSON", ExitCode.USAGE) from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("databases"), list):
        raise CliError(f"{folder / MANIFEST} is not a jobhunt backup manifest", ExitCode.USAGE)
    return manifest


def verify_backup(folder: Path, manifest: dict[str, Any]) -> list[tuple[Path, dict[str, Any]]]:
    """Each file of the backup, checked (present, checksum, integrity); ``CliError`` if not."""
    checked = []
    for entry in manifest["databases"]:
        path = folder / str(entry["file"])
        if not path.is_file():
            raise CliError(f"backup file {path} is missing")
        if entry.get("sha256") and _sha256(path) != entry["sha256"]:
            raise CliError(f"backup file {path} does not match its checksum")
        result = integrity(path)
        if result != "ok":
            raise CliError(f"backup file {path} fails integrity_check: {result}")
        checked.append((path, entry))
    return checked


def restore_backup(folder: Path, data_dir: Path) -> list[Path]:
    """Replace the data dir's databases with the backup's; return the files written."""
    checked = verify_backup(folder, read_manifest(folder))
    targets = sqlite_databases(data_dir)
    by_service = {service: path for path, service in targets.items() if service}
    written = []
    data_dir.mkdir(parents=True, exist_ok=True)
    for path, entry in checked:
        service = entry.get("service")
        target = by_service.get(service) if isinstance(service, str) else None
        target = target or data_dir / path.name
        _restore_file(path, target)
        result = integrity(target)
        if result != "ok":
            raise CliError(f"restored {target} fails integrity_check: {result}")
        written.append(target)
    _restore_missing_keys(folder / "keys", data_dir / "keys")
    return written


def _restore_file(source: Path, target: Path) -> None:
    # Through the backup API as well, so a database that has -wal/-shm files beside it
    # (or is open, with --force) ends up exactly equal to the backup.
    source_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target_db = sqlite3.connect(target)
    try:
        source_db.backup(target_db)
    finally:
        target_db.close()
        source_db.close()


def _restore_missing_keys(source: Path, target: Path) -> None:
    # Existing keys are never overwritten; a fresh machine gets the backup's.
    if not source.is_dir():
        return
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    for key in _files(source):
        destination = target / key.name
        if not destination.exists():
            shutil.copy2(key, destination)
            os.chmod(destination, key.stat().st_mode & 0o777)


def _files(folder: Path) -> Iterable[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file())
