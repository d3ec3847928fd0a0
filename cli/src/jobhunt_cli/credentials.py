"""Login tokens on disk: one entry per gateway URL, in a file only the user can read."""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# Refresh a little before the server would call the token expired.
EXPIRY_MARGIN_SECONDS = 30.0


@dataclass
class Credentials:
    """The tokens of one login."""

    access_token: str
    refresh_token: str
    expires_at: float
    email: str | None = None

    @classmethod
    def from_token_response(cls, body: dict[str, Any], email: str | None) -> Credentials:
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=str(body["refresh_token"]),
            expires_at=time.time() + float(body.get("expires_in", 900)),
            email=email,
        )

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at - EXPIRY_MARGIN_SECONDS


class CredentialStore:
    """``credentials.json`` (mode 0600, its folder 0700), keyed by gateway URL."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read_all(self) -> dict[str, dict[str, Any]]:
        try:
            entries = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def _write_all(self, entries: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path.with_name(self.path.name + ".tmp")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(entries, handle, indent=2)
        temporary.replace(self.path)

    def load(self, url: str) -> Credentials | None:
        entry = self._read_all().get(url)
        if entry is None:
            return None
        try:
            return Credentials(**entry)
        except TypeError:
            return None

    def save(self, url: str, credentials: Credentials) -> None:
        entries = self._read_all()
        entries[url] = asdict(credentials)
        self._write_all(entries)

    def delete(self, url: str) -> bool:
        entries = self._read_all()
        if entries.pop(url, None) is None:
            return False
        self._write_all(entries)
        return True
