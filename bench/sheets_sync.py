"""Benchmark: Google API requests and wall time of sheets-sync at 5,000 applications.

Runs the sheets-sync service in-process against the local fake Sheets API and the real
tracker service over HTTP (both on SQLite files in a temporary directory), then prints,
for each scenario, the Google requests the sync made (reads, writes) and its wall time,
next to what a naive per-row gspread loop would need.

    uv run python bench/sheets_sync.py            # 5,000 applications
    uv run python bench/sheets_sync.py --rows 500 # quicker
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

# This file shares its name with the package it measures: keep bench/ off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from jobhunt_common.auth import TokenSigner, generate_keypair, load_private_key  # noqa: E402
from jobhunt_common.migrations import upgrade  # noqa: E402
from jobhunt_common.testing import app_client  # noqa: E402
from sheets_sync.config import Settings  # noqa: E402
from sheets_sync.db import MIGRATIONS_DIR  # noqa: E402
from sheets_sync.fake_google import BackgroundServer, FakeGoogle, service_account_key  # noqa: E402
from sheets_sync.main import create_app  # noqa: E402
from tracker.config import Settings as TrackerSettings  # noqa: E402
from tracker.db import MIGRATIONS_DIR as TRACKER_MIGRATIONS_DIR  # noqa: E402
from tracker.main import create_app as create_tracker_app  # noqa: E402

STATUSES = ["saved", "applied", "screening", "interviewing", "offer", "rejected"]
QUOTA_PER_MINUTE = 60


def _naive(changed_tracker: int, changed_sheet: int, new_rows: int) -> tuple[int, int]:
    """Requests of a per-row gspread loop (open + read all; find + update per changed row).

    open_by_key + worksheet(): 2 reads; get_all_records(): 1 read; each tracker change:
    find(id) 1 read + update(row) 1 write; each new application: append_row, 1 write;
    each sheet change pulled: update_cell of its "Updated at", 1 write.
    """
    reads = 3 + changed_tracker
    writes = changed_tracker + new_rows + changed_sheet
    return reads, writes


async def _run(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        private, public = generate_keypair(tmp / "keys")
        signer = TokenSigner(load_private_key(private))
        fake = FakeGoogle(seed=11)
        database_url = f"sqlite:///{tmp / 'sheets_sync.db'}"
        tracker_database_url = f"sqlite:///{tmp / 'tracker.db'}"
        await asyncio.to_thread(upgrade, MIGRATIONS_DIR, database_url)
        await asyncio.to_thread(upgrade, TRACKER_MIGRATIONS_DIR, tracker_database_url)
        tracker_app = create_tracker_app(
            TrackerSettings(
                data_dir=tmp,
                database_url=tracker_database_url,
                jwt_public_key_file=public,
                jwt_private_key_file=private,
                log_level="WARNING",
            )
        )
        with BackgroundServer(fake.app) as google, BackgroundServer(tracker_app) as tracker:
            settings = Settings(
                data_dir=tmp,
                database_url=database_url,
                jwt_public_key_file=public,
                tracker_url=tracker.url,
                google_sheets_url=google.url,
                google_drive_url=google.url,
                google_token_url=f"{google.url}/token",
                scheduler_enabled=False,
                log_level="WARNING",
                # Back-to-back syncs would wait on the 50/min service-account budget; the
                # bench measures the sync itself, so the budget is lifted here.
                google_requests_per_minute=10_000,
                google_request_burst=1_000,
            )
            async with httpx.AsyncClient(base_url=tracker.url) as anonymous:
                registered = await anonymous.post(
                    "/auth/register",
                    json={"email": "bench@example.com", "password": "a long bench passphrase"},
                )
                registered.raise_for_status()
            token = signer.sign(registered.json()["id"], ttl=timedelta(hours=2))
            headers = {"Authorization": f"Bearer {token}"}
            async with (
                httpx.AsyncClient(base_url=tracker.url, headers=headers) as tracker_client,
                app_client(create_app(settings), headers=headers) as client,
            ):
                await _scenarios(rows, fake, tracker_client, client)


async def _scenarios(
    rows: int, fake: FakeGoogle, tracker: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    started = time.perf_counter()
    # Seeded through the tracker's CSV import (one request) rather than 5,000 POSTs.
    lines = ["title,company,status,location,salary_min"]
    for i in range(rows):
        location = "Remote" if i % 3 else "Berlin"
        status = STATUSES[i % len(STATUSES)]
        lines.append(f"Engineer {i},Company {i % 700},{status},{location},{50_000 + i}")
    response = await tracker.post(
        "/tracker/import",
        params={"format": "generic"},
        content="\n".join(lines).encode(),
        headers={"Content-Type": "text/csv"},
        timeout=300,
    )
    response.raise_for_status()
    assert response.json()["created"]["applications"] == rows, response.json()
    print(f"seeded {rows} applications in {time.perf_counter() - started:.1f} s")
    await client.put(
        "/sheets/credentials",
        json={
            "service_account_key": service_account_key(
                "bench@bench.iam.gserviceaccount.com", "bench"
            )
        },
    )
    spreadsheet_id = fake.state.create_spreadsheet("Bench").spreadsheet_id
    connection = (
        await client.post("/sheets/connections", json={"spreadsheet": spreadsheet_id})
    ).json()
    sync_url = f"/sheets/connections/{connection['id']}/sync"
    results: list[tuple[str, dict[str, Any], float, tuple[int, int]]] = []

    async def sync(name: str, naive: tuple[int, int]) -> None:
        begin = time.perf_counter()
        response = await client.post(sync_url, json={})
        elapsed = time.perf_counter() - begin
        response.raise_for_status()
        results.append((name, response.json()["run"], elapsed, naive))

    await sync(f"first sync ({rows} rows)", _naive(0, 0, rows))

    items = (await tracker.get("/tracker/applications", params={"limit": 200})).json()["items"]
    first = items[0]
    await tracker.patch(
        f"/tracker/applications/{first['id']}",
        json={"status": "offer"},
        headers={"If-Match": f'"{first["version"]}"'},
    )
    await sync("after 1 tracker change", _naive(1, 0, 0))

    changes = min(500, rows // 4)
    await _change_both_sides(fake, spreadsheet_id, tracker, changes)
    await sync(f"after {changes} changes on each side", _naive(changes, changes, 0))
    await sync("no changes", _naive(0, 0, 0))

    print()
    header = (
        f"{'scenario':<36}{'reads':>6}{'writes':>7}{'wall s':>8}"
        f"{'naive reads':>13}{'naive writes':>13}{'naive min @60/min':>19}{'ratio':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, run, elapsed, (naive_reads, naive_writes) in results:
        ours = run["google_reads"] + run["google_writes"]
        naive_total = naive_reads + naive_writes
        print(
            f"{name:<36}{run['google_reads']:>6}{run['google_writes']:>7}{elapsed:>8.2f}"
            f"{naive_reads:>13}{naive_writes:>13}{naive_total / QUOTA_PER_MINUTE:>19.1f}"
            f"{naive_total / ours:>7.0f}x"
        )
        assert run["status"] == "succeeded", run
    worst_reads = max(r[1]["google_reads"] for r in results)
    worst_writes = max(r[1]["google_writes"] for r in results)
    verdict = "met" if worst_reads <= 3 and worst_writes <= 2 else "MISSED"
    print(f"\ntarget <= 3 reads and <= 2 writes per sync: {verdict} "
          f"(worst {worst_reads} reads, {worst_writes} writes)")  # fmt: skip


async def _change_both_sides(
    fake: FakeGoogle, spreadsheet_id: str, tracker: httpx.AsyncClient, changes: int
) -> None:
    """``changes`` tracker edits and ``changes`` other rows edited in the sheet."""
    items: list[dict[str, Any]] = []
    cursor = None
    while len(items) < changes * 2:
        params: dict[str, Any] = {"limit": 200, "sort": "updated_at"}
        if cursor:
            params["cursor"] = cursor
        page = (await tracker.get("/tracker/applications", params=params)).json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    for item in items[:changes]:
        response = await tracker.patch(
            f"/tracker/applications/{item['id']}",
            json={"location": "Lisbon"},
            headers={"If-Match": f'"{item["version"]}"'},
        )
        response.raise_for_status()
    sheet = fake.state.spreadsheets[spreadsheet_id].sheet_by_title("Applications")
    header = sheet.rows[0]
    id_column, status_column = header.index("Tracker ID"), header.index("Status")
    edit_ids = {item["id"] for item in items[changes : changes * 2]}
    for cells in sheet.rows[1:]:
        if cells[id_column] in edit_ids:
            cells[status_column] = "interviewing"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000, help="applications (default 5000)")
    args = parser.parse_args()
    asyncio.run(_run(args.rows))


if __name__ == "__main__":
    main()
