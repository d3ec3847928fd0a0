"""Copy a service's data between databases (SQLite -> PostgreSQL), then prove nothing was lost.

The target must already be migrated to the same Alembic head as the source. Tables are
reflected from both sides, copied in foreign-key order in batches inside one target
transaction, PostgreSQL sequences are moved past the copied ids, and then each table's
row count and a checksum of its canonicalised rows are compared on both sides.

Derived tables are not copied: SQLite virtual tables (FTS5 full-text indexes) and their
shadow tables, with the same-named table on the other side. The services keep those in
step with triggers, so the target's own triggers rebuild them as the rows arrive.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON as SQLJSON
from sqlalchemy import Boolean, Date, DateTime, Integer, MetaData, Table, func, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SAWarning
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from jobhunt_common.db import create_engine
from jobhunt_common.migrations import current_revisions
from jobhunt_common.settings import async_database_url

ALEMBIC_TABLE = "alembic_version"
_SHADOW_SUFFIXES = {"config", "content", "data", "docsize", "idx"}
_MODULUS = 2**256


class DatabaseCopyError(Exception):
    """The copy cannot start or did not verify; the message says why."""


class SchemaMismatch(DatabaseCopyError):
    """Source and target are not at the same migration head or do not have the same tables."""


class TargetNotEmpty(DatabaseCopyError):
    """The target already holds rows and ``replace`` was not asked for."""


@dataclass(frozen=True)
class TableCopy:
    """One table's outcome: rows and checksum read back from each side."""

    name: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def matches(self) -> bool:
        return self.source_rows == self.target_rows and (
            self.source_checksum == self.target_checksum
        )


@dataclass(frozen=True)
class CopyReport:
    """What ``copy_database`` did; ``verified`` is true only when every table matches."""

    source: str
    target: str
    revision: tuple[str, ...]
    tables: tuple[TableCopy, ...]
    sequences_reset: tuple[str, ...]
    # Derived tables (SQLite full-text indexes) not copied: the target's triggers rebuild them.
    skipped: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        return all(table.matches for table in self.tables)

    @property
    def mismatched(self) -> tuple[str, ...]:
        return tuple(table.name for table in self.tables if not table.matches)

    @property
    def rows_copied(self) -> int:
        return sum(table.target_rows for table in self.tables)


async def copy_database(
    source_url: str,
    target_url: str,
    *,
    replace: bool = False,
    batch_size: int = 1000,
) -> CopyReport:
    """Copy every table from ``source_url`` to ``target_url`` and verify counts and checksums.

    Both URLs are plain or async SQLAlchemy URLs (``sqlite:///...``, ``postgresql://...``).
    The target must be migrated to the source's head. A target holding rows is refused
    with ``TargetNotEmpty`` unless ``replace`` is true, which empties its tables first
    (in the same transaction as the copy). Raises ``SchemaMismatch`` before writing
    anything when the schemas differ; returns the report, whose ``verified`` says
    whether every table's count and checksum matched.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    source = create_engine(async_database_url(source_url))
    target = create_engine(async_database_url(target_url))
    try:
        revision = await _same_revision(source, target)
        source_schema = await _reflect(source)
        tables, skipped = _plan(source_schema, await _reflect(target))
        async with target.begin() as target_connection:
            await _ensure_empty(target_connection, tables, replace=replace)
            async with source.connect() as source_connection:
                for table in tables:
                    await _copy_table(
                        source_connection,
                        target_connection,
                        table,
                        source_schema.tables,
                        batch_size,
                    )
            sequences = await _reset_sequences(target_connection, tables)
        results = await _compare_all(source, target)
    finally:
        await source.dispose()
        await target.dispose()
    return CopyReport(
        source=_redacted(source_url),
        target=_redacted(target_url),
        revision=tuple(sorted(revision)),
        tables=tuple(results),
        sequences_reset=tuple(sequences),
        skipped=skipped,
    )


def _redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


async def _same_revision(source: AsyncEngine, target: AsyncEngine) -> set[str]:
    source_revision = await current_revisions(source)
    target_revision = await current_revisions(target)
    if not source_revision:
        raise SchemaMismatch("The source database has no migrations applied: nothing to copy.")
    if source_revision != target_revision:
        raise SchemaMismatch(
            f"The source is at revision {sorted(source_revision)} but the target is at "
            f"{sorted(target_revision) or 'nothing'}: migrate the target to the same head first."
        )
    return source_revision


@dataclass(frozen=True)
class _Schema:
    tables: dict[str, Table]  # FK-safe order: parents before children
    derived: frozenset[str]  # SQLite virtual tables (full-text indexes) and their shadows


async def _reflect(engine: AsyncEngine) -> _Schema:
    def reflect(connection: Connection) -> _Schema:
        derived = _sqlite_derived_tables(connection)
        metadata = MetaData()
        metadata.reflect(
            connection, only=lambda name, _: name not in derived and name != ALEMBIC_TABLE
        )
        # A cycle between tables would need deferred constraints; SQLAlchemy warns then.
        return _Schema({table.name: table for table in metadata.sorted_tables}, derived)

    async with engine.connect() as connection:
        return await connection.run_sync(reflect)


def _sqlite_derived_tables(connection: Connection) -> frozenset[str]:
    """SQLite virtual tables and their shadow tables: indexes the target's triggers rebuild."""
    if connection.dialect.name != "sqlite":
        return frozenset()
    master = "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
    tables = {name: sql or "" for name, sql in connection.exec_driver_sql(master)}
    virtual = {name for name, sql in tables.items() if sql.upper().startswith("CREATE VIRTUAL")}
    shadows = {
        name
        for name in tables
        for parent in virtual
        if name.startswith(parent + "_") and name[len(parent) + 1 :] in _SHADOW_SUFFIXES
    }
    return frozenset(virtual | shadows)


def _plan(source: _Schema, target: _Schema) -> tuple[list[Table], tuple[str, ...]]:
    """The target tables to copy, in order, and the derived ones left to the target."""
    derived = source.derived | target.derived
    source_tables = {n: t for n, t in source.tables.items() if n not in derived}
    target_tables = {n: t for n, t in target.tables.items() if n not in derived}
    if set(source_tables) != set(target_tables):
        raise SchemaMismatch(
            f"The tables differ: only in the source "
            f"{sorted(set(source_tables) - set(target_tables))}, "
            f"only in the target {sorted(set(target_tables) - set(source_tables))}."
        )
    for name, table in target_tables.items():
        source_columns = set(source_tables[name].columns.keys())
        target_columns = set(table.columns.keys())
        if source_columns != target_columns:
            raise SchemaMismatch(
                f"Table {name} has columns {sorted(source_columns)} in the source and "
                f"{sorted(target_columns)} in the target."
            )
    return list(target_tables.values()), tuple(sorted(derived))


async def _ensure_empty(
    connection: AsyncConnection, tables: Sequence[Table], *, replace: bool
) -> None:
    occupied = [
        table.name
        for table in tables
        if (await connection.scalar(select(func.count()).select_from(table)) or 0) > 0
    ]
    if occupied and not replace:
        raise TargetNotEmpty(
            f"The target already has rows in {occupied}: pass replace=True to empty it first."
        )
    for table in reversed(tables):
        await connection.execute(table.delete())


def _order_by(table: Table) -> list[Any]:
    # Parents of a self-referencing table come first when ids grow with insertion order.
    return list(table.primary_key.columns) or list(table.columns)


async def _copy_table(
    source: AsyncConnection,
    target: AsyncConnection,
    table: Table,
    source_tables: Mapping[str, Table],
    batch_size: int,
) -> None:
    source_table = source_tables[table.name]
    statement = select(source_table).order_by(*_order_by(source_table))
    with _quiet_sqlite_decimals():
        result = await source.stream(statement)
        async for partition in result.mappings().partitions(batch_size):
            rows = [
                {name: _coerce(value, table.columns[name].type) for name, value in row.items()}
                for row in partition
            ]
            await target.execute(table.insert(), rows)


async def _reset_sequences(connection: AsyncConnection, tables: Iterable[Table]) -> list[str]:
    """Move each integer primary key's sequence past the copied ids (PostgreSQL only)."""
    if connection.dialect.name != "postgresql":
        return []
    reset = []
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        columns = list(table.primary_key.columns)
        if len(columns) != 1 or not isinstance(columns[0].type, Integer):
            continue
        column = columns[0]
        sequence = await connection.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": quote(table.name), "column": column.name},
        )
        if sequence is None:
            continue
        await connection.execute(
            text(
                f"SELECT setval(:sequence, COALESCE((SELECT MAX({quote(column.name)}) "
                f"FROM {quote(table.name)}), 0) + 1, false)"
            ),
            {"sequence": sequence},
        )
        reset.append(str(sequence))
    return reset


async def compare_databases(source_url: str, target_url: str) -> tuple[TableCopy, ...]:
    """Row counts and checksums of every table on both sides (``SchemaMismatch`` if they differ)."""
    source = create_engine(async_database_url(source_url))
    target = create_engine(async_database_url(target_url))
    try:
        return tuple(await _compare_all(source, target))
    finally:
        await source.dispose()
        await target.dispose()


async def _compare_all(source: AsyncEngine, target: AsyncEngine) -> list[TableCopy]:
    source_schema = await _reflect(source)
    tables, _ = _plan(source_schema, await _reflect(target))
    source_tables = source_schema.tables
    results = []
    for table in tables:
        source_rows, source_checksum = await _checksum(source, source_tables[table.name], table)
        target_rows, target_checksum = await _checksum(target, table, table)
        results.append(
            TableCopy(table.name, source_rows, target_rows, source_checksum, target_checksum)
        )
    return results


async def _checksum(engine: AsyncEngine, table: Table, canonical: Table) -> tuple[int, str]:
    """Row count and an order-independent digest of the rows, canonicalised as ``canonical``."""
    count = 0
    total = 0
    names = sorted(canonical.columns.keys())
    async with engine.connect() as connection:
        with _quiet_sqlite_decimals():
            result = await connection.stream(select(table))
            async for row in result.mappings():
                values = [
                    _canonical(_coerce(row[name], canonical.columns[name].type)) for name in names
                ]
                line = json.dumps(values, sort_keys=True, separators=(",", ":"))
                total = (total + int.from_bytes(hashlib.sha256(line.encode()).digest())) % _MODULUS
                count += 1
    digest = hashlib.sha256(f"{count}:{total:064x}".encode()).hexdigest()
    return count, digest


def _coerce(value: Any, target_type: Any) -> Any:
    """A value read from one database in the form the other's column type expects."""
    if value is None:
        return None
    if isinstance(target_type, DateTime):
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime):
            # Naive timestamps are UTC by construction (UTCDateTime on SQLite).
            aware = value if value.tzinfo else value.replace(tzinfo=UTC)
            return (
                aware.astimezone(UTC)
                if target_type.timezone
                else aware.astimezone(UTC).replace(tzinfo=None)
            )
    elif isinstance(target_type, Date):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, str):
            return date.fromisoformat(value)
    elif isinstance(target_type, Boolean):
        return bool(value)
    elif isinstance(target_type, SQLJSON) and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    elif isinstance(target_type, Integer) and isinstance(value, bool):
        return int(value)
    return value


def _canonical(value: Any) -> Any:
    """A JSON-able form equal on both sides for equal data, whatever the driver returned."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if number == number.to_integral_value():
            return str(int(number))
        return str(number.normalize())
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return str(value)


@contextmanager
def _quiet_sqlite_decimals() -> Iterator[None]:
    # SQLite keeps NUMERIC as floating point and SQLAlchemy warns on every such read; the
    # checksum canonicalises numbers, so a lost digit still shows up as a mismatch.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*Decimal objects natively", category=SAWarning)
        yield
