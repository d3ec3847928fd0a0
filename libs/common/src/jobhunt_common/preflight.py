"""Configuration checks that name the setting at fault, in one line.

A database URL that cannot work stops the service before it serves
(``ConfigurationError``: the process ends printing its one-line message, no traceback).
A key file that is missing or unreadable does not stop it: it logs one line at start-up
and ``/readyz`` answers 503 with that line until the file appears (a secret mounted
late, a key made by another process), so the service never crash-loops on it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import AliasChoices
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from jobhunt_common.auth import load_public_key
from jobhunt_common.settings import ServiceSettings

SUPPORTED_DRIVERS = {"sqlite+aiosqlite", "postgresql+asyncpg"}


class ConfigurationError(SystemExit):
    """A setting that cannot work: ends the process with its one-line message (status 1).

    A ``SystemExit`` so that uvicorn's factory loading lets it through and the interpreter
    prints the message instead of a traceback.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def env_name(settings: ServiceSettings, field: str) -> str:
    """The environment variable that sets ``field`` (``TRACKER_DATABASE_URL``, ``JOBHUNT_...``)."""
    alias = type(settings).model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        for choice in alias.choices:
            if isinstance(choice, str) and choice.isupper():
                return choice
    prefix = str(settings.model_config.get("env_prefix") or "")
    return f"{prefix}{field}".upper()


def database_url_problem(settings: ServiceSettings) -> str | None:
    """Why the configured database URL cannot work, naming the setting; ``None`` if it can."""
    if settings.database_url is None:
        return None
    name = env_name(settings, "database_url")
    hint = "use sqlite:///path/to/file.db or postgresql://user:password@host:5432/database"
    try:
        url = make_url(settings.sqlalchemy_url)
    except ArgumentError:
        return f"{name} is not a database URL: {hint}"
    if url.drivername not in SUPPORTED_DRIVERS:
        return f"{name} names an unsupported database ({url.drivername}): {hint}"
    if url.drivername.startswith("postgresql") and not url.database:
        return f"{name} names no database: {hint}"
    return None


def key_file_problem(
    settings: ServiceSettings, field: str, path: Path, load: Callable[[Path], object]
) -> str | None:
    """Why the key file ``path`` (set by ``field``) cannot be read or ``load``ed, naming the
    setting; ``None`` if it can."""
    try:
        path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return f"{env_name(settings, field)}={path} cannot be read ({reason})"
    try:
        load(path)
    except (ValueError, TypeError) as exc:
        return f"{env_name(settings, field)}={path} is not usable: {exc}"
    return None


def public_key_problem(settings: ServiceSettings) -> str | None:
    """Why the JWT public key cannot verify tokens, naming the setting; ``None`` if it can."""
    return key_file_problem(
        settings, "jwt_public_key_file", settings.public_key_path, load_public_key
    )
