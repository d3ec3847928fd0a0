"""The service registry: every service the stack runs, imported only when asked.

A service whose package has no ``main.create_app`` yet (or fails to import) is
reported as unavailable and skipped; the stack runs with whatever exists.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobhunt_common.settings import ServiceSettings


@dataclass(frozen=True)
class Service:
    """One service: its name, Python package, env prefix and public route prefixes."""

    name: str
    package: str
    env_prefix: str
    route_prefixes: tuple[str, ...]
    gateway_url_env: str

    @property
    def app_factory(self) -> str:
        return f"{self.package}.main:create_app"

    def unavailable_reason(self) -> str | None:
        """Why this service cannot run here (``None`` when it can)."""
        try:
            main = importlib.import_module(f"{self.package}.main")
        except ModuleNotFoundError as exc:
            if exc.name is not None and exc.name.startswith(self.package):
                return f"package {self.package} has no main module yet"
            return f"cannot import {self.package}.main: {exc}"
        except Exception as exc:  # a half-written service must not stop the others
            return f"cannot import {self.package}.main: {type(exc).__name__}: {exc}"
        if not callable(getattr(main, "create_app", None)):
            return f"{self.package}.main has no create_app yet"
        return None

    def settings(self, **overrides: Any) -> ServiceSettings:
        """The service's own ``Settings`` (its env prefix honoured)."""
        config = importlib.import_module(f"{self.package}.config")
        settings: ServiceSettings = config.Settings(**overrides)
        return settings

    def migrations_dir(self) -> Path:
        db = importlib.import_module(f"{self.package}.db")
        migrations_dir: Path = db.MIGRATIONS_DIR
        return migrations_dir


TRACKER = Service(
    name="tracker",
    package="tracker",
    env_prefix="TRACKER_",
    route_prefixes=("/api/auth", "/api/tracker"),
    gateway_url_env="JOBHUNT_TRACKER_URL",
)
KEYWORD_ANALYZER = Service(
    name="keyword_analyzer",
    package="keyword_analyzer",
    env_prefix="KEYWORDS_",
    route_prefixes=("/api/keywords",),
    gateway_url_env="JOBHUNT_KEYWORDS_URL",
)
SHEETS_SYNC = Service(
    name="sheets_sync",
    package="sheets_sync",
    env_prefix="SHEETS_",
    route_prefixes=("/api/sheets",),
    gateway_url_env="JOBHUNT_SHEETS_URL",
)

# Start order: sheets-sync calls the tracker, so the tracker comes first.
SERVICES: tuple[Service, ...] = (TRACKER, KEYWORD_ANALYZER, SHEETS_SYNC)

GATEWAY_PACKAGE = "gateway"


def find_service(name: str) -> Service:
    """The service called ``name`` (dashes and underscores alike); ``KeyError`` if none."""
    wanted = name.replace("-", "_")
    for service in SERVICES:
        if wanted in {service.name, service.package}:
            return service
    raise KeyError(name)


def gateway_unavailable_reason() -> str | None:
    """Why the gateway cannot run here (``None`` when ``python -m gateway`` can)."""
    try:
        importlib.import_module(GATEWAY_PACKAGE)
        spec = importlib.util.find_spec(f"{GATEWAY_PACKAGE}.__main__")
    except Exception as exc:
        return f"cannot import {GATEWAY_PACKAGE}: {type(exc).__name__}: {exc}"
    if spec is None:
        return f"package {GATEWAY_PACKAGE} has no __main__ yet"
    return None
