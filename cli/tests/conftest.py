from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner, Result

sys.path.insert(0, str(Path(__file__).parent))

from fake_api import FakeState, create_fake_api

from jobhunt_cli.main import app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


class ServerThread:
    """A real HTTP server for an ASGI app on a free loopback port, on a thread."""

    def __init__(self, asgi_app: Any) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            asgi_app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def fake_state() -> FakeState:
    return FakeState()


@pytest.fixture
def fake_url(fake_state: FakeState) -> Iterator[str]:
    with ServerThread(create_fake_api(fake_state)) as server:
        yield server.url


@pytest.fixture(autouse=True)
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own config dir and data dir, and no stray JOBHUNT_URL."""
    config_dir = tmp_path / "config"
    monkeypatch.setenv("JOBHUNT_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("JOBHUNT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("JOBHUNT_URL", raising=False)
    return config_dir


Invoke = Callable[..., Result]


@pytest.fixture
def jobhunt() -> Invoke:
    """``jobhunt(*args, input=None)``: run the CLI in-process and return its result."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke
