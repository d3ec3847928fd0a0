"""The bounded retry client: what it retries, how long it waits, when it gives up."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import gspread
import pytest
import requests
from google.oauth2.credentials import Credentials
from gspread.exceptions import APIError

from sheets_sync.fake_google import BackgroundServer, FakeGoogle, FaultPlan
from sheets_sync.google_client import (
    GoogleError,
    RequestCounter,
    RetryingHTTPClient,
    RetryPolicy,
    TokenBucket,
    _is_retryable,
)


@pytest.fixture
def fake() -> Iterator[tuple[FakeGoogle, str, str]]:
    google = FakeGoogle(seed=3)
    with BackgroundServer(google.app) as server:
        spreadsheet = google.state.create_spreadsheet("t")
        yield google, server.url, spreadsheet.spreadsheet_id


def _client(url: str, sleeps: list[float], **policy: Any) -> tuple[gspread.Client, RequestCounter]:
    counter = RequestCounter()
    retry = RetryPolicy(**{"base_seconds": 0.001, "max_seconds": 0.002, **policy})

    class Client(RetryingHTTPClient):
        def __init__(self, auth: Any, session: Any = None) -> None:
            super().__init__(
                auth, session, sheets_url=url, drive_url=url, policy=retry, counter=counter,
                sleep=sleeps.append,
            )  # fmt: skip

    return gspread.Client(Credentials("fake:bot@example.com"), http_client=Client), counter


def test_transient_failures_are_retried_and_counted(fake: tuple[FakeGoogle, str, str]) -> None:
    google, url, spreadsheet_id = fake
    google.faults = FaultPlan(queued=[429, 500, 503])
    sleeps: list[float] = []
    client, counter = _client(url, sleeps)

    metadata = client.http_client.fetch_sheet_metadata(spreadsheet_id)

    assert metadata["spreadsheetId"] == spreadsheet_id
    assert (counter.reads, counter.retries, len(sleeps)) == (4, 3, 3)
    assert all(0 <= s <= 0.002 for s in sleeps)


def test_retry_after_is_honoured(fake: tuple[FakeGoogle, str, str]) -> None:
    google, url, spreadsheet_id = fake
    google.faults = FaultPlan(queued=[429], retry_after_seconds=1.5)
    sleeps: list[float] = []
    client, _ = _client(url, sleeps)

    client.http_client.fetch_sheet_metadata(spreadsheet_id)

    assert sleeps == [1.5]


def test_gives_up_after_the_attempts(fake: tuple[FakeGoogle, str, str]) -> None:
    google, url, spreadsheet_id = fake
    google.faults = FaultPlan(failure_rate=1.0, statuses=[500])
    client, counter = _client(url, [], attempts=4)

    with pytest.raises(APIError):
        client.http_client.fetch_sheet_metadata(spreadsheet_id)

    assert counter.reads == 4


def test_deadline_stops_a_long_retry_after(fake: tuple[FakeGoogle, str, str]) -> None:
    google, url, spreadsheet_id = fake
    google.faults = FaultPlan(queued=[429], retry_after_seconds=600)
    sleeps: list[float] = []
    client, counter = _client(url, sleeps, deadline_seconds=5)

    with pytest.raises(APIError):
        client.http_client.fetch_sheet_metadata(spreadsheet_id)

    assert (sleeps, counter.reads) == ([], 1)


@pytest.mark.parametrize("status", [400, 403, 404])
def test_client_errors_are_not_retried(fake: tuple[FakeGoogle, str, str], status: int) -> None:
    google, url, spreadsheet_id = fake
    google.faults = FaultPlan(queued=[status])
    client, counter = _client(url, [])

    with pytest.raises(APIError):
        client.http_client.fetch_sheet_metadata(spreadsheet_id)

    assert counter.reads == 1


def test_server_errors_on_unsafe_batches_are_not_retried(fake: tuple[FakeGoogle, str, str]) -> None:
    google, url, spreadsheet_id = fake
    google.faults = FaultPlan(queued=[500])
    client, counter = _client(url, [])
    client.http_client.retry_server_errors = False

    with pytest.raises(APIError):
        client.http_client.batch_update(spreadsheet_id, {"requests": []})

    assert counter.writes == 1


def _response(status: int, body: dict[str, Any]) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    return response


def test_drive_usage_limits_403_is_retryable_other_403_is_not() -> None:
    limited = {"error": {"code": 403, "errors": [{"domain": "usageLimits", "reason": "x"}]}}
    rate = {
        "error": {"code": 403, "errors": [{"domain": "global", "reason": "userRateLimitExceeded"}]}
    }
    denied = {"error": {"code": 403, "message": "The caller does not have permission"}}

    assert _is_retryable(_response(403, limited), True)
    assert _is_retryable(_response(403, rate), True)
    assert not _is_retryable(_response(403, denied), True)
    assert _is_retryable(_response(408, {}), True)
    assert not _is_retryable(_response(500, {}), False)


def test_request_budget_waits_within_the_deadline_and_refuses_past_it() -> None:
    fast = TokenBucket(rate_per_minute=6000, burst=1)
    fast.acquire(time.monotonic() + 5)
    fast.acquire(time.monotonic() + 5)  # a token comes back within 10 ms: it waits
    slow = TokenBucket(rate_per_minute=1, burst=1)
    slow.acquire(time.monotonic() + 5)

    with pytest.raises(GoogleError) as raised:
        slow.acquire(time.monotonic() + 5)  # the next token is a minute away

    assert raised.value.kind == "quota"


def test_base_urls_are_rewritten() -> None:
    client = RetryingHTTPClient(
        Credentials("x"), sheets_url="http://127.0.0.1:1", drive_url="http://127.0.0.1:2/"
    )
    assert client.rewrite("https://sheets.googleapis.com/v4/spreadsheets/a") == (
        "http://127.0.0.1:1/v4/spreadsheets/a"
    )
    assert client.rewrite("https://www.googleapis.com/drive/v3/files") == (
        "http://127.0.0.1:2/drive/v3/files"
    )


def test_values_write_is_split_only_past_the_size_limit() -> None:
    from sheets_sync.sheet_io import value_ranges, write_values

    class Recorder:
        def __init__(self) -> None:
            self.bodies: list[Any] = []

        def values_batch_update(self, spreadsheet_id: str, body: Any) -> None:
            self.bodies.append(body)

    class Client:
        http_client = Recorder()

    cells = {(row, 0): "x" * 100 for row in range(1, 200, 2)}  # 100 separate ranges
    ranges = value_ranges("Sheet1", cells)
    assert len(ranges) == 100
    client = Client()

    assert write_values(client, "s", ranges, max_bytes=2_000_000) == 1  # type: ignore[arg-type]
    assert write_values(client, "s", ranges, max_bytes=3_000) == 6  # type: ignore[arg-type]
    split = client.http_client.bodies[1:]
    assert all(len(json.dumps(b["data"], separators=(",", ":"))) <= 3_000 for b in split)
    assert [r for b in split for r in b["data"]] == ranges
    assert all(b["valueInputOption"] == "RAW" for b in client.http_client.bodies)


def test_credentials_factory_never_mints_tokens_in_fake_mode() -> None:
    from google.oauth2 import service_account

    from sheets_sync.config import Settings
    from sheets_sync.google_client import make_credentials

    key = {"client_email": "bot@example.com"}
    fake = make_credentials(key, Settings(google_credentials_mode="fake"))
    assert isinstance(fake, Credentials)
    assert fake.token == "fake:bot@example.com"

    from sheets_sync.fake_google import service_account_key

    real = make_credentials(
        service_account_key(), Settings(google_token_url="http://127.0.0.1:9/token")
    )
    assert isinstance(real, service_account.Credentials)
    assert real._token_uri == "http://127.0.0.1:9/token"
    assert "https://www.googleapis.com/auth/spreadsheets" in real.scopes
