"""Request and response bodies of the tasks API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

TaskKind = Literal["follow_up", "other"]


class TaskFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=300)
    application_id: int | None = None
    notes: str | None = Field(None, max_length=100_000)
    kind: TaskKind | None = None
    due_at: AwareDatetime | None = None
    done: bool | None = None

    @model_validator(mode="after")
    def _not_null(self) -> TaskFields:
        for name in ("title", "kind", "done"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class TaskCreate(TaskFields):
    title: str = Field(min_length=1, max_length=300)


class TaskUpdate(TaskFields):
    pass


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    application_id: int | None
    notes: str | None
    kind: str
    due_at: datetime | None
    done_at: datetime | None
    done: bool
    auto_created: bool
    created_at: datetime
    updated_at: datetime
    version: int
