"""Faults, crashes, concurrency, dry runs, delegation and request budgets."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from sheets_sync_harness import Harness

from jobhunt_common.db import Database
from sheets_sync.crypto import SecretBox, load_or_create_key
from sheets_sync.fake_google import FaultPlan
from sheets_sync.leases import acquire_lease, release_lease
from sheets_sync.models import SheetConnection
from sheets_sync.scheduler import run_due_syncs
from sheets_sync.sync import SyncServices


async def test_fault_run_ends_consistent_nothing_lost_nothing_duplicated(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked(*(f"Job {i}" for i in range(12)))
    worksheet = harness.worksheet(spreadsheet_id)
    worksheet.append_rows([["", f"Sheet job {i}", "Sheet Co", "saved"] for i in range(5)])
    harness.set_cell(spreadsheet_id, "Job 3", "Status", "rejected")
    for i in range(12, 16):
        await harness.add_application(title=f"Job {i}", company="Tracker Co")
    await harness.edit_application((await harness.by_title("Job 5"))["id"], location="Remote")
    harness.fake.faults = FaultPlan(failure_rate=0.3, statuses=[429, 500], retry_after_seconds=0)

    statuses = []
    for _attempt in range(10):
        response = await harness.client.post(
            f"/sheets/connections/{connection_id}/sync", json={}, headers=harness.headers
        )
        statuses.append(response.status_code)
        if response.status_code == 200:
            break
    harness.fake.faults = FaultPlan()
    assert statuses[-1] == 200, statuses
    assert harness.fake.stats.faults > 0

    final = (await harness.sync(connection_id))["run"]
    assert (final["rows_created"], final["rows_appended"], final["rows_pulled"]) == (0, 0, 0)
    applications = await harness.applications()
    titles = Counter(a["title"] for a in applications)
    assert len(applications) == 21
    assert set(titles.values()) == {1}
    records = harness.records(spreadsheet_id)
    assert Counter(r["Title"] for r in records) == titles
    by_id = {str(a["id"]): a for a in applications}
    for record in records:
        application = by_id[record["Tracker ID"]]
        assert (record["Title"], record["Status"]) == (application["title"], application["status"])
    assert (await harness.by_title("Job 3"))["status"] == "rejected"
    assert harness.cell(spreadsheet_id, "Job 5", "Location") == "Remote"


async def test_sync_killed_after_tracker_writes_reruns_without_duplicates(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha")
    harness.worksheet(spreadsheet_id).append_row(["", "New from sheet", "Sheet Co", "saved"])
    # Every sheet write fails: the tracker has created the application, the sheet lacks its id.
    harness.fake.faults = FaultPlan(statuses=[500], failure_rate=1.0, path_contains="batchUpdate")
    response = await harness.client.post(
        f"/sheets/connections/{connection_id}/sync", json={}, headers=harness.headers
    )
    assert response.status_code == 502, response.text
    assert len(await harness.applications()) == 2
    harness.fake.faults = FaultPlan()

    run = (await harness.sync(connection_id))["run"]

    assert (run["rows_created"], run["rows_appended"]) == (1, 0)
    assert len(await harness.applications()) == 2
    new = await harness.by_title("New from sheet")
    assert harness.cell(spreadsheet_id, "New from sheet", "Tracker ID") == str(new["id"])
    assert len(harness.records(spreadsheet_id)) == 2


async def test_second_concurrent_sync_gets_409(harness: Harness) -> None:
    _spreadsheet_id, connection_id = await harness.linked("Alpha")
    database = Database(harness.settings.sqlalchemy_url)
    try:
        assert await acquire_lease(database, connection_id, "other-worker", 60)
        response = await harness.client.post(
            f"/sheets/connections/{connection_id}/sync", json={}, headers=harness.headers
        )
        assert response.status_code == 409
        await release_lease(database, connection_id, "other-worker")
        assert await acquire_lease(database, connection_id, "stale", -1)  # expired at once
        assert await acquire_lease(database, connection_id, "taker", 60)
        await release_lease(database, connection_id, "taker")
    finally:
        await database.dispose()
    await harness.sync(connection_id)


async def test_dry_run_plans_without_writing(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha")
    harness.set_cell(spreadsheet_id, "Alpha", "Status", "offer")
    await harness.add_application(title="Beta")
    writes_before = harness.fake.stats.writes

    result = await harness.sync(connection_id, dry_run=True)

    actions = sorted(c["action"] for c in result["changes"])
    assert actions == ["append_row", "update_tracker"]
    assert result["run"]["dry_run"] is True
    assert harness.fake.stats.writes == writes_before
    assert (await harness.by_title("Alpha"))["status"] == "applied"
    assert [r["Title"] for r in harness.records(spreadsheet_id)] == ["Alpha"]


async def test_each_sync_costs_at_most_three_reads_and_two_writes(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked(*(f"Job {i}" for i in range(30)))
    worksheet = harness.worksheet(spreadsheet_id)
    rows = worksheet.get_all_values()
    title, location = rows[0].index("Title"), rows[0].index("Location")
    for row in rows[1:]:
        if int(row[title].split()[1]) % 3 == 0:
            row[location] = f"City {row[title]}"
    worksheet.update(rows, "A1")
    by_title = {a["title"]: a for a in await harness.applications()}
    for i in range(1, 30, 3):
        await harness.edit_application(by_title[f"Job {i}"]["id"], status="offer")
    harness.worksheet(spreadsheet_id).append_row(["", "From sheet", "Co", "saved"])
    await harness.add_application(title="From tracker")
    harness.fake.stats.reads = harness.fake.stats.writes = 0

    run = (await harness.sync(connection_id))["run"]

    # Metadata + values read; one values batchUpdate (the grid is big enough: no structure).
    assert (harness.fake.stats.reads, harness.fake.stats.writes) == (2, 1)
    assert (run["google_reads"], run["google_writes"]) == (2, 1)
    runs = (
        await harness.client.get(
            f"/sheets/connections/{connection_id}/runs", headers=harness.headers
        )
    ).json()["items"]
    assert all(r["google_reads"] <= 3 and r["google_writes"] <= 2 for r in runs)
    latest = runs[0]
    counts = (latest["rows_pulled"], latest["rows_pushed"], latest["rows_created"])
    # 10 sheet edits pulled; 10 tracker edits pushed + 10 pulled rows' new "Updated at".
    assert (*counts, latest["rows_appended"]) == (10, 20, 1, 1)


async def test_scheduled_sync_uses_the_delegation_and_stops_when_revoked(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha", schedule_minutes=5)
    await harness.add_application(title="Beta")
    database = Database(harness.settings.sqlalchemy_url)
    services = SyncServices(
        harness.settings,
        database,
        SecretBox(load_or_create_key(harness.settings.encryption_key_path)),
    )
    try:
        assert await run_due_syncs(services) == [connection_id]
        assert "Beta" in [r["Title"] for r in harness.records(spreadsheet_id)]
        assert await run_due_syncs(services) == []  # not due again for 5 minutes

        async with database.sessionmaker() as session:
            connection = await session.get(SheetConnection, connection_id)
            assert connection is not None
            assert connection.status == "active"
            delegation_id = connection.delegation_id
        response = await harness.tracker("DELETE", f"/auth/delegations/{delegation_id}")
        assert response.status_code == 204
        await harness.client.patch(
            f"/sheets/connections/{connection_id}",
            json={"schedule_minutes": 5},
            headers=harness.headers,
        )  # due again now
        await run_due_syncs(services)
    finally:
        await database.dispose()
    connection = (
        await harness.client.get(f"/sheets/connections/{connection_id}", headers=harness.headers)
    ).json()
    assert connection["status"] == "delegation_revoked"
    assert "renew" in connection["status_detail"]
    response = await harness.client.post(
        f"/sheets/connections/{connection_id}/delegation", headers=harness.headers
    )
    assert response.status_code == 200
    assert response.json()["status"] == "active"


async def test_google_refusals_give_a_clear_status(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha")
    url = f"/sheets/connections/{connection_id}/sync"
    harness.fake.faults = FaultPlan(failure_rate=1.0, statuses=[429])
    quota = await harness.client.post(url, json={}, headers=harness.headers)
    harness.fake.faults = FaultPlan()
    harness.fake.state.spreadsheets[spreadsheet_id].shared_with = {"someone@example.com"}
    denied = await harness.client.post(url, json={}, headers=harness.headers)
    del harness.fake.state.spreadsheets[spreadsheet_id]
    missing = await harness.client.post(url, json={}, headers=harness.headers)

    assert (quota.status_code, quota.json()["kind"]) == (429, "quota")
    assert (denied.status_code, denied.json()["kind"]) == (422, "permission_denied")
    assert harness.key["client_email"] in denied.json()["detail"]
    assert (missing.status_code, missing.json()["kind"]) == (422, "not_found")
    runs = (
        await harness.client.get(
            f"/sheets/connections/{connection_id}/runs", headers=harness.headers
        )
    ).json()["items"]
    assert [r["status"] for r in runs[:3]] == ["failed", "failed", "failed"]
    assert runs[2]["google_retries"] > 0


async def test_two_syncs_at_once_one_runs_one_gets_409(harness: Harness) -> None:
    _spreadsheet_id, connection_id = await harness.linked("Alpha")
    harness.fake.faults = FaultPlan(latency_seconds=0.3)  # keeps the first sync busy
    url = f"/sheets/connections/{connection_id}/sync"

    first, second = await asyncio.gather(
        harness.client.post(url, json={}, headers=harness.headers),
        harness.client.post(url, json={}, headers=harness.headers),
    )

    assert sorted([first.status_code, second.status_code]) == [200, 409]
    busy = first if first.status_code == 409 else second
    assert busy.json()["type"].endswith("sync-already-running")


async def test_token_without_application_scopes_is_refused_by_the_tracker(
    harness: Harness, token_signer: Any
) -> None:
    _spreadsheet_id, connection_id = await harness.linked("Alpha")
    narrow = token_signer.sign(harness.user_id, scopes={"keywords:read"})

    response = await harness.client.post(
        f"/sheets/connections/{connection_id}/sync",
        json={},
        headers={"Authorization": f"Bearer {narrow}"},
    )

    assert response.status_code == 403, response.text
    assert response.json()["kind"] == "tracker_refused"
