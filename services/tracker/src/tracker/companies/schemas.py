"""Request and response bodies of the companies API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator


class CompanyFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=300)
    website: str | None = Field(None, max_length=2048)
    industry: str | None = Field(None, max_length=200)
    location: str | None = Field(None, max_length=300)
    notes: str | None = Field(None, max_length=100_000)

    @model_validator(mode="after")
    def _name_not_null(self) -> CompanyFields:
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("name cannot be null")
        return self


class CompanyCreate(CompanyFields):
    name: str = Field(min_length=1, max_length=300)


class CompanyUpdate(CompanyFields):
    pass


class CompanyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    website: str | None
    industry: str | None
    location: str | None
    notes: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    version: int
