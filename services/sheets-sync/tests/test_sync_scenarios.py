"""Sync scenarios: real gspread against the fake Sheets API, the tracker over real HTTP."""

from __future__ import annotations

from conftest import Harness


async def test_first_sync_both_ways(harness: Harness) -> None:
    await harness.upload_key()
    await harness.add_application(title="Backend engineer", company="Acme", status="applied")
    await harness.add_application(title="Data engineer", company="Globex", tags=["python", "sql"])
    spreadsheet_id = harness.new_spreadsheet()
    connection = await harness.connect(spreadsheet_id)
    worksheet = harness.worksheet(spreadsheet_id)
    worksheet.update([["", "Platform engineer", "Initech", "screening"]], "A2")

    result = await harness.sync(connection["id"])

    run = result["run"]
    assert run["status"] == "succeeded", run
    assert (run["rows_created"], run["rows_appended"]) == (1, 2)
    records = harness.records(spreadsheet_id)
    assert sorted(r["Title"] for r in records) == [
        "Backend engineer", "Data engineer", "Platform engineer",
    ]  # fmt: skip
    assert all(r["Tracker ID"] for r in records)
    titles = sorted(a["title"] for a in await harness.applications())
    assert titles == ["Backend engineer", "Data engineer", "Platform engineer"]
    data = next(r for r in records if r["Title"] == "Data engineer")
    assert data["Tags"] == "python, sql"
    assert run["google_reads"] <= 3
    assert run["google_writes"] <= 2
