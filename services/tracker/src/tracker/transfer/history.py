"""The status history an imported CSV row implies (no database here).

A CSV row says where an application is now and, at best, when it was created, when it
was applied for and when it last moved. We record only what the row states, with
source ``import``: a move into applied at the applied date (when the current stage is
later than applied), then the move into the current stage at the last-moved date (else
the applied date, else the created date, else the import time). Times never run
backwards: a stated time earlier than the previous event is raised to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracker.applications.models import RESPONSE_STATUSES, SENT_STATUSES
from tracker.transfer.csv_import import ApplicationDraft


@dataclass(frozen=True)
class PlannedEvent:
    from_status: str | None
    to_status: str
    at: datetime
    label: str | None = None


def plan_events(draft: ApplicationDraft, now: datetime) -> list[PlannedEvent]:
    """The status events to create for ``draft``, oldest first."""
    applied_at: datetime | None = draft.fields.get("applied_at")
    events: list[PlannedEvent] = []
    previous: str | None = None
    floor = draft.created_at
    if applied_at is not None and draft.status not in {"saved", "applied"}:
        at = max(applied_at, floor) if floor else applied_at
        events.append(PlannedEvent(None, "applied", at))
        previous, floor = "applied", at
    stated = draft.status_changed_at
    if stated is None and draft.status == "applied":
        stated = applied_at
    at = stated or draft.created_at or applied_at or now
    if floor is not None and at < floor:
        at = floor
    events.append(PlannedEvent(previous, draft.status, at, draft.status_label))
    return events


def derived_moments(events: list[PlannedEvent]) -> tuple[datetime | None, datetime | None]:
    """applied_at and first_response_at as the events imply them (as the API derives them:
    the first move into a sent stage, the first move into a stage that means a reply)."""
    applied_at = next((e.at for e in events if e.to_status in SENT_STATUSES), None)
    first_response_at = next((e.at for e in events if e.to_status in RESPONSE_STATUSES), None)
    return applied_at, first_response_at
