"""Request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Category = Literal[
    "language",
    "framework",
    "library",
    "tool",
    "platform",
    "database",
    "cloud",
    "methodology",
    "domain",
    "spoken_language",
    "knowledge",
    "soft",
    "certification",
    "degree",
]


class PostingIn(BaseModel):
    """A job description as plain text or as an HTML page."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = None
    html: str | None = None


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    postings: list[PostingIn] = Field(min_length=1)


class KeywordOut(BaseModel):
    term: str
    skill: str | None
    category: str
    group: str
    required: bool | None
    count: int
    spans: list[tuple[int, int]]
    weight: float
    confidence: float


class ExtractionOut(BaseModel):
    keywords: list[KeywordOut]


class BatchOut(BaseModel):
    results: list[ExtractionOut]


class MatchIn(BaseModel):
    """A job description (text or HTML) and a resume (text or a saved resume's id)."""

    model_config = ConfigDict(extra="forbid")
    job_text: str | None = None
    job_html: str | None = None
    job_title: str | None = Field(None, max_length=300)
    resume_text: str | None = None
    resume_id: int | None = None
    save: bool = True


class MatchOut(BaseModel):
    id: int | None
    score: int
    breakdown: dict[str, Any]
    matched: list[dict[str, Any]]
    missing: list[dict[str, Any]]
    explanation: str
    job_title: str | None
    resume_id: int | None
    created_at: datetime | None


class AnalysisSummary(BaseModel):
    id: int
    job_title: str | None
    score: int
    resume_id: int | None
    created_at: datetime


class ResumeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    text: str


class ResumeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    source: str
    created_at: datetime
    version: int


class ResumeDetail(ResumeOut):
    text: str
    skills: list[str]


class UserSkillIn(BaseModel):
    """A skill of one's own, or more aliases for a known one (same name as it)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    category: Category = "knowledge"
    aliases: list[str] = Field(default_factory=list, max_length=50)


class UserSkillUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: Category | None = None
    aliases: list[str] | None = Field(None, max_length=50)


class UserSkillOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    category: str
    aliases: list[str]
    created_at: datetime
    updated_at: datetime
    version: int


class InsightSkill(BaseModel):
    term: str
    skill: str | None
    category: str
    postings: int
    required_in: int
    in_resume: bool | None


class InsightsOut(BaseModel):
    analyses: int
    resume_id: int | None
    top_skills: list[InsightSkill]
    missing_from_resume: list[InsightSkill]
