"""The schema: migrations up and down on both databases, and the search triggers."""

from __future__ import annotations

import asyncio

import httpx
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from jobhunt_common.db import create_engine
from jobhunt_common.migrations import downgrade, upgrade
from jobhunt_common.settings import async_database_url
from tracker import models  # noqa: F401  (every table on Base.metadata)
from tracker.db import MIGRATIONS_DIR, Base


async def test_ready_at_head(client: httpx.AsyncClient) -> None:
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["revision"] == ["0001"]


async def _tables(url: str) -> set[str]:
    engine = create_engine(async_database_url(url))
    try:
        async with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                rows = await connection.execute(
                    text("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
                )
            else:
                rows = await connection.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "UNION SELECT proname FROM pg_proc WHERE proname LIKE 'application_search%'"
                    )
                )
            return {row[0] for row in rows}
    finally:
        await engine.dispose()


async def test_migrations_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    assert {"applications", "application_search", "users"} <= await _tables(database_url)
    await asyncio.to_thread(downgrade, MIGRATIONS_DIR, database_url, "base")
    assert await _tables(database_url) == {"alembic_version"}
    await asyncio.to_thread(upgrade, MIGRATIONS_DIR, database_url)
    assert {"applications", "application_search", "status_events"} <= await _tables(database_url)


async def test_models_and_migrations_agree(database_url: str) -> None:
    """Autogenerate finds nothing to do: the models are exactly what the migrations make."""

    def include_name(name: str | None, type_: str, parent_names: object) -> bool:
        # The search index is made by raw SQL per dialect and has no model.
        return not (name or "").startswith("application_search")

    def compare(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        return list(compare_metadata(context, Base.metadata))

    engine = create_engine(async_database_url(database_url))
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(compare) == []
    finally:
        await engine.dispose()
