"""The migrations build exactly the models' schema, and step back down cleanly."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from jobhunt_common.db import create_engine
from jobhunt_common.migrations import downgrade, upgrade
from jobhunt_common.settings import async_database_url
from sheets_sync import models  # noqa: F401  (registers the tables)
from sheets_sync.db import MIGRATIONS_DIR, Base


async def _drift(database_url: str) -> list[object]:
    engine = create_engine(async_database_url(database_url))
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: list(compare_metadata(MigrationContext.configure(sync), Base.metadata))
            )
    finally:
        await engine.dispose()


async def test_migrations_match_models_and_are_reversible(database_url: str) -> None:
    assert await _drift(database_url) == []
    await asyncio.to_thread(downgrade, MIGRATIONS_DIR, database_url, "base")
    await asyncio.to_thread(upgrade, MIGRATIONS_DIR, database_url)
    assert await _drift(database_url) == []
