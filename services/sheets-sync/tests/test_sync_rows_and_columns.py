"""Rows and columns as users treat them: creates, deletes, sorts, inserts, reorders."""

from __future__ import annotations

from sheets_sync_harness import Harness


async def test_new_rows_and_applications_cross_over_with_ids(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha")
    await harness.add_application(title="Gamma", company="Gamma Inc")
    worksheet = harness.worksheet(spreadsheet_id)
    worksheet.append_row(["", "Delta", "Delta Inc", "saved"])

    run = (await harness.sync(connection_id))["run"]

    assert (run["rows_created"], run["rows_appended"]) == (1, 1)
    delta = await harness.by_title("Delta")
    assert harness.cell(spreadsheet_id, "Delta", "Tracker ID") == str(delta["id"])
    assert harness.cell(spreadsheet_id, "Gamma", "Company") == "Gamma Inc"
    assert sorted(a["title"] for a in await harness.applications()) == ["Alpha", "Delta", "Gamma"]
    again = (await harness.sync(connection_id))["run"]
    assert (again["rows_created"], again["rows_appended"]) == (0, 0)


async def test_tracker_deletion_is_marked(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha", "Beta")
    alpha = await harness.by_title("Alpha")
    response = await harness.tracker(
        "DELETE",
        f"/tracker/applications/{alpha['id']}",
        headers={"If-Match": f'"{alpha["version"]}"'},
    )
    assert response.status_code == 204

    await harness.sync(connection_id)

    assert harness.cell(spreadsheet_id, "Alpha", "Sync note") == "Deleted in the tracker"
    assert harness.cell(spreadsheet_id, "Beta", "Sync note") == ""


async def test_tracker_deletion_removes_the_row_when_asked(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked(
        "Alpha", "Beta", "Gamma", deleted_policy="remove"
    )
    beta = await harness.by_title("Beta")
    await harness.tracker(
        "DELETE",
        f"/tracker/applications/{beta['id']}",
        headers={"If-Match": f'"{beta["version"]}"'},
    )
    await harness.edit_application((await harness.by_title("Gamma"))["id"], location="Oslo")

    await harness.sync(connection_id)

    records = harness.records(spreadsheet_id)
    assert [r["Title"] for r in records] == ["Alpha", "Gamma"]
    assert harness.cell(spreadsheet_id, "Gamma", "Location") == "Oslo"


async def test_row_removed_from_sheet_is_flagged_until_confirmed(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha", "Beta")
    worksheet = harness.worksheet(spreadsheet_id)
    rows = worksheet.get_all_values()
    worksheet.delete_rows(next(i for i, r in enumerate(rows) if r[1] == "Alpha") + 1)

    run = (await harness.sync(connection_id))["run"]

    assert [w["kind"] for w in run["warnings"]] == ["row_vanished"]
    assert "Alpha" in [a["title"] for a in await harness.applications()]
    url = f"/sheets/connections/{connection_id}/vanished"
    vanished = (await harness.client.get(url, headers=harness.headers)).json()["items"]
    alpha_id = (await harness.by_title("Alpha"))["id"]
    assert [v["application_id"] for v in vanished] == [alpha_id]

    response = await harness.client.post(
        f"{url}/{alpha_id}", json={"action": "delete"}, headers=harness.headers
    )
    assert response.status_code == 204, response.text
    assert "Alpha" not in [a["title"] for a in await harness.applications()]
    run = (await harness.sync(connection_id))["run"]
    assert (run["warnings"], run["rows_appended"]) == ([], 0)


async def test_vanished_row_can_be_restored(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha", "Beta")
    harness.worksheet(spreadsheet_id).delete_rows(2)
    await harness.sync(connection_id)
    vanished = (
        await harness.client.get(
            f"/sheets/connections/{connection_id}/vanished", headers=harness.headers
        )
    ).json()["items"]
    await harness.client.post(
        f"/sheets/connections/{connection_id}/vanished/{vanished[0]['application_id']}",
        json={"action": "restore"},
        headers=harness.headers,
    )

    await harness.sync(connection_id)

    assert sorted(r["Title"] for r in harness.records(spreadsheet_id)) == ["Alpha", "Beta"]


async def test_columns_reordered_and_user_columns_are_respected(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha", "Beta")
    worksheet = harness.worksheet(spreadsheet_id)
    rows = worksheet.get_all_values()
    order = list(reversed(range(len(rows[0]))))
    # The user reverses our columns and slips a column of their own in at the front.
    reordered = [["My notes", *[row[i] for i in order]] for row in rows]
    reordered[1][0], reordered[2][0] = "call back", "ask about visa"
    worksheet.clear()
    worksheet.update(reordered, "A1")
    harness.set_cell(spreadsheet_id, "Alpha", "Status", "screening")
    await harness.edit_application((await harness.by_title("Beta"))["id"], location="Rome")

    run = (await harness.sync(connection_id))["run"]

    assert (run["status"], run["rows_pulled"]) == ("succeeded", 1)
    assert (await harness.by_title("Alpha"))["status"] == "screening"
    assert harness.cell(spreadsheet_id, "Beta", "Location") == "Rome"
    notes = {r["Title"]: r["My notes"] for r in harness.records(spreadsheet_id)}
    assert notes == {"Alpha": "call back", "Beta": "ask about visa"}
    assert harness.rows(spreadsheet_id)[0][0] == "My notes"
    sheet = harness.fake.state.spreadsheets[spreadsheet_id].sheet_by_title("Applications")
    id_column = harness.rows(spreadsheet_id)[0].index("Tracker ID")
    protected = [p["range"]["startColumnIndex"] for p in sheet.protected_ranges]
    assert protected == [id_column]


async def test_rows_sorted_and_inserted_mid_sheet(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha", "Beta", "Gamma")
    worksheet = harness.worksheet(spreadsheet_id)
    rows = worksheet.get_all_values()
    body = sorted(rows[1:], key=lambda r: r[1], reverse=True)
    width = len(rows[0])
    new_row = ["", "Delta", "Delta Inc", "saved"] + [""] * (width - 4)
    worksheet.update([rows[0], body[0], new_row, *body[1:]], "A1")
    harness.set_cell(spreadsheet_id, "Beta", "Location", "Madrid")

    run = (await harness.sync(connection_id))["run"]

    assert (run["rows_created"], run["rows_pulled"], run["rows_appended"]) == (1, 1, 0)
    titles = [r["Title"] for r in harness.records(spreadsheet_id)]
    assert titles == ["Gamma", "Delta", "Beta", "Alpha"]
    assert harness.cell(spreadsheet_id, "Delta", "Tracker ID") == str(
        (await harness.by_title("Delta"))["id"]
    )
    assert (await harness.by_title("Beta"))["location"] == "Madrid"


async def test_duplicate_ids_are_reported_never_merged(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha", "Beta")
    alpha_id = harness.cell(spreadsheet_id, "Alpha", "Tracker ID")
    harness.set_cell(spreadsheet_id, "Beta", "Tracker ID", alpha_id)
    harness.set_cell(spreadsheet_id, "Beta", "Location", "Nowhere")

    run = (await harness.sync(connection_id))["run"]

    assert [w["kind"] for w in run["warnings"]] == ["duplicate_id", "row_vanished"]
    assert (await harness.by_title("Alpha"))["location"] is None
    assert (await harness.by_title("Beta"))["location"] is None
    notes = [r["Sync note"] for r in harness.records(spreadsheet_id)]
    assert all(n.startswith("Duplicate tracker id") for n in notes)


async def test_damaged_header_stops_the_sync_without_writing(harness: Harness) -> None:
    spreadsheet_id, connection_id = await harness.linked("Alpha")
    worksheet = harness.worksheet(spreadsheet_id)
    worksheet.update_cell(1, 1, "Id?")
    await harness.edit_application((await harness.by_title("Alpha"))["id"], location="Kyiv")
    writes_before = harness.fake.stats.writes

    response = await harness.client.post(
        f"/sheets/connections/{connection_id}/sync", json={}, headers=harness.headers
    )

    assert response.status_code == 422
    problem = response.json()
    assert problem["kind"] == "header_damaged"
    assert "Tracker ID" in problem["detail"]
    assert harness.fake.stats.writes == writes_before
    worksheet.update_cell(1, 1, "Tracker ID")
    await harness.sync(connection_id)
    assert harness.cell(spreadsheet_id, "Alpha", "Location") == "Kyiv"
