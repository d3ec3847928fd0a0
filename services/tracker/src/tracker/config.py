"""Settings of the tracker service (env prefix ``TRACKER_``)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from jobhunt_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Everything the tracker reads from the environment."""

    service_name: ClassVar[str] = "tracker"
    model_config = SettingsConfigDict(env_prefix="TRACKER_", extra="ignore", populate_by_name=True)

    jwt_private_key_file: Path | None = None
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    delegated_token_minutes: int = 15

    # argon2id cost; tests lower these (never in production).
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4

    # Failed logins: after ``login_max_failures`` in a row the account locks for
    # ``login_lockout_seconds``, doubling with each further failure (capped).
    login_max_failures: int = 5
    login_lockout_seconds: int = 60
    login_lockout_max_seconds: int = 3600

    follow_up_days: int = 7
    ghosted_after_days: int = 30

    @property
    def private_key_path(self) -> Path:
        return self.jwt_private_key_file or self.data_dir / "keys" / "jwt_private.pem"
