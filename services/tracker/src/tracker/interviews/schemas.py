"""Request and response bodies of the interviews API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

InterviewKind = Literal["phone", "video", "onsite", "technical", "behavioral", "take_home", "other"]
InterviewOutcome = Literal["pending", "passed", "failed", "cancelled"]


class InterviewFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_id: int | None = None
    round: str | None = Field(None, max_length=100)
    kind: InterviewKind | None = None
    scheduled_at: AwareDatetime | None = None
    duration_minutes: int | None = Field(None, ge=1, le=24 * 60)
    location: str | None = Field(None, max_length=300)
    meeting_url: str | None = Field(None, max_length=2048)
    outcome: InterviewOutcome | None = None
    notes: str | None = Field(None, max_length=100_000)
    contact_ids: list[int] | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def _not_null(self) -> InterviewFields:
        for name in ("application_id", "kind", "outcome", "contact_ids"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class InterviewCreate(InterviewFields):
    application_id: int


class InterviewUpdate(InterviewFields):
    pass


class InterviewRead(BaseModel):
    id: int
    application_id: int
    round: str | None
    kind: str
    scheduled_at: datetime | None
    duration_minutes: int | None
    location: str | None
    meeting_url: str | None
    outcome: str
    notes: str | None
    contact_ids: list[int]
    created_at: datetime
    updated_at: datetime
    version: int
