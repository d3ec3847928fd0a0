"""Talking to Google: credentials, a bounded retrying gspread HTTP client, a request budget.

gspread's own ``BackOffHTTPClient`` retries forever and ignores ``Retry-After``; this one
backs off exponentially with full jitter, honours ``Retry-After``, stops at a deadline,
retries only what Google documents as transient, and counts every request it sends.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import gspread
import requests
from google.auth.credentials import Credentials
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2 import credentials as oauth2_credentials
from google.oauth2 import service_account
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from sheets_sync.config import Settings

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
GOOGLE_SHEETS_URL = "https://sheets.googleapis.com"
GOOGLE_DRIVE_URL = "https://www.googleapis.com"
RETRYABLE_STATUS = frozenset({408, 429})
DRIVE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


class GoogleError(Exception):
    """A Google failure described for the user: ``kind`` is a short status slug."""

    def __init__(self, kind: str, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status_code = status_code


@dataclass
class RequestCounter:
    """Requests sent to Google during one run (retries included: Google counts them)."""

    reads: int = 0
    writes: int = 0
    retries: int = 0

    def count(self, method: str) -> None:
        if method.upper() in {"GET", "HEAD"}:
            self.reads += 1
        else:
            self.writes += 1


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_seconds: float = 1.0
    max_seconds: float = 32.0
    deadline_seconds: float = 150.0
    timeout_seconds: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            attempts=settings.google_retry_attempts,
            base_seconds=settings.google_retry_base_seconds,
            max_seconds=settings.google_retry_max_seconds,
            deadline_seconds=settings.google_deadline_seconds,
            timeout_seconds=settings.google_timeout_seconds,
        )

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
        return random.uniform(0, min(self.max_seconds, self.base_seconds * 2**attempt))


@dataclass
class TokenBucket:
    """A request budget: ``rate_per_minute`` sustained, ``burst`` at once."""

    rate_per_minute: float
    burst: int
    _tokens: float = field(init=False)
    _stamp: float = field(init=False, default_factory=time.monotonic)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._tokens = float(self.burst)

    def acquire(self, deadline: float) -> None:
        """Take one token, waiting for it; ``GoogleError('quota')`` if it comes too late."""
        rate = self.rate_per_minute / 60.0
        with self._lock:
            now = time.monotonic()
            self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * rate)
            self._stamp = now
            self._tokens -= 1
            wait = 0.0 if self._tokens >= 0 else -self._tokens / rate
        if wait > 0:
            if time.monotonic() + wait > deadline:
                with self._lock:
                    self._tokens += 1
                raise GoogleError(
                    "quota",
                    "The Google request budget for this service account is used up; "
                    "the sync will continue on the next run.",
                    429,
                )
            time.sleep(wait)


_buckets: dict[str, TokenBucket] = {}
_buckets_lock = threading.Lock()


def bucket_for(credential: str, settings: Settings) -> TokenBucket:
    """The process-wide budget of one service account."""
    with _buckets_lock:
        bucket = _buckets.get(credential)
        if bucket is None or bucket.rate_per_minute != settings.google_requests_per_minute:
            bucket = TokenBucket(settings.google_requests_per_minute, settings.google_request_burst)
            _buckets[credential] = bucket
        return bucket


def _retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _is_retryable(response: requests.Response, retry_server_errors: bool) -> bool:
    code = response.status_code
    if code in RETRYABLE_STATUS:
        return True
    if code >= 500:
        return retry_server_errors
    if code == 403:
        try:
            errors = response.json()["error"].get("errors", [])
        except (ValueError, KeyError, TypeError, AttributeError):
            return False
        return any(
            e.get("domain") == "usageLimits" or e.get("reason") in DRIVE_LIMIT_REASONS
            for e in errors
            if isinstance(e, dict)
        )
    return False


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client with base-URL rewriting, bounded retries, a budget and counters."""

    def __init__(
        self,
        auth: Credentials,
        session: requests.Session | None = None,
        *,
        sheets_url: str = GOOGLE_SHEETS_URL,
        drive_url: str = GOOGLE_DRIVE_URL,
        policy: RetryPolicy | None = None,
        bucket: TokenBucket | None = None,
        counter: RequestCounter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(auth, session)
        self.sheets_url = sheets_url.rstrip("/")
        self.drive_url = drive_url.rstrip("/")
        self.policy = policy or RetryPolicy()
        self.bucket = bucket
        self.counter = counter or RequestCounter()
        self.sleep = sleep
        # Off while sending a batch that is unsafe to repeat after a server error
        # (deleteDimension): a 5xx may have been applied.
        self.retry_server_errors = True

    def rewrite(self, url: str) -> str:
        for google, configured in (
            (GOOGLE_SHEETS_URL, self.sheets_url),
            (GOOGLE_DRIVE_URL, self.drive_url),
        ):
            if url.startswith(google):
                return configured + url[len(google) :]
        return url

    def request(
        self,
        method: str,
        endpoint: str,
        params: MutableMapping[str, Any] | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: Any = None,
        headers: MutableMapping[str, str] | None = None,
    ) -> requests.Response:
        url = self.rewrite(endpoint)
        deadline = time.monotonic() + self.policy.deadline_seconds
        attempt = 0
        while True:
            if self.bucket is not None:
                self.bucket.acquire(deadline)
            self.counter.count(method)
            try:
                response = self.session.request(
                    method=method,
                    url=url,
                    json=json,
                    params=params,
                    data=data,
                    files=files,
                    headers=headers,
                    timeout=self.timeout or self.policy.timeout_seconds,
                )
            except RefreshError as exc:
                raise GoogleError(
                    "bad_credentials",
                    f"Google refused the service-account key: {exc}. Upload a valid key.",
                    401,
                ) from exc
            except (requests.RequestException, TransportError) as exc:
                delay = self.policy.backoff(attempt)
                attempt += 1
                if (
                    not self.retry_server_errors
                    or attempt >= self.policy.attempts
                    or (time.monotonic() + delay > deadline)
                ):
                    raise GoogleError(
                        "unavailable", f"Google could not be reached: {exc}.", 503
                    ) from exc
                self.counter.retries += 1
                self.sleep(delay)
                continue
            if response.ok:
                return response
            if not _is_retryable(response, self.retry_server_errors):
                raise APIError(response)
            retry_after = _retry_after_seconds(response)
            delay = retry_after if retry_after is not None else self.policy.backoff(attempt)
            attempt += 1
            if attempt >= self.policy.attempts or time.monotonic() + delay > deadline:
                raise APIError(response)
            self.counter.retries += 1
            self.sleep(delay)


def make_credentials(key_info: Mapping[str, Any], settings: Settings) -> Credentials:
    """google-auth credentials for a service-account key (or a static one for the fake)."""
    if settings.google_credentials_mode == "fake":
        return oauth2_credentials.Credentials(f"fake:{key_info['client_email']}")  # type: ignore[no-untyped-call]
    info = dict(key_info)
    if settings.google_token_url:
        info["token_uri"] = settings.google_token_url
    credentials: Credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        info, scopes=list(SCOPES)
    )
    return credentials


def make_client(
    key_info: Mapping[str, Any], settings: Settings, counter: RequestCounter
) -> gspread.Client:
    """A gspread client that speaks through ``RetryingHTTPClient`` with this run's counter."""
    policy = RetryPolicy.from_settings(settings)
    bucket = bucket_for(str(key_info["client_email"]), settings)

    class RunHTTPClient(RetryingHTTPClient):
        def __init__(self, auth: Credentials, session: requests.Session | None = None) -> None:
            super().__init__(
                auth,
                session,
                sheets_url=settings.google_sheets_url,
                drive_url=settings.google_drive_url,
                policy=policy,
                bucket=bucket,
                counter=counter,
            )

    return gspread.Client(make_credentials(key_info, settings), http_client=RunHTTPClient)


def describe_api_error(exc: APIError, service_account_email: str) -> GoogleError:
    """Map a Google API error to what the user should do about it."""
    code = exc.code if isinstance(exc.code, int) and exc.code > 0 else exc.response.status_code
    message = str(exc.error.get("message", "")) if isinstance(exc.error, Mapping) else ""
    if code == 404:
        return GoogleError(
            "not_found", "The spreadsheet or worksheet was not found: check the id or URL.", 404
        )
    if code == 403:
        return GoogleError(
            "permission_denied",
            f"The service account {service_account_email} cannot open this spreadsheet: "
            f"share it with {service_account_email} as Editor.",
            403,
        )
    if code == 401:
        return GoogleError("bad_credentials", "Google rejected the service-account key.", 401)
    if code == 429:
        return GoogleError(
            "quota", "Google's request quota is exhausted; the sync will retry later.", 429
        )
    if code == 400:
        return GoogleError("bad_request", f"Google rejected the request: {message}", 400)
    return GoogleError("unavailable", f"Google failed ({code}): {message}", code)
