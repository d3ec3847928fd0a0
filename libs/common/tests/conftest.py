from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sample_app import MIGRATIONS_DIR, SampleSettings, create_app

from jobhunt_common.testing import app_client


@pytest.fixture
def migrations_dir() -> Path:
    return MIGRATIONS_DIR


@pytest.fixture
async def client(
    database_url: str, jwt_keys: tuple[Path, Path], tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    settings = SampleSettings(
        data_dir=tmp_path,
        database_url=database_url,
        jwt_public_key_file=jwt_keys[1],
        max_body_bytes=1024,
    )
    async with app_client(create_app(settings)) as client:  # type: ignore[arg-type]
        yield client


@pytest.fixture
def auth(make_token: Callable[..., str]) -> Callable[[str], dict[str, str]]:
    def headers(user_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_token(user_id)}"}

    return headers
