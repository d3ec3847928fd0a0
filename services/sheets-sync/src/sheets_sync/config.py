"""Settings of the sheets-sync service (env prefix ``SHEETS_``)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic_settings import SettingsConfigDict

from jobhunt_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Everything sheets-sync reads from the environment."""

    service_name: ClassVar[str] = "sheets_sync"
    model_config = SettingsConfigDict(env_prefix="SHEETS_", extra="ignore", populate_by_name=True)

    tracker_url: str = "http://127.0.0.1:8101"
    tracker_timeout_seconds: float = 30.0
    # Re-read tracker changes this far before the last one seen: a write committed just
    # after the previous sync's read may carry a slightly earlier updated_at.
    tracker_watermark_overlap_seconds: float = 1.0
    encryption_key_file: Path | None = None

    google_sheets_url: str = "https://sheets.googleapis.com"
    google_drive_url: str = "https://www.googleapis.com"
    # Where service-account tokens are minted; None keeps the key's own token_uri (Google).
    google_token_url: str | None = None
    # "fake" skips token minting entirely (static bearer naming the service account).
    google_credentials_mode: Literal["service_account", "fake"] = "service_account"
    google_timeout_seconds: float = 60.0
    google_deadline_seconds: float = 150.0
    google_retry_attempts: int = 6
    google_retry_base_seconds: float = 1.0
    google_retry_max_seconds: float = 32.0
    # Google allows 60 requests/min per user; stay under it per service account.
    google_requests_per_minute: float = 50.0
    google_request_burst: int = 10
    max_sheet_columns: int = 500
    max_write_bytes: int = 2_000_000

    scheduler_enabled: bool = True
    scheduler_interval_seconds: float = 30.0
    lease_seconds: float = 900.0

    @property
    def encryption_key_path(self) -> Path:
        return self.encryption_key_file or self.data_dir / "keys" / "sheets_fernet.key"
