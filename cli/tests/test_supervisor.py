from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from cli_helpers import free_port, wait_for

from jobhunt_cli.supervisor import Child, ChildSpec, ChildState, Reporter, Supervisor


class Recorder(Reporter):
    """Records events; sets ``stop`` once ``stop_when`` holds for the children."""

    def __init__(self, stop: asyncio.Event, stop_when: Callable[[Sequence[Child]], bool]) -> None:
        self.events: list[str] = []
        self.stop = stop
        self.stop_when = stop_when

    def update(self, children: Sequence[Child]) -> None:
        if self.stop_when(children):
            self.stop.set()

    def event(self, message: str) -> None:
        self.events.append(message)


STUBBORN_SERVER = """
import signal
from http.server import BaseHTTPRequestHandler, HTTPServer
signal.signal(signal.SIGTERM, signal.SIG_IGN)
class Ready(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
HTTPServer(("127.0.0.1", {port}), Ready).serve_forever()
"""


def spec(tmp_path: Path, name: str, code: str) -> ChildSpec:
    return ChildSpec(
        name=name,
        argv=[sys.executable, "-c", code],
        env={},
        host="127.0.0.1",
        port=free_port(),
        probe_path="/readyz",
        log_path=tmp_path / f"{name}.log",
    )


async def test_a_crashing_child_is_restarted_with_exponential_backoff(tmp_path: Path) -> None:
    stop = asyncio.Event()
    recorder = Recorder(stop, lambda children: children[0].restarts >= 4)
    crasher = spec(tmp_path, "crasher", "import sys; print('boom'); sys.exit(3)")
    supervisor = Supervisor([crasher], None, recorder, backoff_seconds=0.01)

    await supervisor.run(stop)

    delays = [e.split("restarting in ")[1].split("s ")[0] for e in recorder.events]
    assert delays[:4] == ["0.01", "0.02", "0.04", "0.08"]
    assert recorder.events[0].startswith("crasher exited with code 3; restarting in 0.01s")
    assert crasher.log_path.read_text().count("boom") >= 4
    assert supervisor.services[0].state is ChildState.STOPPED


async def test_stop_kills_a_child_that_ignores_sigterm(tmp_path: Path) -> None:
    stop = asyncio.Event()
    recorder = Recorder(stop, lambda children: children[0].state is ChildState.READY)
    port = free_port()
    # Ready (answers /readyz) only once SIGTERM is ignored, so the stop surely meets that.
    stubborn = spec(tmp_path, "stubborn", STUBBORN_SERVER.format(port=port))
    stubborn = dataclasses.replace(stubborn, port=port)
    supervisor = Supervisor([stubborn], None, recorder, stop_timeout_seconds=0.5)

    await supervisor.run(stop)

    process = supervisor.services[0].process
    assert process is not None
    assert process.returncode == -9
    assert "stubborn did not stop in time; killing it" in recorder.events


async def test_the_gateway_starts_even_if_a_service_never_gets_ready(tmp_path: Path) -> None:
    stop = asyncio.Event()
    recorder = Recorder(stop, lambda children: children[-1].state is ChildState.READY)
    hanging = spec(tmp_path, "hanging", "import time; time.sleep(60)")
    port = free_port()
    gateway = dataclasses.replace(
        spec(tmp_path, "gateway", STUBBORN_SERVER.format(port=port)), port=port
    )
    supervisor = Supervisor(
        [hanging], gateway, recorder, settle_timeout_seconds=0.2, stop_timeout_seconds=0.5
    )

    await supervisor.run(stop)

    assert supervisor.services[0].restarts == 0
    assert "gateway ready at" in " ".join(recorder.events)


SUPERVISOR_SCRIPT = """
import asyncio, sys
from pathlib import Path
from jobhunt_cli.supervisor import ChildSpec, Reporter, Supervisor

class Say(Reporter):
    def update(self, children):
        print(" ".join(f"{c.name}={c.pid}:{c.state}" for c in children), flush=True)

child = ChildSpec("sleeper", [sys.executable, "-c", "import time; time.sleep(120)"], {},
                  "127.0.0.1", 9, "/readyz", Path(sys.argv[1]))
asyncio.run(Supervisor([child], None, Say()).run(asyncio.Event()))
"""


def test_children_stop_when_the_supervisor_is_killed_outright(tmp_path: Path) -> None:
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR_SCRIPT, str(tmp_path / "sleeper.log")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert supervisor.stdout is not None
    line = supervisor.stdout.readline()  # printed once the child is spawned
    child_pid = int(line.split("sleeper=")[1].split(":")[0])
    assert Path(f"/proc/{child_pid}").exists()

    supervisor.kill()
    supervisor.wait(timeout=10)

    def gone() -> bool:
        try:
            state = Path(f"/proc/{child_pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        return state == "Z"

    wait_for(gone, 10, "the orphaned child to stop")
