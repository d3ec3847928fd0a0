"""``jobhunt_common.dbcopy``: SQLite -> PostgreSQL (and SQLite) copies that prove themselves."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sample_app import MIGRATIONS_DIR, SampleSettings, create_app
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from jobhunt_common import UTCDateTime
from jobhunt_common.db import create_engine
from jobhunt_common.dbcopy import (
    SchemaMismatch,
    TargetNotEmpty,
    compare_databases,
    copy_database,
)
from jobhunt_common.migrations import upgrade
from jobhunt_common.settings import async_database_url
from jobhunt_common.testing import (
    app_client,
    create_postgres_database,
    drop_postgres_database,
    postgres_server_url,
)

# A schema with what services use: FKs (also self-referencing and composite), tz-aware
# times, dates, booleans, JSON, numerics, unicode text and bytes.
rich = MetaData()
company = Table(
    "company",
    rich,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("founded", Date),
    Column("rating", Numeric(4, 2)),
    Column("active", Boolean, nullable=False),
    Column("meta", JSON),
    Column("created_at", UTCDateTime, nullable=False),
)
application = Table(
    "application",
    rich,
    Column("id", Integer, primary_key=True),
    Column("company_id", ForeignKey("company.id"), nullable=False),
    Column("parent_id", ForeignKey("application.id")),
    Column("title", Text, nullable=False),
    Column("applied_at", UTCDateTime),
    Column("attachment", LargeBinary),
)
tag = Table(
    "tag",
    rich,
    Column("application_id", Integer, primary_key=True),
    Column("name", String(40), primary_key=True),
    ForeignKeyConstraint(["application_id"], ["application.id"]),
)
REVISION = "rich0001"
CREATED = datetime(2026, 11, 26, 9, 30, 15, 123456, tzinfo=UTC)


async def _create_rich(url: str) -> None:
    engine = create_engine(async_database_url(url))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(rich.create_all)
            await connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
            await connection.execute(text(f"INSERT INTO alembic_version VALUES ('{REVISION}')"))
    finally:
        await engine.dispose()


async def _fill_rich(url: str, companies: int = 30) -> None:
    engine = create_engine(async_database_url(url))
    try:
        async with engine.begin() as connection:
            # Ids with gaps, so a sequence reset to "row count + 1" would be caught.
            await connection.execute(
                insert(company),
                [
                    {
                        "id": i * 3,
                        "name": f"Société {i} ✓",
                        "founded": date(2000 + i % 20, 1 + i % 12, 1 + i % 28),
                        "rating": Decimal(f"{i % 5}.{i % 100:02d}"),
                        "active": i % 2 == 0,
                        "meta": {"size": i, "tags": ["a", "b"], "nested": {"x": None}},
                        "created_at": CREATED,
                    }
                    for i in range(1, companies + 1)
                ],
            )
            rows = []
            for i in range(1, companies * 2 + 1):
                rows.append(
                    {
                        "id": i * 7,
                        "company_id": 3 * (1 + i % companies),
                        "parent_id": 7 * (i - 1) if i > 1 and i % 4 == 0 else None,
                        "title": f"Engineer {i} — 日本語 'quoted' \"double\"",
                        "applied_at": CREATED if i % 3 else None,
                        "attachment": bytes(range(i % 7)) or None,
                    }
                )
            await connection.execute(insert(application), rows)
            await connection.execute(
                insert(tag),
                [
                    {"application_id": 7 * i, "name": f"t{i % 3}"}
                    for i in range(1, min(40, companies * 2 + 1))
                ],
            )
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def target_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty target database: a SQLite file, then a PostgreSQL database if configured."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'target.db'}"
        return
    request.getfixturevalue("postgres_url")
    server = postgres_server_url()
    assert server is not None
    url = create_postgres_database(server)
    yield url
    drop_postgres_database(server, url)


@pytest.fixture
def source_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'source.db'}"


async def _rows(url: str, table: Table) -> list[dict[str, Any]]:
    engine: AsyncEngine = create_engine(async_database_url(url))
    try:
        async with engine.connect() as connection:
            result = await connection.execute(select(table).order_by(*table.primary_key.columns))
            return [dict(row) for row in result.mappings()]
    finally:
        await engine.dispose()


async def test_copies_every_table_and_verifies(source_url: str, target_url: str) -> None:
    await _create_rich(source_url)
    await _fill_rich(source_url)
    await _create_rich(target_url)

    report = await copy_database(source_url, target_url, batch_size=7)

    assert report.verified, report
    assert report.revision == (REVISION,)
    assert [t.name for t in report.tables] == ["company", "application", "tag"]
    assert {t.name: t.target_rows for t in report.tables} == {
        "company": 30,
        "application": 60,
        "tag": 39,
    }
    source_apps = await _rows(source_url, application)
    target_apps = await _rows(target_url, application)
    assert target_apps == source_apps
    assert (await _rows(target_url, company))[0]["created_at"] == CREATED
    assert (await _rows(target_url, company))[0]["meta"] == {
        "size": 1,
        "tags": ["a", "b"],
        "nested": {"x": None},
    }


async def test_postgres_sequences_continue_after_the_copied_ids(
    source_url: str, postgres_url: str
) -> None:
    target_url = await asyncio.to_thread(create_postgres_database, postgres_url)
    try:
        await _create_rich(source_url)
        await _fill_rich(source_url)
        await _create_rich(target_url)
        report = await copy_database(source_url, target_url)
        assert sorted(report.sequences_reset) == [
            "public.application_id_seq",
            "public.company_id_seq",
        ]
        engine = create_engine(async_database_url(target_url))
        try:
            async with engine.begin() as connection:
                new_id = (
                    await connection.execute(
                        insert(company).returning(company.c.id),
                        {"name": "new", "active": True, "created_at": CREATED},
                    )
                ).scalar_one()
        finally:
            await engine.dispose()
        assert new_id == 91
    finally:
        await asyncio.to_thread(drop_postgres_database, postgres_url, target_url)


async def test_a_non_empty_target_is_refused_unless_replaced(
    source_url: str, target_url: str
) -> None:
    await _create_rich(source_url)
    await _fill_rich(source_url)
    await _create_rich(target_url)
    await _fill_rich(target_url, companies=2)

    with pytest.raises(TargetNotEmpty, match="company"):
        await copy_database(source_url, target_url)
    assert len(await _rows(target_url, company)) == 2  # untouched

    report = await copy_database(source_url, target_url, replace=True)
    assert report.verified
    assert report.rows_copied == 129


async def test_an_unmigrated_target_is_refused_before_writing(
    source_url: str, target_url: str
) -> None:
    await _create_rich(source_url)
    await _fill_rich(source_url)
    with pytest.raises(SchemaMismatch, match="migrate the target"):
        await copy_database(source_url, target_url)


async def test_a_different_table_layout_is_refused(source_url: str, tmp_path: Path) -> None:
    await _create_rich(source_url)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    await _create_rich(other)
    engine = create_engine(async_database_url(other))
    try:
        async with engine.begin() as connection:
            await connection.execute(text("ALTER TABLE tag ADD COLUMN colour VARCHAR(10)"))
    finally:
        await engine.dispose()
    with pytest.raises(SchemaMismatch, match="tag"):
        await copy_database(source_url, other)


async def test_comparison_notices_one_changed_value(source_url: str, target_url: str) -> None:
    await _create_rich(source_url)
    await _fill_rich(source_url)
    await _create_rich(target_url)
    assert (await copy_database(source_url, target_url)).verified

    engine = create_engine(async_database_url(target_url))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                update(application).where(application.c.id == 14).values(title="Engineer 2!")
            )
    finally:
        await engine.dispose()
    results = {t.name: t for t in await compare_databases(source_url, target_url)}
    assert not results["application"].matches
    assert results["application"].source_rows == results["application"].target_rows
    assert results["company"].matches
    assert results["tag"].matches


async def test_the_sample_service_runs_on_the_copy(
    source_url: str,
    target_url: str,
    jwt_keys: tuple[Path, Path],
    make_token: Callable[..., str],
    tmp_path: Path,
) -> None:
    """A real service's migrations and data: moved, verified, then served from the target."""
    await asyncio.to_thread(upgrade, MIGRATIONS_DIR, source_url)
    await asyncio.to_thread(upgrade, MIGRATIONS_DIR, target_url)
    headers = {"Authorization": f"Bearer {make_token('owner')}"}

    async def client(url: str) -> Any:
        settings = SampleSettings(
            data_dir=tmp_path, database_url=url, jwt_public_key_file=jwt_keys[1]
        )
        return app_client(create_app(settings))  # type: ignore[arg-type]

    async with await client(source_url) as source_client:
        for name in ("one", "two", "three"):
            created = await source_client.post("/widgets", json={"name": name}, headers=headers)
            assert created.status_code == 201
        renamed = await source_client.patch("/widgets/2", json={"name": "deux"}, headers=headers)
        assert renamed.json()["version"] == 2

    report = await copy_database(source_url, target_url)
    assert report.verified

    async with await client(target_url) as target_client:
        listed: httpx.Response = await target_client.get("/widgets", headers=headers)
        assert {(w["id"], w["name"], w["version"]) for w in listed.json()["items"]} == {
            (1, "one", 1),
            (2, "deux", 2),
            (3, "three", 1),
        }
        fresh = await target_client.post("/widgets", json={"name": "four"}, headers=headers)
        assert fresh.status_code == 201
        assert fresh.json()["id"] == 4
        stale = await target_client.patch(
            "/widgets/2", json={"name": "x"}, headers={**headers, "If-Match": '"1"'}
        )
        assert stale.status_code == 412
