"""``jobhunt up``: prepare the data dir, migrate, then supervise services and the gateway."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from sqlalchemy.engine import make_url

from jobhunt_cli.config import CliSettings
from jobhunt_cli.display import LiveReporter, PlainReporter
from jobhunt_cli.errors import CliError, ExitCode
from jobhunt_cli.services import SERVICES, Service
from jobhunt_cli.stack import (
    available_services,
    free_ports,
    gateway_available,
    gateway_spec,
    migrate_service,
    port_is_free,
    prepare_data_dir,
    read_state,
    service_environment,
    service_specs,
    write_state,
)
from jobhunt_cli.supervisor import Child, ChildSpec, Reporter, Supervisor


def safe_url(url: str) -> str:
    """A database URL fit to print (password hidden)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<database>"


def migrate_all(services: Sequence[Service], data_dir: Path, say: PlainReporter) -> list[Service]:
    """Migrate each service; one that fails is reported and left out, not fatal."""
    migrated = []
    for service in services:
        try:
            url = migrate_service(service, data_dir)
        except Exception as exc:
            say.line(f"{service.name}: migrations failed ({type(exc).__name__}: {exc}); skipped")
            continue
        say.line(f"{service.name}: database at head ({safe_url(url)})")
        migrated.append(service)
    return migrated


def run_up(settings: CliSettings, console: Console) -> None:
    """Everything ``jobhunt up`` does, until Ctrl-C or SIGTERM."""
    data_dir = settings.resolved_data_dir
    say = PlainReporter(console)
    running = read_state(settings.state_path)
    if running is not None:
        raise CliError(
            f"a stack is already running for {data_dir} (pid {running['pid']}); "
            "stop it first or use another JOBHUNT_DATA_DIR"
        )
    with_gateway = gateway_available(lambda reason: say.line(f"gateway: skipped ({reason})"))
    if with_gateway and not port_is_free(settings.host, settings.port):
        raise CliError(
            f"port {settings.port} on {settings.host} is already in use: stop what is using it "
            "or set JOBHUNT_PORT to a free port",
            ExitCode.USAGE,
        )
    keys = prepare_data_dir(data_dir)
    say.line(f"data dir {data_dir}")
    services = available_services(
        SERVICES, lambda service, reason: say.line(f"{service.name}: skipped ({reason})")
    )
    services = migrate_all(services, data_dir, say)
    if not services and not with_gateway:
        raise CliError("nothing to run: no service and no gateway is available")
    env = service_environment(data_dir, keys)
    ports = free_ports("127.0.0.1", settings.port, len(services), taken={settings.port})
    specs = service_specs(services, data_dir, env, ports)
    gateway = (
        gateway_spec(specs, data_dir, env, settings.host, settings.port) if with_gateway else None
    )
    reporter: Reporter
    if console.is_terminal:
        with LiveReporter(console) as live:
            reporter = live
            asyncio.run(_supervise(settings, specs, gateway, reporter))
    else:
        reporter = say
        asyncio.run(_supervise(settings, specs, gateway, reporter))
    say.line("jobhunt stopped")


async def _supervise(
    settings: CliSettings,
    specs: Sequence[ChildSpec],
    gateway: ChildSpec | None,
    reporter: Reporter,
) -> None:
    url = gateway.url if gateway is not None else None
    state_path = settings.state_path

    def record(children: Sequence[Child]) -> None:
        write_state(state_path, url, children)

    supervisor = Supervisor(
        specs,
        gateway,
        reporter,
        backoff_seconds=settings.restart_backoff_seconds,
        backoff_max_seconds=settings.restart_backoff_max_seconds,
        stop_timeout_seconds=settings.stop_timeout_seconds,
        settle_timeout_seconds=settings.ready_timeout_seconds,
        on_change=record,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, stop.set)
    announcer = asyncio.create_task(_announce(supervisor, settings, url, reporter))
    try:
        await supervisor.run(stop)
    finally:
        announcer.cancel()
        with contextlib.suppress(FileNotFoundError):
            state_path.unlink()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(signum)


async def _announce(
    supervisor: Supervisor, settings: CliSettings, url: str | None, reporter: Reporter
) -> None:
    try:
        await asyncio.wait_for(supervisor.all_ready.wait(), settings.ready_timeout_seconds)
    except TimeoutError:
        waiting = [c.name for c in supervisor.children if c.state != "ready"]
        reporter.event(
            f"still not ready after {settings.ready_timeout_seconds:g}s: {', '.join(waiting)} "
            f"(see {settings.resolved_data_dir / 'logs'})"
        )
        await supervisor.all_ready.wait()
    if url is not None:
        reporter.event(f"jobhunt is up at {url} (API docs: {url}/docs). Press Ctrl-C to stop.")
    else:
        urls = ", ".join(f"{c.name} {c.spec.url}" for c in supervisor.services)
        reporter.event(f"services are up ({urls}); no gateway. Press Ctrl-C to stop.")
