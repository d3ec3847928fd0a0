"""The settings base every service's one ``Settings`` class derives from."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _shared(name: str) -> AliasChoices:
    # Shared values are read from JOBHUNT_* whatever the service prefix; the field
    # name still works as a keyword argument (tests build settings directly).
    return AliasChoices(name.lower(), f"JOBHUNT_{name}")


class ServiceSettings(BaseSettings):
    """Values every service has. Subclasses set ``service_name`` and an env prefix."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: ClassVar[str] = "service"

    data_dir: Path = Field(Path("data"), validation_alias=_shared("DATA_DIR"))
    database_url: str | None = None
    jwt_public_key_file: Path | None = Field(None, validation_alias=_shared("JWT_PUBLIC_KEY_FILE"))
    jwt_issuer: str = Field("jobhunt", validation_alias=_shared("JWT_ISSUER"))
    jwt_audience: str = Field("jobhunt", validation_alias=_shared("JWT_AUDIENCE"))
    log_level: str = Field("INFO", validation_alias=_shared("LOG_LEVEL"))
    max_body_bytes: int = 10 * 1024 * 1024
    db_echo: bool = False

    @property
    def sqlalchemy_url(self) -> str:
        """The async SQLAlchemy URL: the configured one, else a SQLite file in the data dir."""
        return async_database_url(
            self.database_url or f"sqlite:///{self.data_dir / f'{self.service_name}.db'}"
        )

    @property
    def public_key_path(self) -> Path:
        return self.jwt_public_key_file or self.data_dir / "keys" / "jwt_public.pem"


def async_database_url(url: str) -> str:
    """Map a plain ``sqlite://`` or ``postgresql://`` URL to its async driver."""
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url
