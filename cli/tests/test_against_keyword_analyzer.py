"""``jobhunt analyze`` against the real keyword analyzer app (``/api`` stripped)."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Invoke, ServerThread, strip_api

from jobhunt_cli.credentials import Credentials, CredentialStore

analyzer_main = pytest.importorskip(
    "keyword_analyzer.main", reason="the keyword analyzer service is not there yet"
)
from keyword_analyzer.config import Settings  # noqa: E402
from keyword_analyzer.db import MIGRATIONS_DIR  # noqa: E402

POSTING = """Senior Backend Engineer
Requirements: 5+ years of Python, PostgreSQL and Kubernetes. Experience with Docker.
Nice to have: Go."""
RESUME = "Backend developer, 6 years of Python and PostgreSQL; Docker in production."


@pytest.fixture
def migrations_dir() -> Path:
    return MIGRATIONS_DIR


@pytest.fixture
def url(
    database_url: str,
    jwt_keys: tuple[Path, Path],
    tmp_path: Path,
    cli_env: Path,
    make_token: Callable[..., str],
) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        jwt_public_key_file=jwt_keys[1],
        log_level="WARNING",
    )
    with ServerThread(strip_api(analyzer_main.create_app(settings))) as server:
        # Logged in as far as the CLI knows: a token the analyzer's key verifies.
        CredentialStore(cli_env / "credentials.json").save(
            server.url, Credentials(make_token(), "unused", time.time() + 600)
        )
        yield server.url


def text_pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with a text layer (Helvetica, no compression)."""
    stream = "BT /F1 11 Tf 50 780 Td 14 TL " + " ".join(f"({t}) '" for t in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def analyze(jobhunt: Invoke, url: str, *args: str) -> Any:
    result = jobhunt("analyze", *args, "--json", "--url", url)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def terms(rows: list[dict[str, Any]]) -> set[str]:
    return {str(row["term"]).lower() for row in rows}


def test_text_resume(jobhunt: Invoke, url: str, tmp_path: Path) -> None:
    (tmp_path / "job.txt").write_text(POSTING)
    (tmp_path / "resume.txt").write_text(RESUME)

    match = analyze(
        jobhunt, url, "--job", str(tmp_path / "job.txt"), "--resume", str(tmp_path / "resume.txt")
    )

    assert 0 < match["score"] < 100
    assert {"python", "postgresql"} <= terms(match["matched"])
    assert "kubernetes" in terms(match["missing"])


def test_pdf_resume_is_uploaded(jobhunt: Invoke, url: str, tmp_path: Path) -> None:
    (tmp_path / "job.txt").write_text(POSTING)
    (tmp_path / "resume.pdf").write_bytes(text_pdf([RESUME]))

    match = analyze(
        jobhunt, url, "--job", str(tmp_path / "job.txt"), "--resume", str(tmp_path / "resume.pdf"),
        "--no-save",
    )  # fmt: skip

    assert "python" in terms(match["matched"])
    assert match["id"] is None


def test_human_output_and_resume_given_twice(jobhunt: Invoke, url: str, tmp_path: Path) -> None:
    (tmp_path / "job.txt").write_text(POSTING)
    (tmp_path / "resume.txt").write_text(RESUME)
    job, resume = str(tmp_path / "job.txt"), str(tmp_path / "resume.txt")

    shown = jobhunt("analyze", "--job", job, "--resume", resume, "--url", url)
    twice = jobhunt("analyze", "--job", job, "--resume", resume, "--resume-id", "1", "--url", url)

    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("match score: ")
    assert "missing (" in shown.stdout
    assert twice.exit_code == 2
    assert "give the resume once" in twice.stderr
