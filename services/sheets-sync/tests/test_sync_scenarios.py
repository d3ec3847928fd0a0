"""Sync scenarios: real gspread against the fake Sheets API, the tracker over real HTTP."""

from __future__ import annotations

from sheets_sync_harness import Harness


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


async def test_edits_on_each_side_flow_to_the_other(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha", "Beta")
    harness.set_cell(spreadsheet_id, "Alpha", "Status", "interviewing")
    beta = await harness.by_title("Beta")
    await harness.edit_application(beta["id"], location="Berlin")

    run = (await harness.sync(connection_id))["run"]

    # Beta's row gets the new location; Alpha's row its new "Updated at" from the tracker.
    assert (run["status"], run["rows_pulled"], run["rows_pushed"]) == ("succeeded", 1, 2)
    assert (await harness.by_title("Alpha"))["status"] == "interviewing"
    assert harness.cell(spreadsheet_id, "Beta", "Location") == "Berlin"
    again = (await harness.sync(connection_id))["run"]
    assert (again["rows_pulled"], again["rows_pushed"], again["conflicts"]) == (0, 0, 0)


async def test_same_change_on_both_sides_is_not_a_conflict(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha")
    harness.set_cell(spreadsheet_id, "Alpha", "Status", "offer")
    await harness.edit_application((await harness.by_title("Alpha"))["id"], status="offer")

    run = (await harness.sync(connection_id))["run"]

    assert (run["conflicts"], run["rows_pulled"]) == (0, 0)


async def test_conflicting_edits_sheet_wins_and_can_be_resolved(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha")
    alpha = await harness.by_title("Alpha")
    harness.set_cell(spreadsheet_id, "Alpha", "Location", "Paris")
    await harness.edit_application(alpha["id"], location="Lisbon")

    run = (await harness.sync(connection_id))["run"]

    assert run["conflicts"] == 1
    assert (await harness.by_title("Alpha"))["location"] == "Paris"
    assert harness.cell(spreadsheet_id, "Alpha", "Location") == "Paris"
    conflicts = (
        await harness.client.get(
            f"/sheets/connections/{connection_id}/conflicts", headers=harness.headers
        )
    ).json()["items"]
    assert [
        (c["field"], c["sheet_value"], c["tracker_value"], c["resolution"]) for c in conflicts
    ] == [("location", "Paris", "Lisbon", "sheet")]
    response = await harness.client.post(
        f"/sheets/connections/{connection_id}/conflicts/{conflicts[0]['id']}/resolve",
        json={"resolution": "tracker"},
        headers=harness.headers,
    )
    assert response.status_code == 200, response.text

    await harness.sync(connection_id)

    assert (await harness.by_title("Alpha"))["location"] == "Lisbon"
    assert harness.cell(spreadsheet_id, "Alpha", "Location") == "Lisbon"


async def test_manual_policy_leaves_both_sides_until_resolved(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha", conflict_policy="manual")
    alpha = await harness.by_title("Alpha")
    harness.set_cell(spreadsheet_id, "Alpha", "Location", "Paris")
    await harness.edit_application(alpha["id"], location="Lisbon")

    await harness.sync(connection_id)
    await harness.sync(connection_id)

    assert (await harness.by_title("Alpha"))["location"] == "Lisbon"
    assert harness.cell(spreadsheet_id, "Alpha", "Location") == "Paris"
    url = f"/sheets/connections/{connection_id}/conflicts"
    open_conflicts = (
        await harness.client.get(url, params={"status": "open"}, headers=harness.headers)
    ).json()["items"]
    assert len(open_conflicts) == 1
    await harness.client.post(
        f"{url}/{open_conflicts[0]['id']}/resolve",
        json={"resolution": "value", "value": "Porto"},
        headers=harness.headers,
    )
    await harness.sync(connection_id)
    assert (await harness.by_title("Alpha"))["location"] == "Porto"
    assert harness.cell(spreadsheet_id, "Alpha", "Location") == "Porto"


async def test_open_conflict_settles_when_both_sides_agree(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha", conflict_policy="manual")
    alpha = await harness.by_title("Alpha")
    harness.set_cell(spreadsheet_id, "Alpha", "Location", "Paris")
    await harness.edit_application(alpha["id"], location="Lisbon")
    await harness.sync(connection_id)
    harness.set_cell(spreadsheet_id, "Alpha", "Location", "Lisbon")

    await harness.sync(connection_id)

    conflicts = (
        await harness.client.get(
            f"/sheets/connections/{connection_id}/conflicts", headers=harness.headers
        )
    ).json()["items"]
    assert [(c["status"], c["resolution"]) for c in conflicts] == [("resolved", "agreed")]


async def test_existing_empty_worksheet_gets_header_and_rows(harness: Harness) -> None:
    await harness.upload_key()
    await harness.add_application(title="Alpha", company="Acme")
    spreadsheet_id = harness.new_spreadsheet(sheet_title="Applications")

    await harness.connect(spreadsheet_id)
    listed = (await harness.client.get("/sheets/connections", headers=harness.headers)).json()
    assert (len(listed["items"]), listed["next_cursor"]) == (1, None)
    run = (await harness.sync(listed["items"][0]["id"]))["run"]

    assert run["rows_appended"] == 1
    assert harness.rows(spreadsheet_id)[0][:3] == ["Tracker ID", "Title", "Company"]
    assert harness.cell(spreadsheet_id, "Alpha", "Company") == "Acme"


async def test_users_own_header_keeps_its_columns_and_ours_are_added(harness: Harness) -> None:
    await harness.upload_key()
    await harness.add_application(title="Alpha", company="Acme", location="Oslo")
    spreadsheet_id = harness.new_spreadsheet(sheet_title="Applications")
    worksheet = harness.worksheet(spreadsheet_id)
    worksheet.update([["Title", "Why I care", "Tracker ID"], ["Beta", "great team", ""]], "A1")

    connection = await harness.connect(spreadsheet_id)
    run = (await harness.sync(connection["id"]))["run"]

    assert (run["rows_created"], run["rows_appended"]) == (1, 1)
    header = harness.rows(spreadsheet_id)[0]
    assert header[:3] == ["Title", "Why I care", "Tracker ID"]
    assert {"Company", "Location", "Sync note"} <= set(header[3:])
    beta = next(r for r in harness.records(spreadsheet_id) if r["Title"] == "Beta")
    assert beta["Why I care"] == "great team"
    assert beta["Tracker ID"] == str((await harness.by_title("Beta"))["id"])
    assert harness.cell(spreadsheet_id, "Alpha", "Location") == "Oslo"


async def test_value_the_tracker_refuses_is_explained_on_the_row(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha", "Beta")
    harness.set_cell(spreadsheet_id, "Alpha", "Salary min", "90000")
    harness.set_cell(spreadsheet_id, "Alpha", "Salary max", "50000")  # min > max: refused
    harness.set_cell(spreadsheet_id, "Beta", "Status", "offer")

    run = (await harness.sync(connection_id))["run"]

    assert run["status"] == "partial"
    assert [e["kind"] for e in run["errors"]] == ["update_refused"]
    assert harness.cell(spreadsheet_id, "Alpha", "Sync note").startswith("Not synced: the tracker")
    assert (await harness.by_title("Alpha"))["salary_max"] is None
    assert (await harness.by_title("Beta"))["status"] == "offer"
