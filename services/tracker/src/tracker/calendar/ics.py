"""RFC 5545 rendering of a user's interviews and open tasks (no database here).

``icalendar`` does the escaping (``,`` ``;`` ``\\`` and newlines) and folds lines at 75
octets without splitting a UTF-8 sequence; this module decides what goes in. UIDs are
derived from row ids so a calendar client updates an entry in place, and DTSTAMP is the
row's last change (RFC 5545 3.8.7.2, for an object without METHOD) so a feed fetched
twice without edits is byte-for-byte the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import icalendar

PRODID = "-//jobhunt//tracker//EN"
UID_DOMAIN = "jobhunt.tracker"
DEFAULT_INTERVIEW_MINUTES = 60


@dataclass(frozen=True)
class FeedEntry:
    """One calendar entry: timed (``start`` a datetime) or all-day (``start`` a date)."""

    uid: str
    summary: str
    start: datetime | date
    end: datetime | date
    changed_at: datetime
    sequence: int = 0
    description: str | None = None
    location: str | None = None
    url: str | None = None
    categories: tuple[str, ...] = ()
    cancelled: bool = False


def interview_entry(
    *,
    interview_id: int,
    title: str,
    company: str | None,
    round_label: str | None,
    scheduled_at: datetime,
    duration_minutes: int | None,
    location: str | None,
    description: str | None,
    changed_at: datetime,
    meeting_url: str | None = None,
    version: int = 0,
    cancelled: bool = False,
) -> FeedEntry:
    """The entry for one scheduled interview."""
    what = f"{title} at {company}" if company else title
    summary = f"Interview ({round_label}): {what}" if round_label else f"Interview: {what}"
    minutes = duration_minutes or DEFAULT_INTERVIEW_MINUTES
    start = scheduled_at.astimezone(UTC)
    if meeting_url is None and location and location.startswith(("http://", "https://")):
        meeting_url = location
    return FeedEntry(
        uid=f"interview-{interview_id}@{UID_DOMAIN}",
        summary=summary,
        start=start,
        end=start + timedelta(minutes=minutes),
        changed_at=changed_at,
        sequence=version,
        description=description,
        location=location or meeting_url,
        url=meeting_url,
        categories=("Interview",),
        cancelled=cancelled,
    )


def task_entry(
    *,
    task_id: int,
    title: str,
    due: datetime | date,
    application_title: str | None,
    description: str | None,
    changed_at: datetime,
    version: int = 0,
) -> FeedEntry:
    """The entry for one open task: timed at its due time, or all-day on its due date."""
    summary = f"{title} ({application_title})" if application_title else title
    if isinstance(due, datetime):
        start: datetime | date = due.astimezone(UTC)
        end: datetime | date = start + timedelta(minutes=30)
    else:
        start, end = due, due + timedelta(days=1)
    return FeedEntry(
        uid=f"task-{task_id}@{UID_DOMAIN}",
        summary=f"To do: {summary}",
        start=start,
        end=end,
        changed_at=changed_at,
        sequence=version,
        description=description,
        categories=("Task",),
    )


def render_calendar(entries: Iterable[FeedEntry], *, name: str = "jobhunt") -> bytes:
    """The whole VCALENDAR as bytes (CRLF line ends, folded, UTF-8)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for entry in entries:
        calendar.add_component(_event(entry))
    payload: bytes = calendar.to_ical()
    return payload


def _event(entry: FeedEntry) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", entry.changed_at.astimezone(UTC))
    event.add("last-modified", entry.changed_at.astimezone(UTC))
    event.add("sequence", entry.sequence)
    event.add("dtstart", entry.start)
    event.add("dtend", entry.end)
    event.add("summary", entry.summary)
    event.add("transp", "TRANSPARENT" if not isinstance(entry.start, datetime) else "OPAQUE")
    if entry.description:
        event.add("description", entry.description)
    if entry.location:
        event.add("location", entry.location)
    if entry.url:
        event.add("url", entry.url)
    if entry.categories:
        event.add("categories", list(entry.categories))
    if entry.cancelled:
        event.add("status", "CANCELLED")
    return event
