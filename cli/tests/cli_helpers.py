"""Helpers shared by the CLI tests (a uniquely named module: every suite has a conftest)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from typer.testing import Result

Invoke = Callable[..., Result]


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


def register(jobhunt: Invoke, url: str, email: str = "ada@example.com") -> None:
    """Register (and so log in) through the CLI."""
    result = jobhunt(
        "register", "--email", email, "--password-stdin", "--url", url, input="correct horse\n"
    )
    assert result.exit_code == 0, result.output


def strip_api(app: Any) -> Any:
    """What the gateway does to a path: ``/api/tracker/x`` reaches the tracker as ``/tracker/x``."""

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            path = scope["path"][len("/api") :]
            scope = {**scope, "path": path, "raw_path": path.encode()}
        await app(scope, receive, send)

    return asgi
