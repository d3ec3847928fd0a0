"""Child processes of ``jobhunt up``: start, probe readiness, restart with backoff, stop.

Each child runs in its own process group (its own session), so a terminal's Ctrl-C
reaches only the supervisor, which then stops the children in order: SIGTERM to each
group, a bounded wait, SIGKILL for stragglers. On Linux each child also asks the
kernel to SIGTERM it if the supervisor dies without cleaning up.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import enum
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

PROBE_INTERVAL_SECONDS = 0.2
READY_PROBE_INTERVAL_SECONDS = 10.0
HEALTHY_RUN_SECONDS = 30.0
LOG_ROTATE_BYTES = 20 * 1024 * 1024
_PR_SET_PDEATHSIG = 1


class ChildState(enum.StrEnum):
    WAITING = "waiting"
    STARTING = "starting"
    READY = "ready"
    DEGRADED = "degraded"
    RESTARTING = "restarting"
    STOPPING = "stopping"
    STOPPED = "stopped"


@dataclass(frozen=True)
class ChildSpec:
    """How to run one child: command, environment, port and readiness probe."""

    name: str
    argv: Sequence[str]
    env: dict[str, str]
    host: str
    port: int
    probe_path: str
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass
class Child:
    """A child's live state, as the display shows it."""

    spec: ChildSpec
    state: ChildState = ChildState.WAITING
    pid: int | None = None
    restarts: int = 0
    detail: str = ""
    process: asyncio.subprocess.Process | None = field(default=None, repr=False)
    settled: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def name(self) -> str:
        return self.spec.name


class Reporter:
    """Receives state changes and events; the terminal display implements this."""

    def update(self, children: Sequence[Child]) -> None:
        """A child's state changed."""

    def event(self, message: str) -> None:
        """Something worth a line happened (a crash, a restart, readiness)."""


def describe_exit(returncode: int) -> str:
    """``exited with code 3`` or ``was killed by SIGKILL``."""
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: if the supervisor is killed outright
    # (SIGKILL), the kernel still sends the child SIGTERM, so nothing is left behind.
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


class Supervisor:
    """Runs services first, then the gateway once every service has settled."""

    def __init__(
        self,
        services: Sequence[ChildSpec],
        gateway: ChildSpec | None,
        reporter: Reporter,
        *,
        backoff_seconds: float = 1.0,
        backoff_max_seconds: float = 30.0,
        stop_timeout_seconds: float = 10.0,
        settle_timeout_seconds: float = 60.0,
        on_change: Callable[[Sequence[Child]], None] | None = None,
    ) -> None:
        self.services = [Child(spec) for spec in services]
        self.gateway = Child(gateway) if gateway is not None else None
        self.reporter = reporter
        self.backoff_seconds = backoff_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self.stop_timeout_seconds = stop_timeout_seconds
        self.settle_timeout_seconds = settle_timeout_seconds
        self.on_change = on_change
        self.stopping = asyncio.Event()
        self.all_ready = asyncio.Event()

    @property
    def children(self) -> list[Child]:
        return [*self.services, *([self.gateway] if self.gateway else [])]

    def _changed(self) -> None:
        self.reporter.update(self.children)
        if self.on_change is not None:
            self.on_change(self.children)
        if all(c.state in {ChildState.READY, ChildState.DEGRADED} for c in self.children):
            self.all_ready.set()

    def _set(self, child: Child, state: ChildState, detail: str = "") -> None:
        child.state = state
        child.detail = detail
        self._changed()

    async def run(self, stop: asyncio.Event) -> None:
        """Supervise until ``stop`` is set, then stop every child and return."""
        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as probe:
            tasks = [asyncio.create_task(self._keep_running(c, probe)) for c in self.services]
            if self.gateway is not None:
                tasks.append(asyncio.create_task(self._start_gateway(self.gateway, probe)))
            await stop.wait()
            self.stopping.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.stop_all()

    async def _start_gateway(self, gateway: Child, probe: httpx.AsyncClient) -> None:
        # After the services are ready (or have failed once); a service that hangs while
        # starting delays the gateway by ``settle_timeout_seconds`` at most.
        settling = [asyncio.ensure_future(c.settled.wait()) for c in self.services]
        if settling:
            _, pending = await asyncio.wait(settling, timeout=self.settle_timeout_seconds)
            for waiter in pending:
                waiter.cancel()
        await self._keep_running(gateway, probe)

    async def _keep_running(self, child: Child, probe: httpx.AsyncClient) -> None:
        failures = 0
        while not self.stopping.is_set():
            started_at = time.monotonic()
            try:
                await self._spawn(child)
            except OSError as exc:  # cannot even start it: report, back off, try again
                how = f"could not start ({exc})"
            else:
                how = describe_exit(await self._watch(child, probe))
            if self.stopping.is_set():
                return
            child.settled.set()
            if time.monotonic() - started_at > HEALTHY_RUN_SECONDS:
                failures = 0
            failures += 1
            delay = min(self.backoff_seconds * 2 ** (failures - 1), self.backoff_max_seconds)
            child.restarts += 1
            self._set(child, ChildState.RESTARTING, how)
            self.reporter.event(
                f"{child.name} {how}; restarting in {delay:g}s "
                f"(restart {child.restarts}, log: {child.spec.log_path})"
            )
            await asyncio.sleep(delay)

    async def _spawn(self, child: Child) -> None:
        spec = child.spec
        spec.log_path.parent.mkdir(parents=True, exist_ok=True)
        if spec.log_path.exists() and spec.log_path.stat().st_size > LOG_ROTATE_BYTES:
            spec.log_path.replace(spec.log_path.with_name(spec.log_path.name + ".1"))
        log: IO[bytes] = spec.log_path.open("ab")
        try:
            log.write(f"\n--- jobhunt up: starting {spec.name} on {spec.url}\n".encode())
            log.flush()
            child.process = await asyncio.create_subprocess_exec(
                *spec.argv,
                env=spec.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        finally:
            log.close()
        child.pid = child.process.pid
        self._set(child, ChildState.STARTING, f"pid {child.pid}")

    async def _watch(self, child: Child, probe: httpx.AsyncClient) -> int:
        """Probe readiness until the process exits; return its exit code."""
        assert child.process is not None
        process = child.process
        exited = asyncio.create_task(process.wait())
        try:
            while not exited.done():
                state, detail = await self._probe(child, probe)
                if state != child.state or detail != child.detail:
                    if state is ChildState.READY and child.state is not ChildState.READY:
                        self.reporter.event(f"{child.name} ready at {child.spec.url}")
                    self._set(child, state, detail)
                if state is ChildState.READY:
                    child.settled.set()
                interval = (
                    READY_PROBE_INTERVAL_SECONDS
                    if state is ChildState.READY
                    else PROBE_INTERVAL_SECONDS
                )
                await asyncio.wait({exited}, timeout=interval)
            returncode = exited.result()
        finally:
            if not exited.done():
                exited.cancel()
        # Whatever the child started in its group goes with it.
        _signal_group(process.pid, signal.SIGKILL)
        return returncode

    async def _probe(self, child: Child, probe: httpx.AsyncClient) -> tuple[ChildState, str]:
        try:
            response = await probe.get(child.spec.url + child.spec.probe_path)
        except httpx.HTTPError:
            return ChildState.STARTING, f"pid {child.pid}, waiting for {child.spec.probe_path}"
        if response.status_code == 200:
            return ChildState.READY, child.spec.url
        if child.spec.probe_path == "/health":
            return ChildState.DEGRADED, f"{child.spec.url} (a service is not ready)"
        return ChildState.STARTING, f"{child.spec.probe_path} answered {response.status_code}"

    async def stop_all(self) -> None:
        """SIGTERM every child's group (gateway first), wait, SIGKILL what remains."""
        running = [
            (child, child.process)
            for child in reversed(self.children)
            if child.process is not None and child.process.returncode is None
        ]
        for child, process in running:
            self._set(child, ChildState.STOPPING)
            _signal_group(process.pid, signal.SIGTERM)
        if running:
            waits = {asyncio.ensure_future(process.wait()) for _, process in running}
            _, pending = await asyncio.wait(waits, timeout=self.stop_timeout_seconds)
            for child, process in running:
                if process.returncode is None:
                    self.reporter.event(f"{child.name} did not stop in time; killing it")
                # Also reaches anything the child started in its group and left behind.
                _signal_group(process.pid, signal.SIGKILL)
            if pending:
                await asyncio.wait(pending, timeout=5.0)
        for child in self.children:
            if child.state is not ChildState.WAITING:
                self._set(child, ChildState.STOPPED)
