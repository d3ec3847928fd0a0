"""Request and response bodies of the applications API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

Status = Literal[
    "saved",
    "applied",
    "screening",
    "interviewing",
    "offer",
    "accepted",
    "rejected",
    "withdrawn",
    "ghosted",
]
StatusSource = Literal["manual", "import", "sync", "system"]
WorkplaceType = Literal["onsite", "hybrid", "remote"]
SalaryPeriod = Literal["hour", "day", "week", "month", "year"]
Tag = Annotated[str, Field(min_length=1, max_length=50)]
Sort = Literal["-updated_at", "updated_at", "-created_at", "created_at", "title", "-title"]

# Fields a PATCH may not set to null.
NOT_NULLABLE = ("title", "status", "tags", "archived", "status_source")


def _clean_tags(tags: list[str] | None) -> list[str] | None:
    if tags is None:
        return None
    seen: dict[str, None] = {}
    for tag in tags:
        cleaned = " ".join(tag.split())
        if not cleaned:
            raise ValueError("tags must not be blank")
        seen.setdefault(cleaned, None)
    return list(seen)


class ApplicationFields(BaseModel):
    """What a client may write; every field optional here, ``ApplicationCreate`` needs a title."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=300)
    company: str | None = Field(None, min_length=1, max_length=300)
    company_id: int | None = None
    url: str | None = Field(None, max_length=2048)
    location: str | None = Field(None, max_length=300)
    workplace_type: WorkplaceType | None = None
    employment_type: str | None = Field(None, max_length=50)
    salary_min: int | None = Field(None, ge=0, le=10**9)
    salary_max: int | None = Field(None, ge=0, le=10**9)
    salary_currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$")
    salary_period: SalaryPeriod | None = None
    source: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=200_000)
    date_posted: date | None = None
    status: Status | None = None
    status_label: str | None = Field(None, max_length=200)
    status_source: StatusSource | None = None
    status_changed_at: AwareDatetime | None = None
    applied_at: AwareDatetime | None = None
    first_response_at: AwareDatetime | None = None
    follow_up_at: AwareDatetime | None = None
    excitement: int | None = Field(None, ge=1, le=5)
    tags: list[Tag] | None = Field(None, max_length=50)
    archived: bool | None = None
    match_score: float | None = Field(None, ge=0, le=100)

    _tags = field_validator("tags")(_clean_tags)

    @field_validator("salary_currency")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value

    @model_validator(mode="after")
    def _consistent(self) -> ApplicationFields:
        for name in NOT_NULLABLE:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        if (
            self.salary_min is not None
            and self.salary_max is not None
            and self.salary_min > self.salary_max
        ):
            raise ValueError("salary_min is greater than salary_max")
        if self.company is not None and self.company_id is not None:
            raise ValueError("give company (a name) or company_id, not both")
        return self


class ApplicationCreate(ApplicationFields):
    title: str = Field(min_length=1, max_length=300)


class ApplicationUpdate(ApplicationFields):
    pass


class ApplicationRead(BaseModel):
    id: int
    title: str
    company: str | None
    company_id: int | None
    url: str | None
    location: str | None
    workplace_type: str | None
    employment_type: str | None
    salary_min: int | None
    salary_max: int | None
    salary_currency: str | None
    salary_period: str | None
    source: str | None
    description: str | None
    date_posted: date | None
    status: str
    effective_status: str
    ghosted: bool
    status_changed_at: datetime
    applied_at: datetime | None
    first_response_at: datetime | None
    follow_up_at: datetime | None
    excitement: int | None
    tags: list[str]
    archived: bool
    match_score: float | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    version: int


class StatusEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    from_status: str | None
    to_status: str
    at: datetime
    source: str
    label: str | None


def application_fields(body: BaseModel) -> dict[str, Any]:
    """The fields a client sent, as a dict (unsent ones left out)."""
    return body.model_dump(exclude_unset=True)
