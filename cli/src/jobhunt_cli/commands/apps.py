"""``jobhunt apps``: list, add, show, move and archive job applications."""

from __future__ import annotations

import enum
import uuid
from typing import Annotated, Any

import typer

from jobhunt_cli.client import ApiClient
from jobhunt_cli.commands.common import JsonOption, UrlOption, make_client
from jobhunt_cli.output import error_console, print_fields, print_json, print_message, print_table

app = typer.Typer(help="Your job applications.", no_args_is_help=True)

APPLICATIONS = "/api/tracker/applications"
LIST_COLUMNS = ["id", "title", "company", "status", "updated", "tags"]
PAGE_SIZE_MAX = 100


class Status(enum.StrEnum):
    SAVED = "saved"
    APPLIED = "applied"
    SCREENING = "screening"
    INTERVIEWING = "interviewing"
    OFFER = "offer"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    GHOSTED = "ghosted"


IdArgument = Annotated[int, typer.Argument(help="The application's id.")]


def list_applications(
    client: ApiClient, params: dict[str, Any], limit: int | None
) -> tuple[list[dict[str, Any]], bool]:
    """Items page by page (following ``next_cursor``) until ``limit`` or the end.

    Also says whether more were left (``limit`` reached with a cursor still to follow).
    """
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while limit is None or len(items) < limit:
        page_size = PAGE_SIZE_MAX if limit is None else min(PAGE_SIZE_MAX, limit - len(items))
        query = {**params, "limit": page_size, **({"cursor": cursor} if cursor else {})}
        page = client.json("GET", APPLICATIONS, params=query)
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return items, bool(cursor)


def _row(application: dict[str, Any]) -> dict[str, Any]:
    updated = str(application.get("updated_at") or "")[:10]
    return {**application, "updated": updated}


@app.command("list")
def list_command(
    status: Annotated[
        list[Status] | None, typer.Option("--status", "-s", help="Only these statuses.")
    ] = None,
    q: Annotated[str | None, typer.Option("--q", "-q", help="Full-text search.")] = None,
    company: Annotated[str | None, typer.Option(help="Only this company.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only applications with this tag.")] = None,
    archived: Annotated[
        bool | None, typer.Option("--archived/--active", help="Archived ones, or active ones.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 50,
    all_pages: Annotated[bool, typer.Option("--all", help="Every one, however many.")] = False,
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """List applications, most recently updated first."""
    params: dict[str, Any] = {}
    if status:
        params["status"] = [str(s) for s in status]
    for name, value in (("q", q), ("company", company), ("tag", tag), ("archived", archived)):
        if value is not None:
            params[name] = str(value).lower() if isinstance(value, bool) else value
    with make_client(url) as client:
        items, more = list_applications(client, params, None if all_pages else limit)
    if as_json:
        print_json(items)
    elif not items:
        print_message("no applications")
    else:
        print_table([_row(item) for item in items], LIST_COLUMNS)
        if more:
            error_console.print(f"(first {len(items)} shown; --all or --limit for more)")


@app.command("add")
def add(
    title: Annotated[str, typer.Argument(help="The job title.")],
    company: Annotated[str | None, typer.Option("--company", "-c")] = None,
    status: Annotated[Status, typer.Option("--status", "-s")] = Status.SAVED,
    job_url: Annotated[str | None, typer.Option("--job-url", help="The posting's URL.")] = None,
    location: Annotated[str | None, typer.Option()] = None,
    source: Annotated[str | None, typer.Option(help="Where you found it.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Repeatable.")] = None,
    excitement: Annotated[int | None, typer.Option(min=1, max=5)] = None,
    description: Annotated[str | None, typer.Option()] = None,
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add an application."""
    fields = {
        "title": title,
        "company": company,
        "status": str(status),
        "url": job_url,
        "location": location,
        "source": source,
        "tags": tag,
        "excitement": excitement,
        "description": description,
    }
    body = {key: value for key, value in fields.items() if value is not None}
    # A retried command must not create a second application.
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    with make_client(url) as client:
        created = client.json("POST", APPLICATIONS, json=body, headers=headers)
    if as_json:
        print_json(created)
        return
    at = f" at {created['company']}" if created.get("company") else ""
    print_message(f"added #{created['id']}: {created['title']}{at} ({created['status']})")


@app.command("show")
def show(application_id: IdArgument, url: UrlOption = None, as_json: JsonOption = False) -> None:
    """Show one application and its status history."""
    with make_client(url) as client:
        application = client.json("GET", f"{APPLICATIONS}/{application_id}")
        events = client.json("GET", f"{APPLICATIONS}/{application_id}/events")
    events = events.get("items", events) if isinstance(events, dict) else events
    if as_json:
        print_json({**application, "events": events})
        return
    print_fields(application, title=f"application #{application_id}")
    if events:
        print_table(events, ["at", "from_status", "to_status", "source", "label"], title="history")


def _patch_with_etag(client: ApiClient, application_id: int, body: dict[str, Any]) -> Any:
    path = f"{APPLICATIONS}/{application_id}"
    current = client.request("GET", path)
    etag = current.headers.get("ETag") or f'"{current.json()["version"]}"'
    return client.json("PATCH", path, json=body, headers={"If-Match": etag})


@app.command("move")
def move(
    application_id: IdArgument,
    status: Annotated[Status, typer.Argument(help="The new status.")],
    label: Annotated[str | None, typer.Option(help="A note on the move.")] = None,
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move an application to another status (recorded in its history)."""
    body: dict[str, Any] = {"status": str(status)}
    if label:
        body["status_label"] = label
    with make_client(url) as client:
        updated = _patch_with_etag(client, application_id, body)
    if as_json:
        print_json(updated)
    else:
        print_message(f"#{application_id} {updated['title']}: now {updated['status']}")


@app.command("archive")
def archive(
    application_id: IdArgument,
    undo: Annotated[bool, typer.Option("--undo", help="Unarchive it.")] = False,
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Archive an application (or bring it back with --undo)."""
    with make_client(url) as client:
        updated = _patch_with_etag(client, application_id, {"archived": not undo})
    if as_json:
        print_json(updated)
    else:
        print_message(f"#{application_id} {'unarchived' if undo else 'archived'}")
