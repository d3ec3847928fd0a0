"""Funnel arithmetic over plain status histories (no database here).

Definitions live in ``schemas`` as field descriptions; this module implements them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise
from statistics import median
from typing import NamedTuple

from tracker.analytics.schemas import (
    FunnelGroup,
    FunnelRates,
    FunnelStats,
    GroupBy,
    StageCounts,
)

PIPELINE = ("saved", "applied", "screening", "interviewing", "offer", "accepted")
RANK = {status: rank for rank, status in enumerate(PIPELINE)}
CLOSED = ("rejected", "withdrawn", "ghosted")
STATUSES = PIPELINE + CLOSED
SENT = frozenset(PIPELINE[1:])
ACTIVE_FOR_GHOSTING = frozenset({"applied", "screening", "interviewing"})
RESPONSES = frozenset({"screening", "interviewing", "offer", "accepted", "rejected"})
SECONDS_PER_DAY = 86_400


class StatusChange(NamedTuple):
    to_status: str
    at: datetime


@dataclass(slots=True)
class ApplicationHistory:
    """What the funnel needs to know about one application."""

    status: str
    source: str | None = None
    applied_at: datetime | None = None
    events: list[StatusChange] = field(default_factory=list)

    def ordered(self) -> list[StatusChange]:
        """The events oldest first (computed once: set ``events`` before asking)."""
        if self._ordered is None:
            self._ordered = sorted(self.events, key=lambda change: change.at)
        return self._ordered

    def applied_moment(self) -> datetime | None:
        """The first move into applied or a later pipeline stage, else the stored applied_at."""
        for change in self.ordered():
            if change.to_status in SENT:
                return change.at
        return self.applied_at

    _ordered: list[StatusChange] | None = field(default=None, init=False, repr=False, compare=False)


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _median_days(durations: Sequence[timedelta]) -> float | None:
    if not durations:
        return None
    return round(median(d.total_seconds() for d in durations) / SECONDS_PER_DAY, 2)


def _is_ghosted(history: ApplicationHistory, now: datetime, ghost_after: timedelta) -> bool:
    events = history.ordered()
    if any(change.to_status == "ghosted" for change in events):
        return True
    if history.status not in ACTIVE_FOR_GHOSTING or not events:
        return False
    return now - events[-1].at > ghost_after  # as the applications API decides it


def funnel_stats(
    histories: Sequence[ApplicationHistory], *, now: datetime, ghost_after: timedelta
) -> FunnelStats:
    """Counts, rates and medians for one set of applications."""
    reached = dict.fromkeys(STATUSES, 0)
    to_first_response: list[timedelta] = []
    stays: dict[str, list[timedelta]] = defaultdict(list)
    for history in histories:
        events = history.ordered()
        seen = {change.to_status for change in events} | {history.status}
        top = max((RANK[s] for s in seen if s in RANK), default=0)
        if history.applied_at is not None:
            top = max(top, RANK["applied"])
        for status in PIPELINE:
            if top >= RANK[status]:
                reached[status] += 1
        for status in ("rejected", "withdrawn"):
            if status in seen:
                reached[status] += 1
        ghosted = _is_ghosted(history, now, ghost_after)
        if ghosted and top >= RANK["applied"]:
            reached["ghosted"] += 1
        for current, following in pairwise(events):
            stays[current.to_status].append(following.at - current.at)
        applied = history.applied_moment()
        if applied is not None:
            response = next(
                (c.at for c in events if c.at > applied and c.to_status in RESPONSES), None
            )
            if response is not None:
                to_first_response.append(response - applied)
    # Ghosted is counted among applied applications only, so the rate stays within [0, 1];
    # a saved card that was never sent cannot be ghosted.
    applied_count = reached["applied"]
    return FunnelStats(
        applications=len(histories),
        stages=StageCounts(**reached),
        rates=FunnelRates(
            response=_ratio(reached["screening"], applied_count),
            interview=_ratio(reached["interviewing"], applied_count),
            offer=_ratio(reached["offer"], applied_count),
            acceptance=_ratio(reached["accepted"], reached["offer"]),
            ghosting=_ratio(reached["ghosted"], applied_count),
        ),
        median_days_to_first_response=_median_days(to_first_response),
        median_days_in_stage={status: _median_days(stays[status]) for status in STATUSES},
    )


def in_range(
    history: ApplicationHistory, applied_from: date | None, applied_to: date | None
) -> bool:
    """Whether the applied moment falls in the (inclusive, UTC) date range."""
    if applied_from is None and applied_to is None:
        return True
    moment = history.applied_moment()
    if moment is None:
        return False
    day = moment.date()
    return (applied_from is None or day >= applied_from) and (
        applied_to is None or day <= applied_to
    )


def group_key(history: ApplicationHistory, group_by: GroupBy) -> str | None:
    if group_by == "source":
        return history.source
    moment = history.applied_moment()
    return moment.strftime("%Y-%m") if moment else None


def grouped_stats(
    histories: Iterable[ApplicationHistory],
    group_by: GroupBy,
    *,
    now: datetime,
    ghost_after: timedelta,
) -> list[FunnelGroup]:
    """One ``FunnelGroup`` per key, largest first (ties by key, null last)."""
    groups: dict[str | None, list[ApplicationHistory]] = defaultdict(list)
    for history in histories:
        groups[group_key(history, group_by)].append(history)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0] is None, kv[0] or ""))
    return [
        FunnelGroup(key=key, **funnel_stats(members, now=now, ghost_after=ghost_after).model_dump())
        for key, members in ordered
    ]
