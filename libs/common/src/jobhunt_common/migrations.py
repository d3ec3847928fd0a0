"""Alembic glue: one ``env.py`` body for every service, and programmatic upgrade/status."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from jobhunt_common.db import create_engine
from jobhunt_common.settings import async_database_url


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    """An Alembic config for a service's migrations folder and database."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", async_database_url(database_url).replace("%", "%%"))
    return config


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (sync; call from a thread inside async code)."""
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def downgrade(migrations_dir: Path, database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(migrations_dir, database_url), revision)


def head_revisions(migrations_dir: Path) -> set[str]:
    script = ScriptDirectory.from_config(alembic_config(migrations_dir, "sqlite://"))
    return set(script.get_heads())


async def current_revisions(engine: AsyncEngine) -> set[str]:
    def read(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as connection:
        return await connection.run_sync(read)


def _configure(connection: Connection, target_metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(url: str, target_metadata: MetaData) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure, target_metadata)
            await connection.commit()
    finally:
        await engine.dispose()


def run_env(target_metadata: MetaData) -> None:
    """The whole body of a service's ``migrations/env.py``."""
    if context.is_offline_mode():
        context.configure(
            url=context.config.get_main_option("sqlalchemy.url"),
            target_metadata=target_metadata,
            literal_binds=True,
            render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection, target_metadata)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None, "sqlalchemy.url is not set"
    asyncio.run(_run_online(url, target_metadata))
