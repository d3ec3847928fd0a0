from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from jobhunt_common.testing import app_client
from tracker.config import Settings
from tracker.db import MIGRATIONS_DIR
from tracker.main import create_app

Auth = Callable[..., dict[str, str]]


@pytest.fixture
def migrations_dir() -> Path:
    return MIGRATIONS_DIR


@pytest.fixture
def settings(database_url: str, jwt_keys: tuple[Path, Path], tmp_path: Path) -> Settings:
    """Tracker settings on the test database, with cheap argon2 (tests only)."""
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        jwt_public_key_file=jwt_keys[1],
        jwt_private_key_file=jwt_keys[0],
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
        max_body_bytes=64 * 1024,
        log_level="WARNING",
    )


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
