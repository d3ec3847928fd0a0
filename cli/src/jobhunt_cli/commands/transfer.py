"""``jobhunt import`` and ``jobhunt export``, with a progress bar on a terminal."""

from __future__ import annotations

import enum
import io
import sys
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TransferSpeedColumn,
)

from jobhunt_cli.commands.common import JsonOption, UrlOption, make_client
from jobhunt_cli.errors import CliError, ExitCode
from jobhunt_cli.output import error_console, print_fields, print_json, print_table

IMPORT_PATH = "/api/tracker/import"
EXPORT_PATH = "/api/tracker/export"


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSON = "json"


class ProgressReader(io.RawIOBase):
    """A binary file that advances a progress bar as it is read."""

    def __init__(self, raw: IO[bytes], progress: Progress, task: TaskID) -> None:
        self.raw = raw
        self.progress = progress
        self.task = task

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        done = "uploaded; the server is working" if not data else None
        self.progress.update(self.task, completed=self.raw.tell(), description=done)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        position = self.raw.seek(offset, whence)
        self.progress.update(self.task, completed=position)
        return position

    def tell(self) -> int:
        return self.raw.tell()


def _progress(*, hidden: bool = False) -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=error_console,
        transient=True,
        disable=hidden or not error_console.is_terminal,
    )


def import_command(
    file: Annotated[Path, typer.Argument(help="A CSV (Huntr, JobSync, Teal, ours) or JSON file.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and report without saving anything.")
    ] = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid rows, skip the bad ones.")
    ] = False,
    import_format: Annotated[
        str,
        typer.Option("--format", "-f", help="auto, huntr, jobsync, teal, generic or json."),
    ] = "auto",
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import applications from a CSV (Huntr, JobSync, Teal, ours) or our JSON export."""
    if not file.is_file():
        raise CliError(f"{file} is not a readable file", ExitCode.USAGE)
    content_type = "application/json" if file.suffix.lower() == ".json" else "text/csv"
    size = file.stat().st_size
    with make_client(url) as client, file.open("rb") as raw, _progress() as progress:
        task = progress.add_task(f"uploading {file.name}", total=size)
        reader = ProgressReader(raw, progress, task)
        report = client.json(
            "POST",
            IMPORT_PATH,
            files={"file": (file.name, reader, content_type)},
            params={
                "format": import_format,
                "dry_run": _flag(dry_run),
                "skip_invalid": _flag(skip_invalid),
            },
            timeout=300.0,
        )
    if as_json:
        print_json(report)
        return
    _print_import_report(report, dry_run)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _print_import_report(report: Any, dry_run: bool) -> None:
    if not isinstance(report, dict):
        print_json(report)
        return
    summary = {k: v for k, v in report.items() if k not in {"errors", "preview", "mapping"}}
    title = "import (dry run: nothing saved)" if dry_run else "import"
    print_fields(summary, title=title)
    if report.get("mapping"):
        print_fields(report["mapping"], title="columns used")
    errors = report.get("errors") or []
    if errors and all(isinstance(e, dict) for e in errors):
        columns = list(dict.fromkeys(k for row in errors[:50] for k in row))
        print_table(errors[:50], columns, title=f"errors ({len(errors)})")


def export_command(
    export_format: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="File format.")
    ] = ExportFormat.CSV,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    url: UrlOption = None,
) -> None:
    """Export every application (CSV or JSON)."""
    target: IO[bytes] = output.open("wb") if output is not None else sys.stdout.buffer
    try:
        with (
            make_client(url) as client,
            client.stream(
                "GET", EXPORT_PATH, params={"format": str(export_format)}, timeout=300.0
            ) as response,
            # Data going to the terminal itself would be garbled by a bar redrawn over it.
            _progress(hidden=output is None and sys.stdout.isatty()) as progress,
        ):
            length = response.headers.get("Content-Length")
            task = progress.add_task(
                "downloading", total=int(length) if length and length.isdigit() else None
            )
            for chunk in response.iter_bytes():
                target.write(chunk)
                progress.advance(task, len(chunk))
    finally:
        if output is not None:
            target.close()
        else:
            target.flush()
    if output is not None:
        error_console.print(f"exported to {output}", markup=False, highlight=False)


def register_commands(app: typer.Typer) -> None:
    app.command("import", rich_help_panel="Data")(import_command)
    app.command("export", rich_help_panel="Data")(export_command)
