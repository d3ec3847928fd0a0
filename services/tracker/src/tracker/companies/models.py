"""Companies: one per normalised name and owner."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jobhunt_common import UTCDateTime, utcnow
from tracker.db import Base


def company_name_key(name: str) -> str:
    """The comparison key of a company name: case-folded, whitespace collapsed."""
    return re.sub(r"\s+", " ", name).strip().casefold()


class Company(Base):
    __tablename__ = "companies"
    __table_args__ = (
        UniqueConstraint("owner_id", "name_key", name="uq_companies_owner_id_name_key"),
        Index("ix_companies_owner_id_updated_at_id", "owner_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300))
    website: Mapped[str | None] = mapped_column(String(2048))
    industry: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}
