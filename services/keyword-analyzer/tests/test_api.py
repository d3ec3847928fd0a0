"""The HTTP API on SQLite and PostgreSQL: extraction, matching, uploads, storage, isolation."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from resume_files import blank_pdf, docx_file, encrypted_pdf, text_pdf

Auth = Callable[[str], dict[str, str]]

POSTING = """Senior Backend Engineer
Requirements
- 5+ years of experience with Python and PostgreSQL
- Kubernetes and Terraform are required
Nice to have
- GraphQL
Benefits
- Free Docker workshops
"""
RESUME = (
    "Senior Backend Engineer. 7 years of experience with Python, PostgreSQL, "
    "Kubernetes and Terraform."
)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status
    return body


async def test_every_endpoint_requires_a_token(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("POST", "/keywords/extract"),
        ("POST", "/keywords/extract/batch"),
        ("POST", "/keywords/match"),
        ("GET", "/keywords/analyses"),
        ("GET", "/keywords/analyses/1"),
        ("DELETE", "/keywords/analyses/1"),
        ("GET", "/keywords/resumes"),
        ("POST", "/keywords/resumes"),
        ("GET", "/keywords/skills"),
        ("POST", "/keywords/skills"),
        ("GET", "/keywords/insights"),
    ]:
        problem(await client.request(method, path, json={}), 401)


async def test_extract_returns_terms_as_written(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.post("/keywords/extract", json={"text": POSTING}, headers=auth("u1"))
    assert response.status_code == 200
    keywords = {k["skill"]: k for k in response.json()["keywords"]}
    assert {"Python", "PostgreSQL", "Kubernetes", "Terraform", "GraphQL"} <= set(keywords)
    assert "Docker" not in keywords  # benefits are not skills
    python = keywords["Python"]
    assert python["required"] is True
    assert keywords["GraphQL"]["required"] is False
    start, end = python["spans"][0]
    assert POSTING[start:end] == "Python"
    assert set(python) == {
        "term",
        "skill",
        "category",
        "group",
        "required",
        "count",
        "spans",
        "weight",
        "confidence",
    }


async def test_extract_prefers_json_ld_and_strips_scripts(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    html = """<html><head><title>Jobs</title><script>var Haskell = 1;</script></head>
    <body><nav>Home Careers Erlang</nav><p>Cookie banner</p>
    <script type="application/ld+json">{"@context": "https://schema.org",
      "@type": "JobPosting", "title": "Data Engineer",
      "description": "<p>Requirements</p><ul><li>Apache Airflow and Snowflake</li></ul>"}
    </script></body></html>"""
    response = await client.post("/keywords/extract", json={"html": html}, headers=auth("u1"))
    assert response.status_code == 200
    skills = {k["skill"] for k in response.json()["keywords"]}
    assert {"Airflow", "Snowflake"} <= skills
    assert not {"Haskell", "Erlang"} & skills


async def test_extract_html_without_json_ld_uses_visible_text(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    html = (
        "<body><script>const Rust = 'not a skill';</script><style>.Go{}</style>"
        "<h2>Requirements</h2><ul><li>Rust is required</li></ul></body>"
    )
    response = await client.post("/keywords/extract", json={"html": html}, headers=auth("u1"))
    keywords = response.json()["keywords"]
    rust = [k for k in keywords if k["skill"] == "Rust"]
    assert [(k["term"], k["count"], k["required"]) for k in rust] == [("Rust", 1, True)]
    assert "Go" not in {k["skill"] for k in keywords}


async def test_batch_extracts_each_posting(client: httpx.AsyncClient, auth: Auth) -> None:
    body = {"postings": [{"text": POSTING}, {"text": "Requirements\nGo and Rust"}]}
    response = await client.post("/keywords/extract/batch", json=body, headers=auth("u1"))
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 2
    assert {k["skill"] for k in results[1]["keywords"]} >= {"Go", "Rust"}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": ""}, 422),
        ({"text": "   \n\t "}, 422),
        ({}, 422),
        ({"text": "x", "colour": "red"}, 422),
        ({"html": "<script>alert('Python')</script><style>p{}</style>"}, 422),
        ({"text": "Python\x00"}, 422),
    ],
)
async def test_bad_extract_input_is_a_4xx_problem(
    client: httpx.AsyncClient, auth: Auth, body: dict[str, str], status: int
) -> None:
    problem(await client.post("/keywords/extract", json=body, headers=auth("u1")), status)


async def test_five_megabytes_of_text_is_413_and_stores_nothing(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    huge = "Python " * (5 * 1024 * 1024 // 7)
    problem(await client.post("/keywords/extract", json={"text": huge}, headers=auth("u1")), 413)
    body = {"job_text": huge, "resume_text": RESUME}
    problem(await client.post("/keywords/match", json=body, headers=auth("u1")), 413)
    assert (await client.get("/keywords/analyses", headers=auth("u1"))).json()["items"] == []


async def test_non_utf8_body_is_400(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.post(
        "/keywords/match",
        content=b'{"job_text": "Python \xff\xfe", "resume_text": "x"}',
        headers={**auth("u1"), "Content-Type": "application/json"},
    )
    problem(response, 400)


async def test_match_with_text_is_stored_and_listed(client: httpx.AsyncClient, auth: Auth) -> None:
    body = {"job_text": POSTING, "resume_text": RESUME}
    response = await client.post("/keywords/match", json=body, headers=auth("u1"))
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["score"] >= 90
    assert result["job_title"] == "Senior Backend Engineer"
    assert [m["term"] for m in result["missing"]] == ["GraphQL"]
    assert result["explanation"].startswith("Match score")
    assert response.headers["location"] == f"/keywords/analyses/{result['id']}"

    listed = (await client.get("/keywords/analyses", headers=auth("u1"))).json()
    assert [a["id"] for a in listed["items"]] == [result["id"]]
    fetched = await client.get(f"/keywords/analyses/{result['id']}", headers=auth("u1"))
    assert fetched.json()["score"] == result["score"]
    assert fetched.json()["missing"] == result["missing"]


async def test_match_without_saving_stores_nothing(client: httpx.AsyncClient, auth: Auth) -> None:
    body = {"job_text": POSTING, "resume_text": RESUME, "save": False}
    response = await client.post("/keywords/match", json=body, headers=auth("u1"))
    assert response.status_code == 200
    assert response.json()["id"] is None
    assert (await client.get("/keywords/analyses", headers=auth("u1"))).json()["items"] == []


@pytest.mark.parametrize(
    ("filename", "content_type", "make"),
    [
        ("resume.pdf", "application/pdf", lambda: text_pdf(RESUME.split(". "))),
        ("resume.docx", DOCX, lambda: docx_file(RESUME.split(". "))),
        ("resume.txt", "text/plain", lambda: RESUME.encode("utf-8")),
    ],
)
async def test_match_with_an_uploaded_resume(
    client: httpx.AsyncClient,
    auth: Auth,
    filename: str,
    content_type: str,
    make: Callable[[], bytes],
) -> None:
    response = await client.post(
        "/keywords/match",
        data={"job_text": POSTING},
        files={"resume": (filename, make(), content_type)},
        headers=auth("u1"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["score"] >= 90


@pytest.mark.parametrize(
    ("filename", "content_type", "make", "status", "detail"),
    [
        ("junk.pdf", "application/pdf", lambda: b"\x00\x01binary junk\xff" * 50, 422, "not a PDF"),
        ("broken.pdf", "application/pdf", lambda: b"%PDF-1.4\n\x00\x01\x02 junk", 422, "PDF"),
        ("locked.pdf", "application/pdf", lambda: encrypted_pdf(["Python"]), 422, "password"),
        ("scan.pdf", "application/pdf", blank_pdf, 422, "no text layer"),
        ("junk.docx", DOCX, lambda: b"PK\x03\x04 not really a zip", 422, "DOCX"),
        ("latin1.txt", "text/plain", lambda: "Café Python".encode("latin-1"), 422, "UTF-8"),
        ("empty.txt", "text/plain", lambda: b"", 422, "empty"),
        ("resume.exe", "application/octet-stream", lambda: b"MZ\x90\x00", 415, "PDF, DOCX"),
        ("big.txt", "text/plain", lambda: b"Python " * 60_000, 413, "larger"),
    ],
)
async def test_bad_uploads_are_4xx_and_store_nothing(
    client: httpx.AsyncClient,
    auth: Auth,
    filename: str,
    content_type: str,
    make: Callable[[], bytes],
    status: int,
    detail: str,
) -> None:
    response = await client.post(
        "/keywords/match",
        data={"job_text": POSTING},
        files={"resume": (filename, make(), content_type)},
        headers=auth("u1"),
    )
    body = problem(response, status)
    assert detail in str(body["detail"])
    assert (await client.get("/keywords/analyses", headers=auth("u1"))).json()["items"] == []
    saved = await client.post(
        "/keywords/resumes",
        data={"name": "cv"},
        files={"file": (filename, make(), content_type)},
        headers=auth("u1"),
    )
    problem(saved, status)
    assert (await client.get("/keywords/resumes", headers=auth("u1"))).json()["items"] == []


async def test_saved_resumes_are_reused_by_id(client: httpx.AsyncClient, auth: Auth) -> None:
    created = await client.post(
        "/keywords/resumes",
        data={"name": "Backend CV"},
        files={"file": ("cv.pdf", text_pdf(RESUME.split(". ")), "application/pdf")},
        headers=auth("u1"),
    )
    assert created.status_code == 201, created.text
    resume = created.json()
    assert resume["source"] == "pdf"
    detail = (await client.get(f"/keywords/resumes/{resume['id']}", headers=auth("u1"))).json()
    assert "Kubernetes" in detail["skills"]

    body = {"job_text": POSTING, "resume_id": resume["id"]}
    match = await client.post("/keywords/match", json=body, headers=auth("u1"))
    assert match.status_code == 201
    assert match.json()["resume_id"] == resume["id"]
    assert match.json()["score"] >= 90

    both = {"job_text": POSTING, "resume_id": resume["id"], "resume_text": RESUME}
    problem(await client.post("/keywords/match", json=both, headers=auth("u1")), 422)

    json_resume = await client.post(
        "/keywords/resumes", json={"name": "Text CV", "text": RESUME}, headers=auth("u1")
    )
    assert json_resume.status_code == 201
    listed = (await client.get("/keywords/resumes", headers=auth("u1"))).json()["items"]
    assert [r["name"] for r in listed] == ["Text CV", "Backend CV"]

    deleted = await client.delete(f"/keywords/resumes/{resume['id']}", headers=auth("u1"))
    assert deleted.status_code == 204
    gone = await client.get(f"/keywords/resumes/{resume['id']}", headers=auth("u1"))
    problem(gone, 404)


async def test_users_see_only_their_own_rows(client: httpx.AsyncClient, auth: Auth) -> None:
    resume = (
        await client.post(
            "/keywords/resumes", json={"name": "mine", "text": RESUME}, headers=auth("alice")
        )
    ).json()
    analysis = (
        await client.post(
            "/keywords/match",
            json={"job_text": POSTING, "resume_text": RESUME},
            headers=auth("alice"),
        )
    ).json()
    skill = (
        await client.post("/keywords/skills", json={"name": "Zorblax"}, headers=auth("alice"))
    ).json()
    bob = auth("bob")
    for path in (
        f"/keywords/resumes/{resume['id']}",
        f"/keywords/analyses/{analysis['id']}",
        f"/keywords/skills/{skill['id']}",
    ):
        problem(await client.get(path, headers=bob), 404)
        problem(await client.delete(path, headers=bob), 404)
    body = {"job_text": POSTING, "resume_id": resume["id"]}
    problem(await client.post("/keywords/match", json=body, headers=bob), 404)
    assert (await client.get("/keywords/analyses", headers=bob)).json()["items"] == []
    assert (await client.get("/keywords/resumes", headers=bob)).json()["items"] == []
    assert (await client.get("/keywords/skills", headers=bob)).json() == []
    assert (await client.get("/keywords/insights", headers=bob)).json()["analyses"] == 0
    # Alice's rows survived Bob's attempts.
    still = await client.get(f"/keywords/analyses/{analysis['id']}", headers=auth("alice"))
    assert still.status_code == 200


async def test_user_skills_change_only_their_owners_matches(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    posting = "Requirements\nZorblax and Kubernetes are required."
    created = await client.post(
        "/keywords/skills",
        json={"name": "Zorblax", "category": "tool", "aliases": ["zbx"]},
        headers=auth("alice"),
    )
    assert created.status_code == 201
    etag = created.headers["etag"]
    alias = await client.post(
        "/keywords/skills",
        json={"name": "Kubernetes", "aliases": ["kubbi"]},
        headers=auth("alice"),
    )
    assert alias.status_code == 201
    problem(
        await client.post("/keywords/skills", json={"name": "zorblax"}, headers=auth("alice")),
        409,
    )

    extract = {"text": posting}
    alice_terms = await client.post("/keywords/extract", json=extract, headers=auth("alice"))
    assert "Zorblax" in {k["skill"] for k in alice_terms.json()["keywords"]}
    bob_terms = await client.post("/keywords/extract", json=extract, headers=auth("bob"))
    assert "Zorblax" not in {k["skill"] for k in bob_terms.json()["keywords"]}

    body = {"job_text": posting, "resume_text": "zbx and kubbi"}
    alice = (await client.post("/keywords/match", json=body, headers=auth("alice"))).json()
    matched = {m["term"]: m["match"] for m in alice["matched"]}
    assert matched == {"Zorblax": "alias", "Kubernetes": "alias"}
    bob = (await client.post("/keywords/match", json=body, headers=auth("bob"))).json()
    assert "Zorblax" not in {m["term"] for m in bob["matched"]}

    stale = await client.patch(
        f"/keywords/skills/{created.json()['id']}",
        json={"aliases": ["zbx", "zorb"]},
        headers={**auth("alice"), "If-Match": '"99"'},
    )
    problem(stale, 412)
    updated = await client.patch(
        f"/keywords/skills/{created.json()['id']}",
        json={"aliases": ["zbx", "zorb"]},
        headers={**auth("alice"), "If-Match": etag},
    )
    assert updated.status_code == 200
    assert updated.json()["aliases"] == ["zbx", "zorb"]


async def test_insights_rank_demand_and_name_the_gaps(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    await client.post(
        "/keywords/resumes",
        json={"name": "cv", "text": "Python and PostgreSQL"},
        headers=auth("u1"),
    )
    for posting in (POSTING, "Requirements\nPython and Kubernetes are required.", POSTING):
        response = await client.post(
            "/keywords/match",
            json={"job_text": posting, "resume_text": "Python"},
            headers=auth("u1"),
        )
        assert response.status_code == 201
    insights = (await client.get("/keywords/insights", headers=auth("u1"))).json()
    assert insights["analyses"] == 3
    top = {s["skill"]: s for s in insights["top_skills"]}
    assert top["Python"]["postings"] == 3
    assert top["Kubernetes"]["postings"] == 3
    assert top["Python"]["in_resume"] is True
    missing = [s["skill"] for s in insights["missing_from_resume"]]
    assert "Kubernetes" in missing
    assert "Python" not in missing


async def test_deleting_an_analysis(client: httpx.AsyncClient, auth: Auth) -> None:
    created = (
        await client.post(
            "/keywords/match",
            json={"job_text": POSTING, "resume_text": RESUME},
            headers=auth("u1"),
        )
    ).json()
    response = await client.delete(f"/keywords/analyses/{created['id']}", headers=auth("u1"))
    assert response.status_code == 204
    problem(await client.get(f"/keywords/analyses/{created['id']}", headers=auth("u1")), 404)


async def test_probes(client: httpx.AsyncClient) -> None:
    assert (await client.get("/readyz")).json()["revision"] == ["0001"]


async def test_openapi_refs_all_resolve(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    refs: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"].rsplit("/", 1)[-1])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec["paths"])
    assert refs
    assert refs <= set(spec["components"]["schemas"])
    match_body = spec["paths"]["/keywords/match"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(match_body)
