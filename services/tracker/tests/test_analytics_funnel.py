"""Funnel arithmetic on a constructed history, against values worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tracker.analytics.funnel import (
    ApplicationHistory,
    StatusChange,
    funnel_stats,
    grouped_stats,
    in_range,
)

NOW = datetime(2024, 6, 1, tzinfo=UTC)
GHOST_AFTER = timedelta(days=30)


def day(month: int, dom: int) -> datetime:
    return datetime(2024, month, dom, tzinfo=UTC)


def history(source: str | None, *moves: tuple[str, datetime]) -> ApplicationHistory:
    return ApplicationHistory(
        status=moves[-1][0],
        source=source,
        events=[StatusChange(status, at) for status, at in moves],
    )


# A: the whole way to accepted.        B: applied, rejected two days later.
# C: screened, interviewed, rejected.  D: applied and silent since February (ghosted).
# E: only saved.                       F: applied in May, screening a week ago (active).
# G: applied, explicitly ghosted a month later.
HISTORIES = {
    "A": history(
        "linkedin",
        ("saved", day(1, 1)),
        ("applied", day(1, 3)),
        ("screening", day(1, 8)),
        ("interviewing", day(1, 15)),
        ("offer", day(1, 25)),
        ("accepted", day(1, 30)),
    ),
    "B": history("linkedin", ("applied", day(1, 5)), ("rejected", day(1, 7))),
    "C": history(
        "referral",
        ("applied", day(2, 1)),
        ("screening", day(2, 11)),
        ("interviewing", day(2, 15)),
        ("rejected", day(2, 20)),
    ),
    "D": history("referral", ("applied", day(2, 10))),
    "E": history(None, ("saved", day(3, 1))),
    "F": history("linkedin", ("applied", day(5, 20)), ("screening", day(5, 25))),
    "G": history("referral", ("applied", day(3, 1)), ("ghosted", day(4, 1))),
}


def test_overall_counts_rates_and_medians() -> None:
    stats = funnel_stats(list(HISTORIES.values()), now=NOW, ghost_after=GHOST_AFTER)
    assert stats.applications == 7
    assert stats.stages.model_dump() == {
        "saved": 7,
        "applied": 6,  # all but E
        "screening": 3,  # A, C, F
        "interviewing": 2,  # A, C
        "offer": 1,
        "accepted": 1,
        "rejected": 2,  # B, C
        "withdrawn": 0,
        "ghosted": 2,  # D (silent 112 days), G (event)
    }
    assert stats.rates.model_dump() == {
        "response": 0.5,
        "interview": 0.3333,
        "offer": 0.1667,
        "acceptance": 1.0,
        "ghosting": 0.3333,
    }
    # First replies: A 5 days, B 2 (rejection), C 10, F 5 → median 5.
    assert stats.median_days_to_first_response == 5.0
    assert stats.median_days_in_stage == {
        "saved": 2.0,  # A only; E's stay is still open
        "applied": 5.0,  # A 5, B 2, C 10, F 5, G 31
        "screening": 5.5,  # A 7, C 4; F open
        "interviewing": 7.5,  # A 10, C 5
        "offer": 5.0,
        "accepted": None,
        "rejected": None,
        "withdrawn": None,
        "ghosted": None,
    }


def test_group_by_source() -> None:
    groups = grouped_stats(HISTORIES.values(), "source", now=NOW, ghost_after=GHOST_AFTER)
    assert [(g.key, g.applications) for g in groups] == [
        ("linkedin", 3),
        ("referral", 3),
        (None, 1),
    ]
    linkedin, referral, unknown = groups
    assert linkedin.rates.response == 0.6667  # A, F of A, B, F
    assert linkedin.rates.ghosting == 0.0
    assert referral.stages.ghosted == 2
    assert referral.rates.ghosting == 0.6667
    assert referral.median_days_to_first_response == 10.0  # only C replied
    assert unknown.stages.applied == 0
    assert unknown.rates.response is None  # no denominator


def test_group_by_month_of_applied() -> None:
    groups = grouped_stats(HISTORIES.values(), "month", now=NOW, ghost_after=GHOST_AFTER)
    assert [(g.key, g.applications) for g in groups] == [
        ("2024-01", 2),
        ("2024-02", 2),
        ("2024-03", 1),
        ("2024-05", 1),
        (None, 1),
    ]


def test_date_range_is_on_applied_and_inclusive() -> None:
    kept = [
        name for name, h in HISTORIES.items() if in_range(h, date(2024, 2, 1), date(2024, 3, 1))
    ]
    assert kept == ["C", "D", "G"]
    assert [n for n, h in HISTORIES.items() if in_range(h, None, None)] == list(HISTORIES)


def test_moving_back_counts_a_stage_once_and_times_each_stay() -> None:
    back_and_forth = history(
        None,
        ("applied", day(1, 1)),
        ("interviewing", day(1, 2)),
        ("screening", day(1, 4)),
        ("interviewing", day(1, 10)),
        ("withdrawn", day(1, 11)),
    )
    stats = funnel_stats([back_and_forth], now=NOW, ghost_after=GHOST_AFTER)
    assert stats.stages.interviewing == 1
    assert stats.stages.withdrawn == 1
    assert stats.median_days_in_stage["interviewing"] == 1.5  # stays of 2 and 1 days
    assert stats.rates.ghosting == 0.0


def test_later_stage_without_applied_event_implies_applied() -> None:
    imported = ApplicationHistory(
        status="interviewing", events=[StatusChange("interviewing", day(3, 1))]
    )
    stats = funnel_stats([imported], now=day(3, 2), ghost_after=GHOST_AFTER)
    assert (stats.stages.applied, stats.stages.screening) == (1, 1)
    assert stats.median_days_to_first_response is None


@pytest.mark.parametrize(
    ("silence", "ghosted"), [(timedelta(days=30), 0), (timedelta(days=30, seconds=1), 1)]
)
def test_silence_threshold(silence: timedelta, ghosted: int) -> None:
    waiting = history(None, ("applied", day(1, 1)))
    stats = funnel_stats([waiting], now=day(1, 1) + silence, ghost_after=GHOST_AFTER)
    assert stats.stages.ghosted == ghosted


def test_empty_input_has_null_rates() -> None:
    stats = funnel_stats([], now=NOW, ghost_after=GHOST_AFTER)
    assert stats.applications == 0
    assert set(stats.rates.model_dump().values()) == {None}
