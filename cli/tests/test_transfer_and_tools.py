from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_fake_api import FakeState
from cli_helpers import Invoke, register


@pytest.fixture
def url(jobhunt: Invoke, fake_url: str) -> str:
    register(jobhunt, fake_url)
    return fake_url


def test_import_uploads_the_file_and_reports(
    jobhunt: Invoke, url: str, fake_state: FakeState, tmp_path: Path
) -> None:
    csv_file = tmp_path / "huntr.csv"
    csv_file.write_text("title,companyName\n" + "".join(f"job {n},Acme\n" for n in range(500)))

    result = jobhunt("import", str(csv_file), "--dry-run", "--json", "--url", url)

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"dry_run": True, "created": 500, "errors": []}
    assert fake_state.last_request == {"filename": "huntr.csv", "bytes": csv_file.stat().st_size}


def test_import_of_a_missing_file_is_a_usage_error(jobhunt: Invoke, url: str) -> None:
    result = jobhunt("import", "/nonexistent.csv", "--url", url)
    assert result.exit_code == 2
    assert "is not a readable file" in result.stderr


def test_export_streams_to_a_file(jobhunt: Invoke, url: str, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    result = jobhunt("export", "-o", str(target), "--url", url)
    assert result.exit_code == 0, result.output
    lines = target.read_text().splitlines()
    assert lines[0] == "id,title"
    assert len(lines) == 1001


def test_export_json_to_stdout(jobhunt: Invoke, url: str) -> None:
    result = jobhunt("export", "--format", "json", "--url", url)
    assert len(json.loads(result.stdout)) == 1001


def test_analyze_sends_both_texts(
    jobhunt: Invoke, url: str, fake_state: FakeState, tmp_path: Path
) -> None:
    job, resume = tmp_path / "job.txt", tmp_path / "resume.txt"
    job.write_text("We need Python and Kubernetes.")
    resume.write_text("Python developer.")

    result = jobhunt("analyze", "--job", str(job), "--resume", str(resume), "--url", url)

    assert result.exit_code == 0, result.output
    assert fake_state.last_request["body"] == {
        "job_text": "We need Python and Kubernetes.",
        "resume_text": "Python developer.",
        "save": True,
    }
    assert "match score: 50/100" in result.stdout
    assert "kubernetes" in result.stdout


def test_analyze_with_an_unreadable_file_is_a_usage_error(
    jobhunt: Invoke, url: str, tmp_path: Path
) -> None:
    job = tmp_path / "job.txt"
    job.write_text("x")
    result = jobhunt("analyze", "--job", str(job), "--resume", str(tmp_path / "no.txt"))
    assert result.exit_code == 2
    assert result.stderr.startswith("jobhunt: cannot read")


def test_sync_dry_run(jobhunt: Invoke, url: str) -> None:
    result = jobhunt("sync", "1", "--dry-run", "--json", "--url", url)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["run"]["dry_run"] is True
    missing = jobhunt("sync", "2", "--url", url)
    assert missing.exit_code == 1
    assert missing.stderr.strip() == "jobhunt: Not Found: No such connection."
