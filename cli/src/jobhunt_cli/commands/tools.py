"""The other tools: ``analyze`` (keyword match) and ``sync`` (Google Sheets)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from jobhunt_cli.commands.common import JsonOption, UrlOption, make_client
from jobhunt_cli.errors import CliError, ExitCode
from jobhunt_cli.output import print_fields, print_json, print_table

MATCH_PATH = "/api/keywords/match"
# Resumes in these formats are uploaded as files for the analyzer to read.
BINARY_RESUME_SUFFIXES = {".pdf", ".docx"}


def _read_text(path: Path) -> str:
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}", ExitCode.USAGE) from exc


def analyze(
    job: Annotated[
        Path, typer.Option("--job", "-j", help="The job posting (text file, - for stdin).")
    ],
    resume: Annotated[
        Path, typer.Option("--resume", "-r", help="Your resume (text, PDF or DOCX).")
    ],
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare a resume with a job posting the way an ATS would."""
    job_text = _read_text(job)
    request: dict[str, Any]
    if resume.suffix.lower() in BINARY_RESUME_SUFFIXES:
        if not resume.is_file():
            raise CliError(f"{resume} is not a readable file", ExitCode.USAGE)
        request = {
            "files": {"resume_file": (resume.name, resume.read_bytes())},
            "data": {"job_text": job_text},
        }
    else:
        request = {"json": {"job": {"text": job_text}, "resume": {"text": _read_text(resume)}}}
    with make_client(url) as client:
        result = client.json("POST", MATCH_PATH, **request)
    if as_json or not isinstance(result, dict):
        print_json(result)
        return
    _print_match(result)


def _print_match(result: dict[str, Any]) -> None:
    scalars = {k: v for k, v in result.items() if not isinstance(v, list | dict)}
    print_fields(scalars, title="match")
    for key, value in result.items():
        if isinstance(value, list) and value:
            if all(isinstance(v, dict) for v in value):
                columns = list(dict.fromkeys(k for row in value for k in row))
                print_table(value, columns, title=key)
            else:
                print_fields({key: value})
        elif isinstance(value, dict) and value:
            print_fields(value, title=key)


def sync(
    connection_id: Annotated[int, typer.Argument(help="The sheet connection's id.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Plan the changes without writing any.")
    ] = False,
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sync the tracker with a Google Sheet now."""
    with make_client(url) as client:
        result = client.json(
            "POST",
            f"/api/sheets/connections/{connection_id}/sync",
            params={"dry_run": "true" if dry_run else "false"},
            timeout=300.0,
        )
    if as_json or not isinstance(result, dict):
        print_json(result)
        return
    run = result.get("run", {})
    print_fields(
        {k: v for k, v in run.items() if not isinstance(v, list | dict)},
        title="sync run (dry run)" if dry_run else "sync run",
    )
    changes = result.get("changes") or []
    if changes:
        columns = list(dict.fromkeys(k for row in changes[:100] for k in row))
        print_table(changes[:100], columns, title=f"changes ({len(changes)})")


def register_commands(app: typer.Typer) -> None:
    app.command(rich_help_panel="Tools")(analyze)
    app.command(rich_help_panel="Tools")(sync)
