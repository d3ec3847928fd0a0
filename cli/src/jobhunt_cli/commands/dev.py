"""``jobhunt dev``: helpers for trying things offline."""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

from jobhunt_cli.errors import CliError, ExitCode

app = typer.Typer(help="Developer helpers.", no_args_is_help=True)


@app.command("fake-sheets")
def fake_sheets(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8090,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Run a local fake of the Google Sheets API (point SHEETS_GOOGLE_*_URL at it)."""
    try:
        fake_google = importlib.import_module("sheets_sync.fake_google")
    except ImportError as exc:
        raise CliError(f"the fake Sheets server is not available: {exc}", ExitCode.USAGE) from exc
    typer.echo(f"fake Google Sheets API on http://{host}:{port} (Ctrl-C to stop)", err=True)
    fake_google.serve(host, port)
