"""The real stack through ``jobhunt up``, as a subprocess on free ports in a temp data dir."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_helpers import Invoke, free_port, wait_for

from jobhunt_cli.credentials import CredentialStore
from jobhunt_cli.services import gateway_unavailable_reason

pytestmark = pytest.mark.e2e

START_TIMEOUT = 150.0


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    data_dir: Path
    port: int
    output: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def state(self) -> dict[str, Any] | None:
        try:
            state: dict[str, Any] = json.loads((self.data_dir / "run" / "stack.json").read_text())
        except (OSError, ValueError):
            return None
        return state

    def check_running(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(
                f"jobhunt up exited with {self.process.returncode}:\n{self.output.read_text()}"
            )

    def ready_state(self) -> dict[str, Any] | None:
        self.check_running()
        state = self.state()
        # Every child is listed from the start (waiting ones too), so "all ready" is the stack.
        if state is None or not state["children"]:
            return None
        ready = all(child["state"] == "ready" for child in state["children"].values())
        return state if ready else None

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def start_stack(tmp_path: Path, extra_env: dict[str, str] | None = None) -> Stack:
    port = free_port()
    data_dir = tmp_path / "data"
    output = tmp_path / "up.log"
    env = {
        **os.environ,
        "JOBHUNT_PORT": str(port),
        "JOBHUNT_DATA_DIR": str(data_dir),
        "JOBHUNT_RESTART_BACKOFF_SECONDS": "0.2",
        **(extra_env or {}),
    }
    with output.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jobhunt_cli", "up"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Stack(process, data_dir, port, output)


class Stacks:
    """One stack shared by the module's tests; started again if a test stopped it."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> None:
        self.tmp_path_factory = tmp_path_factory
        self.env = env
        self.current: Stack | None = None

    def running(self) -> Stack:
        if self.current is None or self.current.process.poll() is not None:
            self.current = start_stack(self.tmp_path_factory.mktemp("stack"), self.env)
        wait_for(self.current.ready_state, START_TIMEOUT, "every child to be ready")
        return self.current

    def stop(self) -> None:
        if self.current is not None:
            self.current.stop()


@pytest.fixture(scope="module")
def fake_google() -> Iterator[tuple[Any, str]]:
    """Google's Sheets API, faked over real HTTP, for the stack's sheets-sync to talk to."""
    fake_module = pytest.importorskip("sheets_sync.fake_google", reason="sheets-sync not here")
    fake = fake_module.FakeGoogle(seed=11)
    server = fake_module.BackgroundServer(fake.app).start()
    yield fake, server.url
    server.stop()


@pytest.fixture(scope="module")
def stacks(
    tmp_path_factory: pytest.TempPathFactory, fake_google: tuple[Any, str]
) -> Iterator[Stacks]:
    _, google_url = fake_google
    shared = Stacks(
        tmp_path_factory,
        {
            "SHEETS_GOOGLE_SHEETS_URL": google_url,
            "SHEETS_GOOGLE_DRIVE_URL": google_url,
            "SHEETS_GOOGLE_TOKEN_URL": f"{google_url}/token",
        },
    )
    yield shared
    shared.stop()


@pytest.fixture
def stack(stacks: Stacks) -> Stack:
    return stacks.running()


@pytest.fixture
def gateway_url(stack: Stack) -> str:
    reason = gateway_unavailable_reason()
    if reason is not None:
        pytest.skip(f"the gateway cannot run yet: {reason}")
    return stack.url


def test_register_login_create_move_list_through_the_gateway(
    gateway_url: str, stack: Stack, jobhunt: Invoke, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = gateway_url
    email, password = "e2e@example.com", "a long enough password"
    registered = jobhunt(
        "register", "-e", email, "--password-stdin", "--no-login", "--url", url,
        input=password + "\n",
    )  # fmt: skip
    assert registered.exit_code == 0, registered.output
    login = jobhunt("login", "-e", email, "--password-stdin", "--url", url, input=password + "\n")
    assert login.exit_code == 0, login.output

    added = jobhunt("apps", "add", "Staff engineer", "-c", "Acme", "--json", "--url", url)
    assert added.exit_code == 0, added.output
    application_id = json.loads(added.stdout)["id"]
    moved = jobhunt(
        "apps", "move", str(application_id), "interviewing", "--label", "onsite", "--url", url
    )
    assert moved.exit_code == 0, moved.output
    listed = jobhunt("apps", "list", "--status", "interviewing", "--json", "--url", url)
    assert listed.exit_code == 0, listed.output

    assert [(a["id"], a["status"]) for a in json.loads(listed.stdout)] == [
        (application_id, "interviewing")
    ]
    credentials = CredentialStore(cli_env / "credentials.json").load(url)
    assert credentials is not None
    events = httpx.get(
        f"{url}/api/tracker/applications/{application_id}/events",
        headers={"Authorization": f"Bearer {credentials.access_token}"},
    )
    assert events.status_code == 200
    assert events.json()["items"][-1]["to_status"] == "interviewing"
    # The calendar feed's secret URL is its own credential: no token through the gateway.
    feed = httpx.get(
        f"{url}/api/tracker/calendar",
        headers={"Authorization": f"Bearer {credentials.access_token}"},
    )
    assert feed.status_code == 200, feed.text
    ics = httpx.get(f"{url}{feed.json()['public_path']}")
    assert ics.status_code == 200, ics.text
    assert ics.headers["content-type"].startswith("text/calendar")
    assert ics.text.startswith("BEGIN:VCALENDAR")
    status = jobhunt("status", "--json", "--url", url)
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["services"]["tracker"]["status"] == "ready"
    monkeypatch.setenv("JOBHUNT_DATA_DIR", str(stack.data_dir))  # so status finds stack.json
    table = jobhunt("status", "--url", url)
    state = stack.state()
    assert state is not None
    tracker_pid = state["children"]["tracker"]["pid"]
    assert table.exit_code == 0, table.output
    assert str(tracker_pid) in table.stdout


def test_a_sheet_syncs_both_ways_through_the_gateway(
    gateway_url: str, fake_google: tuple[Any, str], jobhunt: Invoke, cli_env: Path
) -> None:
    from sheets_sync.fake_google import service_account_key  # there: fake_google skips if not

    url = gateway_url
    fake, _ = fake_google
    email, password = "sheets-e2e@example.com", "a long enough password"
    registered = jobhunt(
        "register", "-e", email, "--password-stdin", "--url", url, input=password + "\n"
    )
    assert registered.exit_code == 0, registered.output
    for title in ("Backend engineer", "Data engineer"):
        added = jobhunt("apps", "add", title, "-c", "Acme", "--url", url)
        assert added.exit_code == 0, added.output
    credentials = CredentialStore(cli_env / "credentials.json").load(url)
    assert credentials is not None
    auth = {"Authorization": f"Bearer {credentials.access_token}"}
    bot = "sync-bot@jobhunt-e2e.iam.gserviceaccount.com"
    uploaded = httpx.put(
        f"{url}/api/sheets/credentials",
        json={"service_account_key": service_account_key(bot)},
        headers=auth,
    )
    assert uploaded.status_code in (200, 201), uploaded.text
    spreadsheet = fake.state.create_spreadsheet("Job hunt", shared_with={bot})
    connected = httpx.post(
        f"{url}/api/sheets/connections",
        json={"spreadsheet": spreadsheet.spreadsheet_id, "worksheet": "Applications"},
        headers=auth,
        timeout=30,
    )
    assert connected.status_code == 201, connected.text
    connection_id = str(connected.json()["id"])

    first = jobhunt("sync", connection_id, "--json", "--url", url)

    assert first.exit_code == 0, first.output
    run = json.loads(first.stdout)["run"]
    assert (run["status"], run["rows_appended"]) == ("succeeded", 2), run
    sheet = spreadsheet.sheet_by_title("Applications")
    header = [str(cell) for cell in sheet.rows[0]]
    title_column, status_column = header.index("Title"), header.index("Status")
    rows = {str(row[title_column]): index for index, row in enumerate(sheet.rows) if index}
    assert set(rows) == {"Backend engineer", "Data engineer"}

    # An edit in the sheet flows back to the tracker on the next sync, started from the CLI.
    sheet.put(rows["Data engineer"], status_column, "interviewing")
    second = jobhunt("sync", connection_id, "--url", url)
    assert second.exit_code == 0, second.output
    listed = jobhunt("apps", "list", "--status", "interviewing", "--json", "--url", url)
    assert [a["title"] for a in json.loads(listed.stdout)] == ["Data engineer"]


def test_a_crashed_service_is_restarted(stack: Stack) -> None:
    before = wait_for(stack.ready_state, START_TIMEOUT, "every child to be ready")
    name = next(iter(before["children"]))
    old_pid = before["children"][name]["pid"]

    os.kill(old_pid, signal.SIGKILL)

    def restarted() -> dict[str, Any] | None:
        state = stack.ready_state()
        child = state["children"][name] if state else None
        return child if child and child["pid"] != old_pid else None

    child = wait_for(restarted, START_TIMEOUT, f"{name} to come back")
    assert child["restarts"] == before["children"][name]["restarts"] + 1
    assert f"{name} was killed by SIGKILL; restarting in 0.2s" in stack.output.read_text()
    assert httpx.get(child["url"] + "/readyz").status_code == 200


def test_a_busy_gateway_port_is_a_clear_error(tmp_path: Path) -> None:
    if gateway_unavailable_reason() is not None:
        pytest.skip("the gateway package cannot run yet, so its port is not checked")
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "jobhunt_cli", "up"],
            env={**os.environ, "JOBHUNT_PORT": str(port), "JOBHUNT_DATA_DIR": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2
    assert f"jobhunt: port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_sigterm_stops_every_child(stack: Stack) -> None:
    # Last in the module: it stops the shared stack (a later test would start another).
    running = stack
    try:
        state = wait_for(running.ready_state, START_TIMEOUT, "every child to be ready")
        children = {child["pid"] for child in state["children"].values()}
        everyone = descendants(running.process.pid)
        assert children <= everyone
    finally:
        returncode = running.stop()

    assert returncode == 0, running.output.read_text()
    wait_for(lambda: not any(alive(pid) for pid in everyone), 10, "every child to be gone")
    assert not (running.data_dir / "run" / "stack.json").exists()
    assert "jobhunt stopped" in running.output.read_text()
