"""Scheduled syncs: a loop that runs the connections that are due, as the user's delegate.

Each due connection is claimed by moving ``next_sync_at`` forward before it runs, and the
run itself takes the connection's lease, so several service instances never double up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import or_, select

from jobhunt_common import utcnow
from sheets_sync.models import SheetConnection
from sheets_sync.sync import SyncBusy, SyncServices, run_sync

logger = logging.getLogger("sheets_sync.scheduler")


async def run_due_syncs(services: SyncServices) -> list[int]:
    """Run every active scheduled connection whose time has come; the ids that ran."""
    now = utcnow()
    async with services.database.write_sessionmaker() as session:
        due = list(
            await session.scalars(
                select(SheetConnection).where(
                    SheetConnection.schedule_minutes.is_not(None),
                    SheetConnection.status == "active",
                    or_(
                        SheetConnection.next_sync_at.is_(None), SheetConnection.next_sync_at <= now
                    ),
                )
            )
        )
        for connection in due:
            connection.next_sync_at = now + timedelta(minutes=connection.schedule_minutes or 0)
        await session.commit()
    ran = []
    for connection in due:
        try:
            report = await run_sync(services, connection.id, trigger="scheduled")
            logger.info("scheduled sync %s: %s", connection.id, report.run.status)
            ran.append(connection.id)
        except SyncBusy:
            logger.info("scheduled sync %s skipped: already running", connection.id)
        except Exception:  # one connection's failure must not stop the others
            logger.exception("scheduled sync %s failed", connection.id)
    return ran


async def _loop(services: SyncServices, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await run_due_syncs(services)
        except Exception:
            logger.exception("scheduler pass failed")


async def start_scheduler(app: FastAPI) -> None:
    settings = app.state.settings
    if not settings.scheduler_enabled:
        return
    services = SyncServices(settings, app.state.database, app.state.secret_box)
    app.state.scheduler_task = asyncio.create_task(
        _loop(services, settings.scheduler_interval_seconds)
    )


async def stop_scheduler(app: FastAPI) -> None:
    task: asyncio.Task[None] | None = getattr(app.state, "scheduler_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
