from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

sys.path.insert(0, str(Path(__file__).parent))

from cli_fake_api import FakeState, create_fake_api
from cli_helpers import Invoke, ServerThread

from jobhunt_cli.main import app


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


@pytest.fixture
def jobhunt() -> Invoke:
    """``jobhunt(*args, input=None)``: run the CLI in-process and return its result."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke
