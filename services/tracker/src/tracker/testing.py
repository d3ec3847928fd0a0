"""A tracker configured for tests, its own and other packages': cheap password hashing
(argon2 at its floor, so registering and logging in cost milliseconds) and quiet logs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracker.config import Settings


def quick_settings(data_dir: Path, jwt_keys: tuple[Path, Path], **overrides: Any) -> Settings:
    """Settings for a tracker under ``data_dir`` signing with ``jwt_keys`` (private,
    public); ``overrides`` are further settings (``database_url=...``)."""
    return Settings(
        data_dir=data_dir,
        jwt_public_key_file=jwt_keys[1],
        jwt_private_key_file=jwt_keys[0],
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
        log_level="WARNING",
        **overrides,
    )
