"""Tracker writes: If-Match on every update, a stale version re-read and re-merged, never forced."""

from __future__ import annotations

import json
from typing import Any

import httpx

from sheets_sync.merge import merge_fields
from sheets_sync.models import SyncRun
from sheets_sync.planner import Plan, RowUpdate
from sheets_sync.tracker_client import TrackerClient
from sheets_sync.writer import apply_tracker_writes

FIELDS = ["title", "status", "location"]
BASE = {"title": "Dev", "status": "applied", "location": ""}


def _application(version: int, **changes: Any) -> dict[str, Any]:
    return {"id": 1, "version": version, "deleted_at": None, **BASE, **changes}


def _plan() -> Plan:
    sheet: dict[str, str | None] = {**BASE, "status": "offer"}
    merge = merge_fields(FIELDS, BASE, sheet, dict(BASE))
    return Plan(updates=[RowUpdate(1, 1, merge, dict(BASE), 3, sheet, base=dict(BASE))])


async def _run(responses: list[httpx.Response]) -> tuple[Any, list[httpx.Request], SyncRun]:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return responses.pop(0)

    tracker = TrackerClient("http://tracker", "t", transport=httpx.MockTransport(handler))
    run = SyncRun(errors=[])
    try:
        outcome = await apply_tracker_writes(tracker, _plan(), FIELDS, run)
    finally:
        await tracker.aclose()
    return outcome, sent, run


async def test_stale_version_is_re_read_and_re_merged() -> None:
    fresh = _application(5, location="Rome")  # someone edited the tracker meanwhile
    outcome, sent, _run_record = await _run(
        [
            httpx.Response(412, json={"detail": "changed"}),
            httpx.Response(200, json=fresh),
            httpx.Response(200, json=_application(6, location="Rome", status="offer")),
        ]
    )

    assert [(r.method, r.headers.get("if-match")) for r in sent] == [
        ("PATCH", '"3"'),
        ("GET", None),
        ("PATCH", '"5"'),
    ]
    assert json.loads(sent[2].content) == {"status": "offer", "status_source": "sync"}
    merge = outcome.merges[1]
    assert merge.to_sheet == {"location": "Rome"}
    assert outcome.tracker_after[1][1] == 6


async def test_twice_stale_is_recorded_and_nothing_is_overwritten() -> None:
    outcome, sent, run = await _run(
        [
            httpx.Response(412, json={"detail": "changed"}),
            httpx.Response(200, json=_application(5)),
            httpx.Response(412, json={"detail": "changed"}),
            httpx.Response(200, json=_application(6)),
        ]
    )

    assert [r.method for r in sent] == ["PATCH", "GET", "PATCH", "GET"]
    assert outcome.failed == {1}
    assert [e["kind"] for e in run.errors] == ["concurrent_edit"]
