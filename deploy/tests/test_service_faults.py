"""How each real service behaves when its database or a secret is not there.

An unreachable database keeps the service up and not ready (``/readyz`` 503), and it
becomes ready by itself once the database answers: no crash loop, no restart. A database
URL that cannot work stops it with one line naming the setting.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jobhunt_common.migrations import upgrade
from jobhunt_common.testing import (
    app_client,
    auth_headers,
    create_postgres_database,
    drop_postgres_database,
)

# (package, env prefix, an authenticated GET the service serves)
SERVICES = [
    ("tracker", "TRACKER_", "/tracker/applications"),
    ("keyword_analyzer", "KEYWORDS_", "/keywords/resumes"),
    ("sheets_sync", "SHEETS_", "/sheets/connections"),
]
SERVICE_IDS = [package for package, _, _ in SERVICES]


def _service(package: str) -> tuple[Any, Any, Path]:
    """(create_app, Settings, MIGRATIONS_DIR) of a service, or a skip that says why."""
    try:
        main = importlib.import_module(f"{package}.main")
        config = importlib.import_module(f"{package}.config")
        db = importlib.import_module(f"{package}.db")
    except ImportError as exc:
        pytest.skip(f"{package} cannot be imported here: {exc}")
    return main.create_app, config.Settings, db.MIGRATIONS_DIR


def _settings(
    settings_class: Any, tmp_path: Path, jwt_keys: tuple[Path, Path], **overrides: Any
) -> Any:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "jwt_public_key_file": jwt_keys[1],
        **overrides,
    }
    fields = settings_class.model_fields
    if "jwt_private_key_file" in fields:
        values.setdefault("jwt_private_key_file", jwt_keys[0])
    if "scheduler_enabled" in fields:
        values["scheduler_enabled"] = False
    if "encryption_key_file" in fields:
        values["encryption_key_file"] = tmp_path / "sheets.key"
    return settings_class(**values)


@pytest.mark.parametrize(("package", "prefix", "path"), SERVICES, ids=SERVICE_IDS)
async def test_unreachable_sqlite_database_is_not_ready_until_it_appears(
    package: str,
    prefix: str,
    path: str,
    tmp_path: Path,
    jwt_keys: tuple[Path, Path],
    make_token: Callable[..., str],
) -> None:
    create_app, settings_class, migrations_dir = _service(package)
    database_dir = tmp_path / "volume-not-mounted-yet"
    url = f"sqlite:///{database_dir / 'service.db'}"
    settings = _settings(settings_class, tmp_path, jwt_keys, database_url=url)

    async with app_client(create_app(settings)) as client:
        assert (await client.get("/healthz")).status_code == 200
        not_ready = await client.get("/readyz")
        assert not_ready.status_code == 503
        assert "not reachable" in not_ready.json()["detail"]

        database_dir.mkdir()
        await asyncio.to_thread(upgrade, migrations_dir, url)
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        served = await client.get(path, headers=auth_headers(make_token()))
        assert served.status_code == 200, served.text


@pytest.mark.parametrize(("package", "prefix", "path"), SERVICES, ids=SERVICE_IDS)
async def test_postgres_database_that_comes_later_makes_the_service_ready(
    package: str,
    prefix: str,
    path: str,
    tmp_path: Path,
    jwt_keys: tuple[Path, Path],
    postgres_url: str,
) -> None:
    create_app, settings_class, migrations_dir = _service(package)
    probe = await asyncio.to_thread(create_postgres_database, postgres_url)
    await asyncio.to_thread(drop_postgres_database, postgres_url, probe)
    # The name of a database that does not exist (yet): the server says no.
    settings = _settings(settings_class, tmp_path, jwt_keys, database_url=probe)
    async with app_client(create_app(settings)) as client:
        not_ready = await client.get("/readyz")
        assert not_ready.status_code == 503
        assert "not reachable" in not_ready.json()["detail"]

        await asyncio.to_thread(
            lambda: asyncio.run(_create_named(postgres_url, probe.rsplit("/", 1)[1]))
        )
        try:
            still = await client.get("/readyz")
            assert still.status_code == 503
            assert "run the migrations" in still.json()["detail"]
            await asyncio.to_thread(upgrade, migrations_dir, probe)
            assert (await client.get("/readyz")).status_code == 200
        finally:
            await client.aclose()
    await asyncio.to_thread(drop_postgres_database, postgres_url, probe)


async def _create_named(server_url: str, name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(server_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(f"CREATE DATABASE {name}")
    finally:
        await connection.close()


@pytest.mark.parametrize(("package", "prefix", "path"), SERVICES, ids=SERVICE_IDS)
@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("postgres//db.example/tracker", "is not a database URL"),
        ("mysql://user@db/tracker", "names an unsupported database (mysql"),
        ("postgresql://user:secret@db:5432", "names no database"),
    ],
)
def test_a_bad_database_url_is_one_line_naming_the_setting(
    package: str,
    prefix: str,
    path: str,
    url: str,
    complaint: str,
    tmp_path: Path,
    jwt_keys: tuple[Path, Path],
) -> None:
    from jobhunt_common.preflight import ConfigurationError

    create_app, settings_class, _ = _service(package)
    settings = _settings(settings_class, tmp_path, jwt_keys, database_url=url)
    with pytest.raises(ConfigurationError) as raised:
        create_app(settings)
    message = str(raised.value)
    assert message.startswith(f"{prefix}DATABASE_URL ")
    assert complaint in message
    assert "\n" not in message
    assert "secret" not in message


def test_uvicorn_prints_only_that_line(tmp_path: Path) -> None:
    _service("tracker")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "JOBHUNT_DATA_DIR": str(tmp_path),
        "TRACKER_DATABASE_URL": "mysql://jobhunt:secret@db/tracker",
    }
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "--factory", "tracker.main:create_app", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("TRACKER_DATABASE_URL names an unsupported database (mysql")
    assert "secret" not in result.stderr


@pytest.mark.parametrize(
    ("content", "complaint"),
    [(None, "cannot be read (No such file or directory)"), (b"garbage", "is not usable: ")],
    ids=["missing", "garbled"],
)
def test_a_tracker_without_its_signing_key_is_one_line_naming_the_setting(
    content: bytes | None, complaint: str, tmp_path: Path, jwt_keys: tuple[Path, Path]
) -> None:
    from jobhunt_common.preflight import ConfigurationError

    create_app, settings_class, _ = _service("tracker")
    key = tmp_path / "secrets" / "jwt_private.pem"
    if content is not None:
        key.parent.mkdir()
        key.write_bytes(content)
    settings = _settings(settings_class, tmp_path, jwt_keys, jwt_private_key_file=key)
    with pytest.raises(ConfigurationError) as raised:
        create_app(settings)
    message = str(raised.value)
    assert message.startswith(f"TRACKER_JWT_PRIVATE_KEY_FILE={key} {complaint}")
    assert "\n" not in message


@pytest.mark.parametrize(("package", "prefix", "path"), SERVICES, ids=SERVICE_IDS)
async def test_a_missing_public_key_is_not_ready_and_never_a_500(
    package: str,
    prefix: str,
    path: str,
    tmp_path: Path,
    jwt_keys: tuple[Path, Path],
    make_token: Callable[..., str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    create_app, settings_class, migrations_dir = _service(package)
    url = f"sqlite:///{tmp_path / 'service.db'}"
    await asyncio.to_thread(upgrade, migrations_dir, url)
    key = tmp_path / "mounted" / "jwt_public.pem"
    settings = _settings(settings_class, tmp_path, jwt_keys, database_url=url)
    settings = settings.model_copy(update={"jwt_public_key_file": key})

    async with app_client(create_app(settings)) as client:
        expected = f"JOBHUNT_JWT_PUBLIC_KEY_FILE={key} cannot be read (No such file or directory)"
        # One JSON log line at start-up (the service's own JSON logging, on stderr).
        err = capsys.readouterr().err.splitlines()
        lines = [json.loads(line) for line in err if line.startswith('{"ts"')]
        logged = [line["msg"] for line in lines if line["level"] == "error"]
        assert [msg for msg in logged if msg.startswith(expected)], logged
        not_ready = await client.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json()["detail"].startswith(expected)
        refused = await client.get(path, headers=auth_headers(make_token()))
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/problem+json"

        key.parent.mkdir()
        key.write_bytes(jwt_keys[1].read_bytes())
        assert (await client.get("/readyz")).status_code == 200
