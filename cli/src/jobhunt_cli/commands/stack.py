"""Running the stack: ``up``, ``status``, ``migrate``, ``backup``, ``restore``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

from jobhunt_cli.commands.common import JsonOption, UrlOption
from jobhunt_cli.config import CliSettings
from jobhunt_cli.errors import CliError, ExitCode
from jobhunt_cli.output import error_console, print_json, print_message, print_table
from jobhunt_cli.services import SERVICES, find_service

# The stack modules pull in SQLAlchemy, Alembic and FastAPI (through jobhunt_common):
# they are imported inside the commands that need them, so client commands start fast.


def up() -> None:
    """Start every service and the gateway; Ctrl-C stops them all."""
    from jobhunt_cli.up import run_up

    run_up(CliSettings.load(), Console())


def status(url: UrlOption = None, as_json: JsonOption = False) -> None:
    """Show the readiness of a running stack (through the gateway's /health)."""
    from jobhunt_cli.stack import read_state

    settings = CliSettings.load()
    base_url = url or settings.gateway_url
    try:
        response = httpx.get(f"{base_url}/health", timeout=5.0)
    except httpx.HTTPError as exc:
        raise CliError(
            f"cannot connect to {base_url} ({exc}): is the stack running? (`jobhunt up`)",
            ExitCode.CONNECTION,
        ) from exc
    try:
        body: Any = response.json()
    except ValueError:
        body = {"status": response.text.strip()[:200]}
    if as_json:
        print_json(body)
    else:
        overall = body.get("status") if isinstance(body, dict) else None
        print_message(f"{base_url}: {overall or response.status_code}")
        rows = _service_rows(body)
        # Run on the machine of that stack, PIDs and restarts come from its state file.
        local = read_state(settings.state_path)
        if rows and local is not None and local.get("url") == base_url:
            _add_local_state(rows, local)
        columns = ["service", "status", "detail"]
        if rows and "pid" in rows[0]:
            columns += ["pid", "restarts"]
        if rows:
            print_table(rows, columns)
    if response.status_code != 200:
        raise typer.Exit(int(ExitCode.API_ERROR))


def _service_rows(body: Any) -> list[dict[str, Any]]:
    services = body.get("services") if isinstance(body, dict) else None
    if isinstance(services, dict):
        services = [{"name": name, **_as_dict(value)} for name, value in services.items()]
    if not isinstance(services, list):
        return []
    rows = []
    for item in services:
        entry = _as_dict(item)
        rows.append(
            {
                "service": entry.get("name") or entry.get("service"),
                "status": entry.get("status") or entry.get("state"),
                "detail": entry.get("detail") or entry.get("url") or "",
            }
        )
    return rows


def _add_local_state(rows: list[dict[str, Any]], state: dict[str, Any]) -> None:
    children = state.get("children")
    if not isinstance(children, dict):
        return
    by_name = {str(name).replace("-", "_"): child for name, child in children.items()}
    for row in [*rows, {"service": "gateway", "status": "", "detail": state.get("url")}]:
        child = by_name.get(str(row["service"]).replace("-", "_"), {})
        row["pid"] = child.get("pid", "")
        row["restarts"] = child.get("restarts", "")
        if row["service"] == "gateway" and child:
            row["status"] = child.get("state", "")
            rows.append(row)


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {"status": value}


def migrate(
    service: Annotated[
        str | None, typer.Argument(help="Only this service (tracker, keyword_analyzer, ...).")
    ] = None,
) -> None:
    """Apply database migrations for every service (or one)."""
    from jobhunt_cli.stack import migrate_service
    from jobhunt_cli.up import safe_url

    settings = CliSettings.load()
    if service is not None:
        try:
            chosen = [find_service(service)]
        except KeyError as exc:
            names = ", ".join(s.name for s in SERVICES)
            raise CliError(
                f"no service called {service!r} (one of: {names})", ExitCode.USAGE
            ) from exc
    else:
        chosen = list(SERVICES)
    failed = False
    for target in chosen:
        reason = target.unavailable_reason()
        if reason is not None:
            print_message(f"{target.name}: skipped ({reason})")
            failed = failed or service is not None
            continue
        try:
            database_url = migrate_service(target, settings.resolved_data_dir)
        except Exception as exc:
            print_message(f"{target.name}: migrations failed: {type(exc).__name__}: {exc}")
            failed = True
            continue
        print_message(f"{target.name}: at head ({safe_url(database_url)})")
    if failed:
        raise typer.Exit(int(ExitCode.API_ERROR))


def backup(
    destination: Annotated[
        Path | None,
        typer.Argument(help="Folder to put the backup in (default: <data dir>/backups)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Copy every SQLite database (consistently, even while running) into a new folder."""
    from jobhunt_cli import backups

    data_dir = CliSettings.load().resolved_data_dir
    for service, url in backups.non_sqlite_databases(data_dir).items():
        error_console.print(
            f"note: {service} uses {url}: back it up with that server's own tools (pg_dump)",
            markup=False,
            highlight=False,
        )
    folder = backups.create_backup(data_dir, destination or data_dir / "backups")
    manifest = backups.read_manifest(folder)
    if as_json:
        print_json({"path": str(folder), **manifest})
        return
    print_table(manifest["databases"], ["file", "service", "bytes", "integrity"])
    print_message(f"backup written to {folder}")


def restore(
    source: Annotated[Path, typer.Argument(help="A backup folder made by `jobhunt backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Restore even while the stack is running.")
    ] = False,
) -> None:
    """Put a backup's databases back into the data dir (after checking their integrity)."""
    from jobhunt_cli import backups
    from jobhunt_cli.stack import read_state

    settings = CliSettings.load()
    running = read_state(settings.state_path)
    if running is not None and not force:
        raise CliError(
            f"the stack is running (pid {running['pid']}): stop it first, or use --force",
            ExitCode.USAGE,
        )
    if not source.is_dir():
        raise CliError(f"{source} is not a folder", ExitCode.USAGE)
    written = backups.restore_backup(source, settings.resolved_data_dir)
    for path in written:
        print_message(f"restored {path} (integrity ok)")


def register_commands(app: typer.Typer) -> None:
    app.command(rich_help_panel="Stack")(up)
    app.command(rich_help_panel="Stack")(status)
    app.command(rich_help_panel="Stack")(migrate)
    app.command(rich_help_panel="Stack")(backup)
    app.command(rich_help_panel="Stack")(restore)
