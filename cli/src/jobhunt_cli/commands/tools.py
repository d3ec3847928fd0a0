"""The other tools: ``analyze`` (keyword match) and ``sync`` (Google Sheets)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from jobhunt_cli.commands.common import JsonOption, UrlOption, make_client
from jobhunt_cli.errors import CliError, ExitCode
from jobhunt_cli.output import print_fields, print_json, print_message, print_table

MATCH_PATH = "/api/keywords/match"
# Resumes in these formats are uploaded as files for the analyzer to read.
UPLOAD_RESUME_SUFFIXES = {".pdf", ".docx"}
HTML_SUFFIXES = {".html", ".htm"}
MATCHED_COLUMNS = ["term", "category", "required", "match", "advice"]
MISSING_COLUMNS = ["term", "category", "required", "count", "importance"]


def _read_text(path: Path) -> str:
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}", ExitCode.USAGE) from exc


def _match_request(
    job: Path, resume: Path | None, resume_id: int | None, title: str | None, save: bool
) -> dict[str, Any]:
    """The ``/keywords/match`` request: JSON, or multipart when the resume is a PDF/DOCX."""
    if (resume is None) == (resume_id is None):
        raise CliError("give the resume once: --resume FILE or --resume-id ID", ExitCode.USAGE)
    job_field = "job_html" if job.suffix.lower() in HTML_SUFFIXES else "job_text"
    fields: dict[str, Any] = {job_field: _read_text(job), "save": save}
    if title:
        fields["job_title"] = title
    if resume_id is not None:
        return {"json": {**fields, "resume_id": resume_id}}
    assert resume is not None
    if resume.suffix.lower() not in UPLOAD_RESUME_SUFFIXES:
        return {"json": {**fields, "resume_text": _read_text(resume)}}
    try:
        content = resume.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {resume}: {exc.strerror}", ExitCode.USAGE) from exc
    form = {
        key: str(value).lower() if isinstance(value, bool) else value
        for key, value in fields.items()
    }
    return {"data": form, "files": {"resume": (resume.name, content)}}


def analyze(
    job: Annotated[
        Path,
        typer.Option("--job", "-j", help="The job posting: text or HTML file, - for stdin."),
    ],
    resume: Annotated[
        Path | None,
        typer.Option("--resume", "-r", help="Your resume: text, PDF or DOCX file."),
    ] = None,
    resume_id: Annotated[
        int | None, typer.Option("--resume-id", help="A resume saved in the analyzer.")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="The job title.")] = None,
    save: Annotated[
        bool, typer.Option("--save/--no-save", help="Keep the analysis in your history.")
    ] = True,
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Score a resume against a job posting the way an ATS would, and list what is missing."""
    request = _match_request(job, resume, resume_id, title, save)
    with make_client(url) as client:
        result = client.json("POST", MATCH_PATH, **request)
    if as_json or not isinstance(result, dict):
        print_json(result)
        return
    _print_match(result)


def _print_match(result: dict[str, Any]) -> None:
    print_message(f"match score: {result.get('score')}/100")
    if result.get("explanation"):
        print_message(str(result["explanation"]))
    breakdown = result.get("breakdown")
    if isinstance(breakdown, dict) and breakdown:
        rows = [{"part": name, **_as_dict(value)} for name, value in breakdown.items()]
        columns = list(dict.fromkeys(k for row in rows for k in row))
        print_table(rows, columns, title="breakdown")
    for key, preferred in (("missing", MISSING_COLUMNS), ("matched", MATCHED_COLUMNS)):
        rows = result.get(key) or []
        if rows:
            present = {k for row in rows for k in row}
            columns = [c for c in preferred if c in present] or sorted(present)
            print_table(rows, columns, title=f"{key} ({len(rows)})")


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {"score": value}


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
