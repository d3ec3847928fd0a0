from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from jobhunt_common.testing import app_client
from keyword_analyzer.config import Settings
from keyword_analyzer.db import MIGRATIONS_DIR
from keyword_analyzer.extraction import Extractor, default_taxonomy
from keyword_analyzer.main import create_app


@pytest.fixture
def migrations_dir() -> Path:
    return MIGRATIONS_DIR


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    return Extractor(default_taxonomy())


@pytest.fixture
def settings(database_url: str, jwt_keys: tuple[Path, Path], tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        jwt_public_key_file=jwt_keys[1],
        log_level="WARNING",
        max_body_bytes=8 * 1024 * 1024,
        max_upload_bytes=256 * 1024,
        freeze_gc_after_startup=False,
    )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(create_app(settings)) as client:
        yield client


@pytest.fixture
def auth(make_token: Callable[..., str]) -> Callable[[str], dict[str, str]]:
    def headers(user_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_token(user_id)}"}

    return headers
