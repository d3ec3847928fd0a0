"""The sheets-sync service: connections, credentials, sync runs, conflicts, scheduler."""

from __future__ import annotations

from fastapi import FastAPI

from jobhunt_common import create_service_app
from sheets_sync.config import Settings
from sheets_sync.connections.router import router as connections_router
from sheets_sync.crypto import SecretBox, load_or_create_key
from sheets_sync.db import MIGRATIONS_DIR
from sheets_sync.scheduler import start_scheduler, stop_scheduler


async def _open_secret_box(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    app.state.secret_box = SecretBox(load_or_create_key(settings.encryption_key_path))


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service app (migrations are applied by ``jobhunt migrate``, not here)."""
    return create_service_app(
        settings or Settings(),
        title="jobhunt sheets-sync",
        version="0.1.0",
        routers=[connections_router],
        migrations_dir=MIGRATIONS_DIR,
        on_startup=[_open_secret_box, start_scheduler],
        on_shutdown=[stop_scheduler],
    )
