"""Request and response bodies of the contacts API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ContactRole = Literal["recruiter", "hiring_manager", "referral", "interviewer", "other"]


class ContactFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=50)
    linkedin_url: str | None = Field(None, max_length=2048)
    role: ContactRole | None = None
    company: str | None = Field(None, min_length=1, max_length=300)
    company_id: int | None = None
    notes: str | None = Field(None, max_length=100_000)
    application_ids: list[int] | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _consistent(self) -> ContactFields:
        for name in ("name", "role", "application_ids"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        if self.company is not None and self.company_id is not None:
            raise ValueError("give company (a name) or company_id, not both")
        return self


class ContactCreate(ContactFields):
    name: str = Field(min_length=1, max_length=200)


class ContactUpdate(ContactFields):
    pass


class ContactRead(BaseModel):
    id: int
    name: str
    email: str | None
    phone: str | None
    linkedin_url: str | None
    role: str
    company_id: int | None
    notes: str | None
    application_ids: list[int]
    created_at: datetime
    updated_at: datetime
    version: int
