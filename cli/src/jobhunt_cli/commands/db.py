"""``jobhunt db``: move a service's data from its SQLite file to PostgreSQL, proven lossless."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

from jobhunt_cli.commands.common import JsonOption
from jobhunt_cli.config import CliSettings
from jobhunt_cli.errors import CliError, ExitCode
from jobhunt_cli.output import print_json, print_message, print_table
from jobhunt_cli.services import SERVICES, Service, find_service

app = typer.Typer(
    help="Move a service's data between databases.", no_args_is_help=True, add_completion=False
)


def _service(name: str) -> Service:
    try:
        return find_service(name)
    except KeyError as exc:
        names = ", ".join(s.name for s in SERVICES)
        raise CliError(f"no service called {name!r} (one of: {names})", ExitCode.USAGE) from exc


@app.command("move-to-postgres")
def move_to_postgres(
    service: Annotated[str, typer.Argument(help="tracker, keyword_analyzer or sheets_sync.")],
    target_url: Annotated[
        str,
        typer.Argument(
            metavar="POSTGRES_URL",
            help="An empty PostgreSQL database for this service: postgresql://user@host/db.",
        ),
    ],
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Empty the target's tables first if it holds rows."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Copy one service's SQLite data to PostgreSQL, then compare counts and checksums.

    Stop the stack first. The target is migrated to the same head as the SQLite file,
    every table is copied in one transaction, and each table's row count and checksum
    are compared on both sides; the exit code is 0 only when all of them match.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from jobhunt_cli.stack import migrate_service, read_state
    from jobhunt_cli.up import safe_url
    from jobhunt_common.dbcopy import DatabaseCopyError, TargetNotEmpty, copy_database
    from jobhunt_common.migrations import upgrade

    chosen = _service(service)
    settings = CliSettings.load()
    try:
        backend = make_url(target_url).get_backend_name()
    except ArgumentError as exc:
        raise CliError(f"POSTGRES_URL is not a database URL: {exc}", ExitCode.USAGE) from exc
    if backend != "postgresql":
        raise CliError(
            f"POSTGRES_URL must be a postgresql:// URL, not {backend}://", ExitCode.USAGE
        )
    running = read_state(settings.state_path)
    if running is not None:
        raise CliError(
            f"the stack is running (pid {running['pid']}): stop it first so nothing is "
            "written during the copy",
            ExitCode.USAGE,
        )
    reason = chosen.unavailable_reason()
    if reason is not None:
        raise CliError(f"{chosen.name}: {reason}", ExitCode.USAGE)
    data_dir = settings.resolved_data_dir
    source_url = chosen.settings(data_dir=data_dir).sqlalchemy_url
    if make_url(source_url).get_backend_name() != "sqlite":
        raise CliError(
            f"{chosen.name} is not on SQLite here ({safe_url(source_url)}): nothing to move",
            ExitCode.USAGE,
        )
    try:
        migrate_service(chosen, data_dir)
        upgrade(chosen.migrations_dir(), target_url)
        report = asyncio.run(copy_database(source_url, target_url, replace=replace))
    except TargetNotEmpty as exc:
        message = str(exc).replace("pass replace=True", "add --replace")
        raise CliError(f"{chosen.name}: {message}") from exc
    except DatabaseCopyError as exc:
        raise CliError(f"{chosen.name}: {exc}") from exc
    except (SQLAlchemyError, OSError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CliError(
            f"{chosen.name}: cannot use {safe_url(target_url)}: {detail}",
            ExitCode.CONNECTION,
        ) from exc

    rows: list[dict[str, Any]] = [
        {
            "table": table.name,
            "sqlite rows": table.source_rows,
            "postgres rows": table.target_rows,
            "checksum": "match" if table.matches else "DIFFERS",
        }
        for table in report.tables
    ]
    if as_json:
        print_json(
            {
                "service": chosen.name,
                "source": report.source,
                "target": report.target,
                "revision": list(report.revision),
                "verified": report.verified,
                "rows_copied": report.rows_copied,
                "tables": [
                    {
                        "name": table.name,
                        "source_rows": table.source_rows,
                        "target_rows": table.target_rows,
                        "source_checksum": table.source_checksum,
                        "target_checksum": table.target_checksum,
                        "matches": table.matches,
                    }
                    for table in report.tables
                ],
                "skipped": list(report.skipped),
            }
        )
    else:
        print_table(rows, ["table", "sqlite rows", "postgres rows", "checksum"])
    if not report.verified:
        raise CliError(
            f"{chosen.name}: the copy does not match in {', '.join(report.mismatched)}; "
            "keep using the SQLite file"
        )
    if not as_json:
        prefix = chosen.env_prefix
        print_message(
            f"{chosen.name}: {report.rows_copied} rows copied and verified. "
            f"Start it on PostgreSQL with {prefix}DATABASE_URL={safe_url(target_url)}"
        )
