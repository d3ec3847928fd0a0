"""The gateway API client: login tokens, automatic refresh, errors as ``CliError``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from jobhunt_cli.credentials import Credentials, CredentialStore
from jobhunt_cli.errors import CliError, ExitCode

NOT_LOGGED_IN = "not logged in to {url}: run `jobhunt login`"
LOGIN_EXPIRED = "your login to {url} has expired: run `jobhunt login` again"


def problem_message(response: httpx.Response) -> str:
    """``title: detail`` from a problem+json body, plus one line per field error."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        text = response.text.strip().splitlines()
        reason = response.reason_phrase or "error"
        return f"HTTP {response.status_code} {reason}" + (f": {text[0][:200]}" if text else "")
    title = body.get("title") or response.reason_phrase or f"HTTP {response.status_code}"
    detail = body.get("detail")
    lines = [f"{title}: {detail}" if detail and detail != title else str(title)]
    for error in body.get("errors") or []:
        if isinstance(error, dict):
            field = error.get("field") or ".".join(str(p) for p in error.get("loc", []))
            message = error.get("message") or error.get("msg") or error.get("detail") or error
            lines.append(f"  {field}: {message}" if field else f"  {message}")
        else:
            lines.append(f"  {error}")
    return "\n".join(lines)


def api_error(response: httpx.Response) -> CliError:
    code = ExitCode.AUTH if response.status_code == 401 else ExitCode.API_ERROR
    return CliError(problem_message(response), code)


class ApiClient:
    """A synchronous client of one gateway, logged in through a ``CredentialStore``."""

    def __init__(
        self,
        base_url: str,
        store: CredentialStore,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.store = store
        self.http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=5.0),
            transport=transport,
            headers={"User-Agent": "jobhunt-cli"},
        )

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.http.close()

    # -- login -------------------------------------------------------------------------

    @property
    def credentials(self) -> Credentials | None:
        return self.store.load(self.base_url)

    def login(self, email: str, password: str) -> Credentials:
        response = self._send(
            self.http.build_request(
                "POST", "/api/auth/token", data={"username": email, "password": password}
            )
        )
        if response.status_code >= 400:
            raise api_error(response)
        credentials = Credentials.from_token_response(response.json(), email)
        self.store.save(self.base_url, credentials)
        return credentials

    def refresh(self, credentials: Credentials) -> Credentials:
        """New tokens from the refresh token; a refusal forgets the login (exit code 3)."""
        response = self._send(
            self.http.build_request(
                "POST", "/api/auth/refresh", json={"refresh_token": credentials.refresh_token}
            )
        )
        if response.status_code in {400, 401, 403, 404, 422}:
            self.store.delete(self.base_url)
            raise CliError(LOGIN_EXPIRED.format(url=self.base_url), ExitCode.AUTH)
        if response.status_code >= 400:
            raise api_error(response)
        fresh = Credentials.from_token_response(response.json(), credentials.email)
        self.store.save(self.base_url, fresh)
        return fresh

    def logout(self) -> bool:
        """Revoke the refresh token (best effort) and forget the login locally."""
        credentials = self.credentials
        if credentials is None:
            return False
        # The local tokens go regardless; the server's expire on their own.
        with contextlib.suppress(httpx.HTTPError):
            self.http.post("/api/auth/logout", json={"refresh_token": credentials.refresh_token})
        self.store.delete(self.base_url)
        return True

    def _access_token(self) -> str:
        credentials = self.credentials
        if credentials is None:
            raise CliError(NOT_LOGGED_IN.format(url=self.base_url), ExitCode.AUTH)
        if credentials.expired:
            credentials = self.refresh(credentials)
        return credentials.access_token

    # -- requests ----------------------------------------------------------------------

    def _send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
        try:
            return self.http.send(request, stream=stream)
        except httpx.ConnectError as exc:
            raise CliError(
                f"cannot connect to {self.base_url} ({exc}): is the stack running? "
                "(`jobhunt up`, or pass --url)",
                ExitCode.CONNECTION,
            ) from exc
        except httpx.TimeoutException as exc:
            raise CliError(
                f"{self.base_url} did not answer in time ({type(exc).__name__})",
                ExitCode.CONNECTION,
            ) from exc
        except httpx.TransportError as exc:
            raise CliError(
                f"connection to {self.base_url} failed: {exc}", ExitCode.CONNECTION
            ) from exc

    def _authorised_send(
        self, method: str, path: str, *, stream: bool = False, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        for attempt in range(2):
            headers["Authorization"] = f"Bearer {self._access_token()}"
            request = self.http.build_request(method, path, headers=headers, **kwargs)
            response = self._send(request, stream=stream)
            if response.status_code != 401 or attempt == 1:
                return response
            # The server says the token is no good (expired early, key rotated): refresh once.
            response.close()
            credentials = self.credentials
            if credentials is None:
                raise CliError(NOT_LOGGED_IN.format(url=self.base_url), ExitCode.AUTH)
            self.refresh(credentials)
        raise AssertionError("unreachable")

    def request(
        self, method: str, path: str, *, auth: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """Send a request; any 4xx/5xx becomes a ``CliError`` with the problem's message."""
        if auth:
            response = self._authorised_send(method, path, **kwargs)
        else:
            response = self._send(self.http.build_request(method, path, **kwargs))
        if response.status_code == 401 and auth:
            self.store.delete(self.base_url)
            raise CliError(LOGIN_EXPIRED.format(url=self.base_url), ExitCode.AUTH)
        if response.status_code >= 400:
            raise api_error(response)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    @contextmanager
    def stream(self, method: str, path: str, **kwargs: Any) -> Iterator[httpx.Response]:
        """A streamed authorised response (closed on exit); errors as in ``request``."""
        response = self._authorised_send(method, path, stream=True, **kwargs)
        try:
            if response.status_code >= 400:
                response.read()
                if response.status_code == 401:
                    raise CliError(LOGIN_EXPIRED.format(url=self.base_url), ExitCode.AUTH)
                raise api_error(response)
            yield response
        finally:
            response.close()
