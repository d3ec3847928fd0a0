"""Real servers for the gateway's tests: uvicorn in this event loop, or ``python -m gateway``.

A module of its own (not conftest) so that test files can import it by a name no other
suite uses.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import uvicorn

from gateway.config import Settings


def bound_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    return sock


class RunningServer:
    """A uvicorn server on a pre-bound loopback socket in this event loop."""

    def __init__(self, app: Any, port: int = 0) -> None:
        self.sock = bound_socket(port)
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            ws="none",
            lifespan="on",
            proxy_headers=False,
        )
        self.server = uvicorn.Server(config)
        self.app = app
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> RunningServer:
        self.task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        while not self.server.started:
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.005)
        return self

    async def stop(self) -> None:
        self.server.should_exit = True
        release = getattr(getattr(self.app, "state", None), "release", None)
        if release is not None:
            release.set()
        if self.task is not None:
            await self.task
        self.sock.close()


@asynccontextmanager
async def serve(app: Any, port: int = 0) -> AsyncIterator[RunningServer]:
    server = await RunningServer(app, port).start()
    try:
        yield server
    finally:
        await server.stop()


MakeSettings = Callable[..., Settings]


GatewayClient = Callable[[Settings], Awaitable[httpx.AsyncClient]]


@contextmanager
def gateway_subprocess(env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """``python -m gateway`` as a child process configured only through the environment."""
    sock = bound_socket()
    port = sock.getsockname()[1]
    sock.close()
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("JOBHUNT_")}
    child_env.update(
        {"JOBHUNT_HOST": "127.0.0.1", "JOBHUNT_PORT": str(port), "JOBHUNT_ACCESS_LOG": "false"}
    )
    child_env.update(env)
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway"], env=child_env, stderr=subprocess.PIPE, text=True
    )
    try:
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
        # uvicorn shuts down gracefully on SIGTERM, then re-raises it: -15 is a clean exit.
        assert process.returncode in (0, -15), stderr


async def wait_gateway_ready(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        for _ in range(500):
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                await asyncio.sleep(0.02)
    raise AssertionError("the gateway did not start")
