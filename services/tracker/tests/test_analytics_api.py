"""The funnel endpoint over a history imported through the API, checked by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

Auth = Callable[..., dict[str, str]]
FUNNEL = "/tracker/analytics/funnel"


def application(
    ref: int, source: str | None, *moves: tuple[str, str], deleted: bool = False
) -> dict[str, Any]:
    return {
        "id": ref,
        "title": f"Job {ref}",
        "source": source,
        "status": moves[-1][0],
        "deleted_at": "2024-05-01T00:00:00+00:00" if deleted else None,
        "status_events": [
            {"to_status": status, "at": f"2024-{day}T00:00:00+00:00"} for status, day in moves
        ],
    }


# A: all the way to accepted. B: rejected after 2 days. C: screened, interviewed, rejected.
# D: applied in February, silent since (ghosted by the 30-day rule). E: saved only.
# F: deleted (a tombstone counts for nothing).
HISTORY = {
    "format": "jobhunt-tracker-export",
    "format_version": 1,
    "applications": [
        application(
            1,
            "linkedin",
            ("saved", "01-01"),
            ("applied", "01-03"),
            ("screening", "01-08"),
            ("interviewing", "01-15"),
            ("offer", "01-25"),
            ("accepted", "01-30"),
        ),
        application(2, "linkedin", ("applied", "01-05"), ("rejected", "01-07")),
        application(
            3,
            "referral",
            ("applied", "02-01"),
            ("screening", "02-11"),
            ("interviewing", "02-15"),
            ("rejected", "02-20"),
        ),
        application(4, "referral", ("applied", "02-10")),
        application(5, None, ("saved", "03-01")),
        application(6, "linkedin", ("applied", "02-01"), ("offer", "02-02"), deleted=True),
    ],
}


@pytest.fixture
async def history(client: httpx.AsyncClient, auth: Auth, alice: str) -> None:
    response = await client.post(
        "/tracker/import", json=HISTORY, headers=auth(alice), params={"format": "json"}
    )
    assert response.status_code == 200, response.text


@pytest.mark.usefixtures("history")
async def test_funnel_numbers(client: httpx.AsyncClient, auth: Auth, alice: str) -> None:
    response = await client.get(FUNNEL, headers=auth(alice))
    assert response.status_code == 200
    report = response.json()
    assert report["groups"] == []
    overall = report["overall"]
    assert overall["applications"] == 5
    assert overall["stages"] == {
        "saved": 5,
        "applied": 4,
        "screening": 2,
        "interviewing": 2,
        "offer": 1,
        "accepted": 1,
        "rejected": 2,
        "withdrawn": 0,
        "ghosted": 1,
    }
    assert overall["rates"] == {
        "response": 0.5,
        "interview": 0.5,
        "offer": 0.25,
        "acceptance": 1.0,
        "ghosting": 0.25,
    }
    assert overall["median_days_to_first_response"] == 5.0  # 5, 2 and 10 days
    assert overall["median_days_in_stage"] == {
        "saved": 2.0,
        "applied": 5.0,
        "screening": 5.5,
        "interviewing": 7.5,
        "offer": 5.0,
        "accepted": None,
        "rejected": None,
        "withdrawn": None,
        "ghosted": None,
    }


@pytest.mark.usefixtures("history")
async def test_grouping_and_date_range(client: httpx.AsyncClient, auth: Auth, alice: str) -> None:
    by_source = (
        await client.get(FUNNEL, params={"group_by": "source"}, headers=auth(alice))
    ).json()
    assert [(g["key"], g["applications"]) for g in by_source["groups"]] == [
        ("linkedin", 2),
        ("referral", 2),
        (None, 1),
    ]
    assert by_source["groups"][1]["rates"]["ghosting"] == 0.5
    by_month = (await client.get(FUNNEL, params={"group_by": "month"}, headers=auth(alice))).json()
    assert [(g["key"], g["applications"]) for g in by_month["groups"]] == [
        ("2024-01", 2),
        ("2024-02", 2),
        (None, 1),
    ]
    february = await client.get(
        FUNNEL,
        params={"applied_from": "2024-02-01", "applied_to": "2024-02-29"},
        headers=auth(alice),
    )
    assert february.json()["overall"]["applications"] == 2
    assert february.json()["overall"]["stages"]["interviewing"] == 1


@pytest.mark.usefixtures("history")
async def test_other_users_see_only_their_own_funnel(
    client: httpx.AsyncClient, auth: Auth, bob: str
) -> None:
    report = (await client.get(FUNNEL, headers=auth(bob))).json()
    assert report["overall"]["applications"] == 0
    assert report["overall"]["rates"]["response"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"group_by": "company"},
        {"applied_from": "2024-03-01", "applied_to": "2024-02-01"},
        {"applied_from": "March"},
    ],
)
async def test_bad_parameters_are_422(
    client: httpx.AsyncClient, auth: Auth, alice: str, params: dict[str, str]
) -> None:
    response = await client.get(FUNNEL, params=params, headers=auth(alice))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
