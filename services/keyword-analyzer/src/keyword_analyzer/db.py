"""Declarative base and the migrations folder of the keyword analyzer."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import DeclarativeBase

from jobhunt_common import metadata

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


class Base(DeclarativeBase):
    metadata = metadata()
