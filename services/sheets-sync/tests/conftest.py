from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from jobhunt_common.auth import TokenSigner
from jobhunt_common.migrations import upgrade
from jobhunt_common.testing import app_client
from sheets_sync.config import Settings
from sheets_sync.db import MIGRATIONS_DIR
from sheets_sync.fake_google import BackgroundServer, FakeGoogle
from sheets_sync.main import create_app
from tracker.db import MIGRATIONS_DIR as TRACKER_MIGRATIONS_DIR
from tracker.main import create_app as create_tracker_app
from tracker.testing import quick_settings

sys.path.insert(0, str(Path(__file__).parent))

from sheets_sync_harness import Harness


@pytest.fixture
def migrations_dir() -> Path:
    return MIGRATIONS_DIR


@pytest.fixture(scope="session")
def google_server() -> Iterator[tuple[FakeGoogle, str]]:
    fake = FakeGoogle(seed=7)
    with BackgroundServer(fake.app) as server:
        yield fake, server.url


@pytest.fixture
def fake_google(google_server: tuple[FakeGoogle, str]) -> tuple[FakeGoogle, str]:
    """The session's fake Google, emptied: no spreadsheets, no faults, counters at zero."""
    fake, url = google_server
    fake.reset()
    return fake, url


@pytest.fixture(scope="session")
def tracker_url(
    jwt_keys: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The real tracker service over HTTP, on its own migrated SQLite file (users isolate tests)."""
    directory = tmp_path_factory.mktemp("tracker")
    database_url = f"sqlite:///{directory / 'tracker.db'}"
    upgrade(TRACKER_MIGRATIONS_DIR, database_url)
    settings = quick_settings(directory, jwt_keys, database_url=database_url)
    with BackgroundServer(create_tracker_app(settings)) as server:
        yield server.url


def make_settings(
    tmp_path: Path, database_url: str, jwt_public: Path, tracker_url: str, fake_url: str
) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        jwt_public_key_file=jwt_public,
        tracker_url=tracker_url,
        encryption_key_file=tmp_path / "keys" / "sheets.key",
        google_sheets_url=fake_url,
        google_drive_url=fake_url,
        google_token_url=f"{fake_url}/token",
        google_retry_base_seconds=0.001,
        google_retry_max_seconds=0.005,
        google_retry_attempts=8,
        google_deadline_seconds=20,
        google_requests_per_minute=1_000_000,
        google_request_burst=10_000,
        scheduler_enabled=False,
    )


@pytest.fixture
async def harness(
    database_url: str,
    jwt_keys: tuple[Path, Path],
    token_signer: TokenSigner,
    tracker_url: str,
    fake_google: tuple[FakeGoogle, str],
    tmp_path: Path,
) -> AsyncIterator[Harness]:
    fake, fake_url = fake_google
    settings = make_settings(tmp_path, database_url, jwt_keys[1], tracker_url, fake_url)
    async with httpx.AsyncClient(base_url=tracker_url) as tracker:
        registered = await tracker.post(
            "/auth/register",
            json={"email": f"{uuid.uuid4().hex[:12]}@example.com", "password": "a long passphrase"},
        )
        assert registered.status_code == 201, registered.text
    token = token_signer.sign(registered.json()["id"])
    async with app_client(create_app(settings)) as client:
        harness = Harness(
            client, fake, fake_url, tracker_url, token, settings, registered.json()["id"]
        )
        try:
            yield harness
        finally:
            await harness.tracker_client.aclose()
