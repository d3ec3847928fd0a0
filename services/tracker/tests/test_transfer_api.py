"""Import and export through the API: dialects, dry runs, bad input, round trips, isolation."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tracker.config import Settings
from tracker.transfer import export

FIXTURES = Path(__file__).parent / "test_transfer_fixtures"
Auth = Callable[..., dict[str, str]]
CSV = {"Content-Type": "text/csv"}


def rich_document() -> dict[str, Any]:
    """Every section, every link, odd characters: what a lossless format must carry."""
    return {
        "format": "jobhunt-tracker-export",
        "format_version": 1,
        "exported_at": "2024-06-01T00:00:00+00:00",
        "companies": [
            {"id": 10, "name": "Acme; Robotics", "website": "https://acme.example",
             "industry": "Robots", "location": "Berlin", "notes": "Big\nteam",
             "created_at": "2024-01-01T00:00:00+00:00", "updated_at": "2024-01-02T00:00:00+00:00",
             "deleted_at": None},
            {"id": 11, "name": "Globex", "website": None, "industry": None, "location": None,
             "notes": None, "created_at": "2024-01-01T00:00:00+00:00",
             "updated_at": "2024-01-01T00:00:00+00:00", "deleted_at": None},
        ],
        "applications": [
            {"id": 100, "title": "Backend Engineer — Ünïcode", "company_id": 10,
             "url": "https://acme.example/jobs/1", "location": "Berlin", "workplace_type": "hybrid",
             "employment_type": "full_time", "salary_min": 70000, "salary_max": 85000,
             "salary_currency": "EUR", "salary_period": "year", "source": "LinkedIn",
             "description": "Python, \"SQL\"", "date_posted": "2024-02-28",
             "status": "interviewing",
             "status_changed_at": "2024-03-12T15:00:00+00:00",
             "applied_at": "2024-03-03T10:00:00+00:00",
             "first_response_at": "2024-03-08T09:00:00+00:00",
             "follow_up_at": "2024-03-10T09:00:00+00:00", "excitement": 4,
             "tags": ["python", "remote-ish"], "archived": False, "match_score": 0.82,
             "created_at": "2024-03-01T09:00:00+00:00", "updated_at": "2024-03-12T15:00:00+00:00",
             "deleted_at": None,
             "status_events": [
                 {"from_status": None, "to_status": "saved", "at": "2024-03-01T09:00:00+00:00",
                  "source": "manual", "label": None},
                 {"from_status": "saved", "to_status": "applied",
                  "at": "2024-03-03T10:00:00+00:00", "source": "manual", "label": None},
                 {"from_status": "applied", "to_status": "screening",
                  "at": "2024-03-08T09:00:00+00:00", "source": "sync", "label": "Recruiter call"},
                 {"from_status": "screening", "to_status": "interviewing",
                  "at": "2024-03-12T15:00:00+00:00", "source": "manual", "label": "2nd technical"},
             ]},
            {"id": 101, "title": "Data Engineer", "company_id": 11, "url": None, "location": None,
             "workplace_type": None, "employment_type": None, "salary_min": None,
             "salary_max": None, "salary_currency": None, "salary_period": None, "source": None,
             "description": None, "date_posted": None, "status": "saved",
             "status_changed_at": "2024-04-01T00:00:00+00:00", "applied_at": None,
             "first_response_at": None, "follow_up_at": None, "excitement": None, "tags": [],
             "archived": True, "match_score": None, "created_at": "2024-04-01T00:00:00+00:00",
             "updated_at": "2024-04-01T00:00:00+00:00", "deleted_at": None,
             "status_events": [
                 {"from_status": None, "to_status": "saved", "at": "2024-04-01T00:00:00+00:00",
                  "source": "import", "label": "Wishlist"},
             ]},
        ],
        "contacts": [
            {"id": 5, "name": "Rita Recruiter", "email": "rita@acme.example", "phone": "+49 30 1",
             "linkedin_url": None, "role": "recruiter", "company_id": 10, "notes": "Friendly",
             "created_at": "2024-03-05T00:00:00+00:00", "updated_at": "2024-03-05T00:00:00+00:00",
             "application_ids": [100]},
            {"id": 6, "name": "Hank Manager", "email": None, "phone": None, "linkedin_url": None,
             "role": "hiring_manager", "company_id": 10, "notes": None,
             "created_at": "2024-03-05T00:00:00+00:00", "updated_at": "2024-03-05T00:00:00+00:00",
             "application_ids": [100, 101]},
        ],
        "interviews": [
            {"id": 50, "application_id": 100, "round": "2nd technical", "kind": "technical",
             "scheduled_at": "2024-03-15T14:00:00+00:00", "duration_minutes": 45,
             "location": None, "meeting_url": "https://meet.example/x", "outcome": "pending",
             "notes": "Prepare; system design, caching", "created_at": "2024-03-12T15:00:00+00:00",
             "updated_at": "2024-03-12T15:00:00+00:00", "contact_ids": [5, 6]},
        ],
        "tasks": [
            {"id": 70, "application_id": 100, "title": "Send thank-you note", "notes": None,
             "kind": "follow_up", "due_at": "2024-03-16T09:00:00+00:00", "done_at": None,
             "auto_created": False, "created_at": "2024-03-12T15:00:00+00:00",
             "updated_at": "2024-03-12T15:00:00+00:00"},
            {"id": 71, "application_id": None, "title": "Update CV", "notes": "Add project X",
             "kind": "other", "due_at": None, "done_at": "2024-03-02T00:00:00+00:00",
             "auto_created": False, "created_at": "2024-03-01T00:00:00+00:00",
             "updated_at": "2024-03-02T00:00:00+00:00"},
        ],
        "notes": [
            {"id": 90, "application_id": 100, "body": "Team of 6.\nOn-call: light.",
             "created_at": "2024-03-08T10:00:00+00:00", "updated_at": "2024-03-08T10:00:00+00:00"},
        ],
    }  # fmt: skip


async def export_json(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get("/tracker/export", params={"format": "json"}, headers=headers)
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


async def export_csv(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, str]]:
    response = await client.get("/tracker/export", params={"format": "csv"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def without_ids(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every file-local id replaced by the item's position, for comparing."""
    positions: dict[str, dict[int, int]] = {}
    sections = ("companies", "applications", "contacts", "interviews", "tasks", "notes")
    for name in sections:
        positions[name] = {item["id"]: i for i, item in enumerate(document[name])}
    refs = {"company_id": "companies", "application_id": "applications"}
    lists = {"application_ids": "applications", "contact_ids": "contacts"}
    out: dict[str, Any] = {}
    for name in sections:
        items = []
        for item in document[name]:
            copy = dict(item)
            copy.pop("id")
            for key, target in refs.items():
                if copy.get(key) is not None:
                    copy[key] = positions[target][copy[key]]
            for key, target in lists.items():
                if key in copy:
                    copy[key] = sorted(positions[target][i] for i in copy[key])
            items.append(copy)
        out[name] = items
    return out


async def test_each_dialect_imports_with_history(
    client: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    expected = {"huntr.csv": 6, "jobsync.csv": 6, "teal.csv": 5, "generic.csv": 2}
    for name, count in expected.items():
        response = await client.post(
            "/tracker/import",
            content=(FIXTURES / name).read_bytes(),
            headers={**auth(alice), **CSV},
        )
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["format"] == name.removesuffix(".csv")
        assert result["created"]["applications"] == count
        assert result["errors"] == []
    document = await export_json(client, auth(alice))
    assert len(document["applications"]) == 19
    by_title = {a["title"]: a for a in document["applications"]}
    offer = by_title["Python Engineer"]  # Huntr "Offer", moved 2024-03-10 18:45
    assert offer["status"] == "offer"
    assert offer["salary_min"] == 180_000
    assert [(e["to_status"], e["at"], e["source"]) for e in offer["status_events"]] == [
        ("offer", "2024-03-10T18:45:00+00:00", "import")
    ]
    ml = by_title["ML Engineer"]  # JobSync: applied 2024-03-29, now "interview"
    assert ml["applied_at"] == "2024-03-29T00:00:00+00:00"
    assert [e["to_status"] for e in ml["status_events"]] == ["applied", "interviewing"]
    raviga = by_title["Senior Engineer"]  # Teal "Negotiating"
    assert raviga["status"] == "offer"
    assert raviga["status_events"][-1]["label"] == "Negotiating"
    assert {n["body"] for n in document["notes"]} == {
        "Friend works there",
        "Counter at 195k",
        "Relocation required",
    }
    companies = {c["name"] for c in document["companies"]}
    assert {"Hooli", "Globex", "Acme Robotics", "Pied Piper"} <= companies
    assert len(companies) == len(document["companies"]), "one company per name"


async def test_dry_run_previews_and_writes_nothing(
    client: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    text = (FIXTURES / "teal.csv").read_bytes() + b"Broken,Acme,Berlin,Maybe,,,,,,,,,\n"
    response = await client.post(
        "/tracker/import",
        params={"dry_run": "true"},
        content=text,
        headers={**auth(alice), **CSV},
    )
    assert response.status_code == 200
    result = response.json()
    assert result["dry_run"] is True
    assert result["created"]["applications"] == 5
    assert result["errors"] == [
        {"row": 7, "field": "status", "message": result["errors"][0]["message"]}
    ]
    assert "unknown status 'Maybe'" in result["errors"][0]["message"]
    titles = [p["title"] for p in result["preview"]]
    assert titles[:2] == ["Software Engineer II", "Backend Engineer"]
    assert result["preview"][1]["status_events"][0]["to_status"] == "applied"
    assert (await export_json(client, auth(alice)))["applications"] == []


BAD_ROWS = (
    "title,company,status,applied_at,excitement\n"
    "Good one,Acme,applied,2024-01-02,3\n"
    "Bad status,Acme,maybe,,\n"
    "Bad date,Acme,applied,someday,\n"
    "Also good,Globex,saved,,\n"
)


async def test_bad_rows_stop_the_whole_import(
    client: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    response = await client.post(
        "/tracker/import", content=BAD_ROWS.encode(), headers={**auth(alice), **CSV}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [(3, "status"), (4, "applied_at")]
    assert problem["error_count"] == 2
    assert "nothing was imported" in problem["detail"]
    document = await export_json(client, auth(alice))
    assert document["applications"] == []
    assert document["companies"] == []


async def test_skip_invalid_imports_the_good_rows(
    client: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    response = await client.post(
        "/tracker/import",
        params={"skip_invalid": "true"},
        content=BAD_ROWS.encode(),
        headers={**auth(alice), **CSV},
    )
    assert response.status_code == 200
    result = response.json()
    assert result["created"]["applications"] == 2
    assert result["skipped"] == 2
    assert [e["row"] for e in result["errors"]] == [3, 4]
    titles = [a["title"] for a in (await export_json(client, auth(alice)))["applications"]]
    assert titles == ["Good one", "Also good"]


async def test_multipart_upload_with_mapping_and_cp1252(
    client: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    payload = "Role;Org;Where\nIngénieur \u2013 Backend;Société Générale;Stalled\n".encode("cp1252")
    form = {
        "mapping": json.dumps({"Org": "company", "Where": "status"}),
        "status_aliases": json.dumps({"Stalled": "ghosted"}),
    }
    files = {"file": ("jobs.csv", payload, "text/csv")}
    refused = await client.post("/tracker/import", data=form, files=files, headers=auth(alice))
    assert refused.status_code == 422
    assert "encoding=cp1252" in refused.json()["detail"]
    response = await client.post(
        "/tracker/import",
        params={"encoding": "cp1252"},
        data=form,
        files=files,
        headers=auth(alice),
    )
    assert response.status_code == 200, response.text
    assert response.json()["encoding"] == "cp1252"
    (application,) = (await export_json(client, auth(alice)))["applications"]
    assert application["title"] == "Ingénieur \u2013 Backend"
    assert application["status"] == "ghosted"
    assert application["status_events"][0]["label"] == "Stalled"


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"", CSV, 422),
        (b"title\n", CSV, 422),
        (b"name,place\nx,y\n", CSV, 422),
        (b"PK\x03\x04\x00\x00zip", CSV, 415),
        (b"<xml/>", {"Content-Type": "application/xml"}, 415),
        (b"{not json", {"Content-Type": "application/json"}, 400),
        (b'{"applications": []}', {"Content-Type": "application/json"}, 422),
        (b'{"format": NaN}', {"Content-Type": "application/json"}, 400),
        (b"[" * 30_000 + b"]" * 30_000, {"Content-Type": "application/json"}, 400),
    ],
)
async def test_unusable_files_are_clear_4xx(
    client: httpx.AsyncClient,
    auth: Auth,
    alice: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
) -> None:
    response = await client.post(
        "/tracker/import", content=body, headers={**auth(alice), **headers}
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"]


async def test_oversize_upload_is_413_and_stores_nothing(
    client: httpx.AsyncClient, auth: Auth, alice: str, settings: Settings
) -> None:
    body = b"title\n" + b"Engineer\n" * (settings.max_body_bytes // 9 + 1)
    response = await client.post("/tracker/import", content=body, headers={**auth(alice), **CSV})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert (await export_json(client, auth(alice)))["applications"] == []


async def test_json_round_trip_is_lossless(
    client: httpx.AsyncClient, auth: Auth, alice: str, bob: str
) -> None:
    original = rich_document()
    imported = await client.post("/tracker/import", json=original, headers=auth(alice))
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == {
        "companies": 2,
        "applications": 2,
        "contacts": 2,
        "interviews": 1,
        "tasks": 2,
        "notes": 1,
        "status_events": 5,
    }
    first = await export_json(client, auth(alice))
    assert first["format_version"] == 1
    assert without_ids(first) == without_ids(original)
    again = await client.post("/tracker/import", json=first, headers=auth(bob))
    assert again.status_code == 200
    second = await export_json(client, auth(bob))
    assert without_ids(second) == without_ids(first)
    assert {a["id"] for a in second["applications"]}.isdisjoint(
        {a["id"] for a in first["applications"]}
    )


async def test_json_problems_name_section_row_and_field(
    client: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    document = rich_document()
    document["applications"][1]["status"] = "dreaming"
    document["interviews"][0]["contact_ids"] = [5, 999]
    document["notes"][0]["colour"] = "red"
    response = await client.post("/tracker/import", json=document, headers=auth(alice))
    assert response.status_code == 422
    found = [(e["section"], e["row"], e["field"]) for e in response.json()["errors"]]
    assert found == [
        ("applications", 2, "status"),
        ("contacts", 2, "application_ids"),  # links the invalid application
        ("interviews", 1, "contact_ids"),
        ("notes", 1, "colour"),
    ]
    assert (await export_json(client, auth(alice)))["applications"] == []


async def test_csv_export_reimports_to_the_same_csv(
    client: httpx.AsyncClient, auth: Auth, alice: str, bob: str
) -> None:
    for name in ("huntr.csv", "generic.csv"):
        response = await client.post(
            "/tracker/import",
            content=(FIXTURES / name).read_bytes(),
            headers={**auth(alice), **CSV},
        )
        assert response.status_code == 200
    exported = await client.get("/tracker/export", params={"format": "csv"}, headers=auth(alice))
    reimported = await client.post(
        "/tracker/import", content=exported.content, headers={**auth(bob), **CSV}
    )
    assert reimported.status_code == 200, reimported.text
    assert reimported.json()["format"] == "generic"
    assert await export_csv(client, auth(bob)) == await export_csv(client, auth(alice))


async def test_users_see_only_their_own_exports(
    client: httpx.AsyncClient, auth: Auth, alice: str, bob: str
) -> None:
    await client.post("/tracker/import", json=rich_document(), headers=auth(alice))
    theirs = await export_json(client, auth(bob))
    assert all(theirs[name] == [] for name in ("companies", "applications", "contacts", "tasks"))
    assert await export_csv(client, auth(bob)) == []
    anonymous = await client.get("/tracker/export")
    assert anonymous.status_code == 401


async def test_delegated_tokens_cannot_import_or_export(
    client: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    narrow = auth(alice, scopes={"applications:read", "applications:write"})
    assert (await client.get("/tracker/export", headers=narrow)).status_code == 403
    response = await client.post(
        "/tracker/import", content=b"title\nx\n", headers={**narrow, **CSV}
    )
    assert response.status_code == 403


async def test_exports_stream_in_batches(
    client: httpx.AsyncClient, auth: Auth, alice: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    imported = await client.post("/tracker/import", json=rich_document(), headers=auth(alice))
    assert imported.status_code == 200
    await client.post(
        "/tracker/import",
        content=(FIXTURES / "huntr.csv").read_bytes(),
        headers={**auth(alice), **CSV},
    )
    whole = await export_json(client, auth(alice))
    whole_csv = await export_csv(client, auth(alice))
    monkeypatch.setattr(export, "BATCH", 2)
    assert await export_json(client, auth(alice)) | {"exported_at": None} == whole | {
        "exported_at": None
    }
    assert await export_csv(client, auth(alice)) == whole_csv
    assert len(whole_csv) == 8


async def test_our_json_uploads_as_a_file_and_dry_runs(
    client: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    payload = json.dumps(rich_document()).encode()
    files = {"file": ("jobhunt-export.json", payload, "application/octet-stream")}
    preview = await client.post(
        "/tracker/import", params={"dry_run": "true"}, files=files, headers=auth(alice)
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["format"] == "json"
    assert preview.json()["created"]["applications"] == 2
    assert (await export_json(client, auth(alice)))["applications"] == []
    done = await client.post("/tracker/import", files=files, headers=auth(alice))
    assert done.status_code == 200
    assert len((await export_json(client, auth(alice)))["applications"]) == 2


async def test_companies_are_shared_by_name_within_an_account_only(
    client: httpx.AsyncClient, auth: Auth, alice: str, bob: str
) -> None:
    body = b"title,company\nEngineer,Acme Inc\nDesigner,  acme inc \n"
    first = await client.post("/tracker/import", content=body, headers={**auth(alice), **CSV})
    assert first.json()["created"]["companies"] == 1
    again = await client.post("/tracker/import", content=body, headers={**auth(alice), **CSV})
    assert again.json()["created"]["companies"] == 0
    theirs = await client.post("/tracker/import", content=body, headers={**auth(bob), **CSV})
    assert theirs.json()["created"]["companies"] == 1
    document = await export_json(client, auth(alice))
    assert [c["name"] for c in document["companies"]] == ["Acme Inc"]
    assert {a["company_id"] for a in document["applications"]} == {document["companies"][0]["id"]}


async def test_idempotency_key_makes_a_retried_import_harmless(
    client: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    body = (FIXTURES / "teal.csv").read_bytes()
    headers = {**auth(alice), **CSV, "Idempotency-Key": "import-1"}
    first = await client.post("/tracker/import", content=body, headers=headers)
    retried = await client.post("/tracker/import", content=body, headers=headers)
    assert first.status_code == retried.status_code == 200
    assert retried.json() == first.json()
    assert retried.headers["idempotent-replayed"] == "true"
    assert len((await export_json(client, auth(alice)))["applications"]) == 5
    other_file = await client.post(
        "/tracker/import", content=b"title\nSomething else\n", headers=headers
    )
    assert other_file.status_code == 422
    assert len((await export_json(client, auth(alice)))["applications"]) == 5


async def test_non_finite_numbers_are_refused(
    client: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    body = (
        b'{"format": "jobhunt-tracker-export", "format_version": 1, '
        b'"applications": [{"id": 1, "title": "x", "match_score": 1e999}]}'
    )
    response = await client.post(
        "/tracker/import", content=body, headers={**auth(alice), "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "match_score"


async def test_values_the_database_would_refuse_are_row_errors(
    client: httpx.AsyncClient, auth: Auth, alice: str
) -> None:
    csv_body = (
        f"title,salary_min,source\nToo rich,99999999999,x\nLong source,1,{'s' * 101}\nFine,1,x\n"
    ).encode()
    response = await client.post(
        "/tracker/import", content=csv_body, headers={**auth(alice), **CSV}
    )
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [
        (2, "salary_min"),
        (3, "source"),
    ]
    document = {
        "format": "jobhunt-tracker-export",
        "format_version": 1,
        "applications": [
            {"id": 1, "title": "nul\u0000byte"},
            {"id": 2, "title": "x", "excitement": 40000},
            {"id": 3, "title": "x", "tags": ["ok", "bad\u0000"]},
        ],
    }
    response = await client.post("/tracker/import", json=document, headers=auth(alice))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["title", "excitement", "tags"]
    assert (await export_json(client, auth(alice)))["applications"] == []
