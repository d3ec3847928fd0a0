"""Tables: service-account credentials, connections, snapshots, conflicts, runs, leases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jobhunt_common import UTCDateTime, utcnow
from sheets_sync.db import Base


class ServiceAccountCredential(Base):
    """One Google service-account key per user, encrypted at rest."""

    __tablename__ = "service_account_credential"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(64), unique=True)
    client_email: Mapped[str] = mapped_column(String(320))
    project_id: Mapped[str | None] = mapped_column(String(200))
    private_key_id: Mapped[str | None] = mapped_column(String(200))
    encrypted_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SheetConnection(Base):
    """A user's link between the tracker and one worksheet."""

    __tablename__ = "sheet_connection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(64), index=True)
    spreadsheet_id: Mapped[str] = mapped_column(String(200))
    worksheet: Mapped[str] = mapped_column(String(200))
    columns: Mapped[dict[str, str]] = mapped_column(JSON)
    direction: Mapped[str] = mapped_column(String(16), default="two_way")
    schedule_minutes: Mapped[int | None] = mapped_column(Integer)
    conflict_policy: Mapped[str] = mapped_column(String(16), default="sheet_wins")
    deleted_policy: Mapped[str] = mapped_column(String(16), default="mark")
    status: Mapped[str] = mapped_column(String(32), default="active")
    status_detail: Mapped[str | None] = mapped_column(Text)
    delegation_id: Mapped[str | None] = mapped_column(String(64))
    encrypted_delegation_secret: Mapped[str | None] = mapped_column(Text)
    tracker_watermark: Mapped[str | None] = mapped_column(String(64))
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class SyncSnapshot(Base):
    """The field values both sides agreed on after the last sync of one application."""

    __tablename__ = "sync_snapshot"

    connection_id: Mapped[int] = mapped_column(
        ForeignKey("sheet_connection.id", ondelete="CASCADE"), primary_key=True
    )
    application_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    field_values: Mapped[dict[str, str]] = mapped_column(JSON)
    tracker_values: Mapped[dict[str, str]] = mapped_column(JSON)
    tracker_version: Mapped[int | None] = mapped_column(Integer)
    tracker_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    vanished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SyncConflict(Base):
    """Different edits of one field on both sides since the last sync."""

    __tablename__ = "sync_conflict"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("sheet_connection.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(64))
    base_value: Mapped[str | None] = mapped_column(Text)
    sheet_value: Mapped[str] = mapped_column(Text)
    tracker_value: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_value: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(16))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncRun(Base):
    """One sync, manual or scheduled, real or dry."""

    __tablename__ = "sync_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("sheet_connection.id", ondelete="CASCADE"), index=True
    )
    trigger: Mapped[str] = mapped_column(String(16))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="running")
    status_detail: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rows_pulled: Mapped[int] = mapped_column(Integer, default=0)
    rows_pushed: Mapped[int] = mapped_column(Integer, default=0)
    rows_created: Mapped[int] = mapped_column(Integer, default=0)
    rows_appended: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)
    google_reads: Mapped[int] = mapped_column(Integer, default=0)
    google_writes: Mapped[int] = mapped_column(Integer, default=0)
    google_retries: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class SyncLease(Base):
    """At most one sync per connection: a row held until ``expires_at``."""

    __tablename__ = "sync_lease"
    __table_args__ = (UniqueConstraint("connection_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("sheet_connection.id", ondelete="CASCADE")
    )
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
