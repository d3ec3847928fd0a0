"""Files derived from the route table are current; the helper scripts do what they say."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from cryptography.fernet import Fernet

from jobhunt_common.auth import TokenSigner, TokenVerifier, load_private_key
from jobhunt_common.migrations import upgrade

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def _load_script(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_traefik_files_match_the_route_table() -> None:
    pytest.importorskip("gateway.traefik", reason="the gateway's Traefik renderer is not here")
    generate = _load_script(DEPLOY / "generate.py")
    assert generate.stale_files() == [], "run `uv run python deploy/generate.py`"


def test_generator_notices_a_stale_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pytest.importorskip("gateway.traefik", reason="the gateway's Traefik renderer is not here")
    generate = _load_script(DEPLOY / "generate.py")
    monkeypatch.setattr(generate, "DEPLOY_DIR", tmp_path)
    for relative in ("traefik", "k8s/base", "k8s/overlays/prod"):
        (tmp_path / relative).mkdir(parents=True)
    assert generate.main([]) == 0
    assert generate.stale_files() == []
    routes = tmp_path / "k8s" / "base" / "traefik-routes.yaml"
    routes.write_text(routes.read_text().replace("priority: 200", "priority: 1"))
    assert generate.stale_files() == [routes]
    assert generate.main(["--check"]) == 1


def test_make_secrets_creates_everything_once(tmp_path: Path) -> None:
    make_secrets = _load_script(DEPLOY / "compose" / "make_secrets.py")
    directory = tmp_path / "secrets"
    created = make_secrets.make_secrets(directory)
    names = {path.name for path in created}
    assert names == {
        "jwt_private.pem",
        "jwt_public.pem",
        "sheets_encryption.key",
        "postgres_password",
        "tracker_database_url",
        "keywords_database_url",
        "sheets_database_url",
    }
    assert make_secrets.make_secrets(directory) == []
    signer = TokenSigner(load_private_key(directory / "jwt_private.pem"))
    assert TokenVerifier(directory / "jwt_public.pem").verify(signer.sign("u1")).user_id == "u1"
    password = (directory / "postgres_password").read_text()
    assert (directory / "tracker_database_url").read_text() == (
        f"postgresql://jobhunt:{password}@postgres:5432/tracker"
    )
    assert directory.stat().st_mode & 0o777 == 0o700


async def test_sheets_sync_due_script_runs_a_pass(tmp_path: Path) -> None:
    sheets_db = pytest.importorskip("sheets_sync.db", reason="sheets-sync is not installed")
    from sheets_sync.config import Settings

    script = _load_script(DEPLOY / "k8s" / "overlays" / "prod" / "sheets_sync_due.py")
    database_url = f"sqlite:///{tmp_path / 'sheets.db'}"
    await asyncio.to_thread(upgrade, sheets_db.MIGRATIONS_DIR, database_url)
    key = tmp_path / "sheets.key"
    key.write_bytes(Fernet.generate_key())
    settings = Settings(data_dir=tmp_path, database_url=database_url, encryption_key_file=key)
    assert await script.run_once(settings) == []

    absent = tmp_path / "absent.key"
    with pytest.raises(SystemExit) as exit_info:
        await script.run_once(settings.model_copy(update={"encryption_key_file": absent}))
    assert str(exit_info.value) == f"SHEETS_ENCRYPTION_KEY_FILE={absent} is not a readable file"
