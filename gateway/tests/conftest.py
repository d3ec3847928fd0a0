from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

# Appended, not prepended: the helpers have names no other suite uses.
sys.path.append(str(Path(__file__).parent))
# pytest's importlib mode names this file "gateway.tests.conftest" and imports the folder
# gateway/ as a namespace package "gateway", shadowing the real one; put the real one back.
if getattr(sys.modules.get("gateway"), "__file__", None) is None:
    sys.modules.pop("gateway", None)

from gateway_harness import MakeSettings, RunningServer, serve
from gateway_upstream_app import make_app

from gateway.config import RateLimit, Settings
from gateway.main import create_app


@pytest.fixture
async def upstream() -> AsyncIterator[RunningServer]:
    """The echo upstream, standing in for the tracker."""
    async with serve(make_app("tracker")) as server:
        yield server


@pytest.fixture
def make_settings(tmp_path: Path, jwt_keys: tuple[Path, Path]) -> MakeSettings:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path,
            "jwt_public_key_file": jwt_keys[1],
            "rate_limits": {"default": RateLimit(quota=100_000, window=60)},
            "read_timeout": 10.0,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
async def gateway_client() -> AsyncIterator[Callable[[Settings], Awaitable[httpx.AsyncClient]]]:
    """``await gateway_client(settings)``: an httpx client for a gateway served on a real port."""
    servers: list[RunningServer] = []
    clients: list[httpx.AsyncClient] = []

    async def start(settings: Settings) -> httpx.AsyncClient:
        server = await RunningServer(create_app(settings, configure_logs=False)).start()
        servers.append(server)
        client = httpx.AsyncClient(base_url=server.url, timeout=30)
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.aclose()
    for server in servers:
        await server.stop()
