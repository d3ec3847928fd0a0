"""Request and response bodies of the notes API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_id: int
    body: str = Field(min_length=1, max_length=100_000)


class NoteUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str | None = Field(None, min_length=1, max_length=100_000)


class NoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    application_id: int
    body: str
    created_at: datetime
    updated_at: datetime
    version: int
