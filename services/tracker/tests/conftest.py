from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from jobhunt_common.testing import (
    NO_POSTGRES,
    DatabaseTemplates,
    app_client,
    drop_postgres_database,
    postgres_server_url,
)
from tracker.config import Settings
from tracker.db import MIGRATIONS_DIR
from tracker.main import create_app
from tracker.testing import quick_settings

Auth = Callable[..., dict[str, str]]


@pytest.fixture
def migrations_dir() -> Path:
    return MIGRATIONS_DIR


def _settings(database_url: str, jwt_keys: tuple[Path, Path], data_dir: Path) -> Settings:
    return quick_settings(data_dir, jwt_keys, database_url=database_url, max_body_bytes=64 * 1024)


@pytest.fixture
def settings(database_url: str, jwt_keys: tuple[Path, Path], tmp_path: Path) -> Settings:
    """Tracker settings on a fresh test database, with cheap argon2 (tests only)."""
    return _settings(database_url, jwt_keys, tmp_path)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app) as client:
        yield client


@pytest.fixture
def auth(make_token: Callable[..., str]) -> Auth:
    """``auth(user_id, scopes=...)``: bearer headers for a user (full access by default)."""

    def headers(user_id: str, **kwargs: object) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_token(user_id, **kwargs)}"}

    return headers


@pytest.fixture
def alice() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def bob() -> str:
    return uuid.uuid4().hex


# Most API tests isolate themselves by user (fresh ids and emails), so they share one
# database per backend: copying and dropping a PostgreSQL database per test costs seconds.
@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def shared_database_url(
    request: pytest.FixtureRequest,
    database_templates: DatabaseTemplates,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    if request.param == "sqlite":
        target = tmp_path_factory.mktemp("shared-db") / "tracker.db"
        yield database_templates.sqlite(MIGRATIONS_DIR, target)
        return
    server_url = postgres_server_url()
    if server_url is None:
        pytest.skip(NO_POSTGRES)
    url = database_templates.postgres(MIGRATIONS_DIR, server_url)
    yield url
    drop_postgres_database(server_url, url)


@pytest.fixture
def api_settings(shared_database_url: str, jwt_keys: tuple[Path, Path], tmp_path: Path) -> Settings:
    return _settings(shared_database_url, jwt_keys, tmp_path)


@pytest.fixture
async def api(api_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the tracker on the shared database of its backend."""
    async with app_client(create_app(api_settings)) as client:
        yield client
