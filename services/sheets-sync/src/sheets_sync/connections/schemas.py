"""Request and response bodies of the connections API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sheets_sync.fields import DEFAULT_COLUMNS

Direction = Literal["two_way", "push", "pull"]
ConflictPolicy = Literal["sheet_wins", "tracker_wins", "manual"]
DeletedPolicy = Literal["mark", "remove"]


class CredentialUpload(BaseModel):
    """A Google service-account JSON key, exactly as downloaded from the Cloud console."""

    model_config = ConfigDict(extra="forbid")
    service_account_key: dict[str, Any]


class CredentialRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    client_email: str
    project_id: str | None
    private_key_id: str | None
    created_at: datetime
    updated_at: datetime
    share_with: str = ""
    instructions: str = ""


class ConnectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spreadsheet: str = Field(min_length=10, max_length=500, description="Spreadsheet id or URL")
    worksheet: str = Field("Applications", min_length=1, max_length=100)
    columns: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_COLUMNS))
    direction: Direction = "two_way"
    schedule_minutes: int | None = Field(None, ge=5, le=7 * 24 * 60)
    conflict_policy: ConflictPolicy = "sheet_wins"
    deleted_policy: DeletedPolicy = "mark"


class ConnectionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    columns: dict[str, str] | None = None
    direction: Direction | None = None
    schedule_minutes: int | None = Field(None, ge=5, le=7 * 24 * 60)
    conflict_policy: ConflictPolicy | None = None
    deleted_policy: DeletedPolicy | None = None


class ConnectionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    spreadsheet_id: str
    spreadsheet_url: str = ""
    worksheet: str
    columns: dict[str, str]
    direction: str
    schedule_minutes: int | None
    conflict_policy: str
    deleted_policy: str
    status: str
    status_detail: str | None
    service_account_email: str | None = None
    last_sync_at: datetime | None
    next_sync_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    connection_id: int
    trigger: str
    dry_run: bool
    status: str
    status_detail: str | None
    started_at: datetime
    finished_at: datetime | None
    rows_pulled: int
    rows_pushed: int
    rows_created: int
    rows_appended: int
    conflicts: int
    google_reads: int
    google_writes: int
    google_retries: int
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]


class SyncResult(BaseModel):
    run: RunRead
    changes: list[dict[str, Any]]


class SyncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dry_run: bool = False


class ConflictRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    application_id: int
    field: str
    base_value: str | None
    sheet_value: str
    tracker_value: str
    status: str
    resolution: str | None
    resolved_value: str | None
    resolved_by: str | None
    applied_at: datetime | None
    created_at: datetime
    resolved_at: datetime | None


class ConflictResolve(BaseModel):
    """Pick the sheet's value, the tracker's, or your own; the next sync writes it to both."""

    model_config = ConfigDict(extra="forbid")
    resolution: Literal["sheet", "tracker", "value"]
    value: str | None = None


class VanishedRead(BaseModel):
    application_id: int
    vanished_at: datetime


class VanishedAction(BaseModel):
    """``delete`` the application in the tracker, or ``restore`` its row on the next sync."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["delete", "restore"]
