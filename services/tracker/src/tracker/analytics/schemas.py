"""The funnel report. The field descriptions are the definitions (they become the API docs)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

GroupBy = Literal["source", "month"]


class StageCounts(BaseModel):
    """How many applications ever reached each stage, from the status event log."""

    saved: int = Field(description="Every application counted: the top of the funnel.")
    applied: int = Field(
        description="Reached applied or any later pipeline stage (screening, interviewing, "
        "offer, accepted) at some point, or has an applied_at; reaching a later stage "
        "implies the earlier ones."
    )
    screening: int = Field(description="Reached screening or a later pipeline stage.")
    interviewing: int = Field(description="Reached interviewing or a later pipeline stage.")
    offer: int = Field(description="Reached offer or accepted.")
    accepted: int = Field(description="Reached accepted.")
    rejected: int = Field(description="Has a status event into rejected, at any time.")
    withdrawn: int = Field(description="Has a status event into withdrawn, at any time.")
    ghosted: int = Field(
        description="Has a status event into ghosted, or is now in applied, screening or "
        "interviewing with no status change for longer than the ghosting period (tracker setting, "
        "default 30 days)."
    )


class FunnelRates(BaseModel):
    """Ratios of the stage counts above, in [0, 1] (4 decimals); null when the denominator
    is zero. "Reached X" always means X or a later pipeline stage."""

    response: float | None = Field(
        description="Reached screening ÷ reached applied: the employer moved it on."
    )
    interview: float | None = Field(description="Reached interviewing ÷ reached applied.")
    offer: float | None = Field(description="Reached offer ÷ reached applied.")
    acceptance: float | None = Field(description="Reached accepted ÷ reached offer.")
    ghosting: float | None = Field(
        description="Ghosted (see stages.ghosted; only applications that reached applied) ÷ "
        "reached applied."
    )


class FunnelStats(BaseModel):
    applications: int = Field(description="Applications counted (not deleted, in the filter).")
    stages: StageCounts
    rates: FunnelRates
    median_days_to_first_response: float | None = Field(
        description="Median over applications with both moments of the days from the applied "
        "moment (the first move into applied or a later pipeline stage, else applied_at) to "
        "the first later move into screening, interviewing, offer, accepted or rejected (any "
        "reply from the employer); null when none has both."
    )
    median_days_in_stage: dict[str, float | None] = Field(
        description="Per status, the median length in days of completed stays (a status "
        "event into the stage until the next status event); a stay still open is not "
        "counted. Null when the stage has no completed stay."
    )


class FunnelGroup(FunnelStats):
    key: str | None = Field(
        description="The source, or the month of the applied moment as YYYY-MM (UTC); null for "
        "applications with no source / never applied."
    )


class FunnelReport(BaseModel):
    group_by: GroupBy | None
    applied_from: date | None
    applied_to: date | None
    generated_at: datetime
    overall: FunnelStats
    groups: list[FunnelGroup] = Field(
        description="One entry per group key when group_by is given, largest group first."
    )
