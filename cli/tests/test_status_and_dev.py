from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from cli_helpers import Invoke, free_port, wait_for


def test_status_of_a_stack_that_is_not_running(jobhunt: Invoke) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = jobhunt("status", "--url", url)
    assert result.exit_code == 4
    assert result.stderr.startswith(f"jobhunt: cannot connect to {url}")


def test_status_reads_the_gateway_health(jobhunt: Invoke, fake_url: str) -> None:
    # The fake has no /health: a gateway answering 404 is "not ok" (exit 1), not a crash.
    result = jobhunt("status", "--url", fake_url)
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_dev_fake_sheets_serves_the_fake_google_api() -> None:
    pytest.importorskip("sheets_sync.fake_google", reason="sheets-sync has no fake Google yet")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "jobhunt_cli", "dev", "fake-sheets", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def answer() -> httpx.Response | None:
        if process.poll() is not None:
            raise AssertionError(f"jobhunt dev fake-sheets exited with {process.returncode}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/v4/spreadsheets/missing")
        except httpx.TransportError:
            return None

    try:
        response = wait_for(answer, 60, "the fake Sheets API to answer")
        assert response.status_code in {401, 403, 404}
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_bad_setting_is_a_usage_error(jobhunt: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBHUNT_PORT", "eighty")
    result = jobhunt("apps", "list")
    assert result.exit_code == 2
    assert result.stderr.startswith("jobhunt: invalid setting: JOBHUNT_PORT: ")
