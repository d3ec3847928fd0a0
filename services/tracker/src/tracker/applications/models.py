"""Applications and their append-only status history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    exists,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from jobhunt_common import UTCDateTime, utcnow
from tracker.db import Base

STATUSES = (
    "saved",
    "applied",
    "screening",
    "interviewing",
    "offer",
    "accepted",
    "rejected",
    "withdrawn",
    "ghosted",
)
# Stages in which an application waits on the company and can go silent.
WAITING_STATUSES = ("applied", "screening", "interviewing")
# Reaching one of these means the company answered.
RESPONSE_STATUSES = ("screening", "interviewing", "offer", "accepted", "rejected")
# Reaching one of these means the application was sent.
SENT_STATUSES = ("applied", "screening", "interviewing", "offer", "accepted")
STATUS_SOURCES = ("manual", "import", "sync", "system")
WORKPLACE_TYPES = ("onsite", "hybrid", "remote")
SALARY_PERIODS = ("hour", "day", "week", "month", "year")

TagList = JSON().with_variant(JSONB(), "postgresql")


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_owner_id_updated_at_id", "owner_id", "updated_at", "id"),
        Index(
            "ix_applications_owner_id_status_updated_at_id",
            "owner_id",
            "status",
            "updated_at",
            "id",
        ),
        Index("ix_applications_owner_id_created_at_id", "owner_id", "created_at", "id"),
        Index("ix_applications_owner_id_title_id", "owner_id", "title", "id"),
        Index("ix_applications_owner_id_applied_at", "owner_id", "applied_at"),
        Index("ix_applications_company_id", "company_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    url: Mapped[str | None] = mapped_column(String(2048))
    location: Mapped[str | None] = mapped_column(String(300))
    workplace_type: Mapped[str | None] = mapped_column(String(16))
    employment_type: Mapped[str | None] = mapped_column(String(50))
    salary_min: Mapped[int | None] = mapped_column(Integer)
    salary_max: Mapped[int | None] = mapped_column(Integer)
    salary_currency: Mapped[str | None] = mapped_column(String(3))
    salary_period: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    date_posted: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="saved")
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    excitement: Mapped[int | None] = mapped_column(SmallInteger)
    tags: Mapped[list[str]] = mapped_column(TagList, default=list)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    match_score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class StatusEvent(Base):
    """One status change of an application; rows are only ever appended."""

    __tablename__ = "status_events"
    __table_args__ = (
        Index("ix_status_events_application_id_at_id", "application_id", "at", "id"),
        Index("ix_status_events_owner_id_at", "owner_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    owner_id: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    source: Mapped[str] = mapped_column(String(16), default="manual")
    label: Mapped[str | None] = mapped_column(String(200))


def of_live_application(application_id: Any) -> ColumnElement[bool]:
    """True unless ``application_id`` points at a deleted application (children then hide)."""
    return ~exists().where(Application.id == application_id, Application.deleted_at.is_not(None))
