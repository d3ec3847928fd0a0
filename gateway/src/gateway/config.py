"""The gateway's one ``Settings`` class, read from ``JOBHUNT_*``."""

from __future__ import annotations

import json
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from gateway.routes import SERVICES
from jobhunt_common.settings import ServiceSettings

CommaList = Annotated[list[str], NoDecode]


class RateLimit(BaseModel):
    """A token bucket: ``quota`` requests, refilled evenly over ``window`` seconds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quota: int = Field(gt=0)
    window: int = Field(gt=0)


DEFAULT_RATE_LIMITS: dict[str, RateLimit] = {
    "default": RateLimit(quota=600, window=60),
    # Login and register guard passwords: a handful per minute per client.
    "auth_login": RateLimit(quota=10, window=60),
}


class Settings(ServiceSettings):
    """Where the services are, and how the edge treats requests on their way there."""

    model_config = SettingsConfigDict(env_prefix="JOBHUNT_", extra="ignore", populate_by_name=True)

    service_name: ClassVar[str] = "gateway"

    host: str = "127.0.0.1"
    port: int = 8000
    forwarded_allow_ips: str | None = None

    tracker_url: str | None = None
    keywords_url: str | None = None
    sheets_url: str | None = None
    redis_url: str | None = None

    cors_allow_origins: CommaList = ["http://localhost:3000", "http://127.0.0.1:3000"]
    cors_allow_methods: CommaList = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    cors_allow_headers: CommaList = [
        "Authorization",
        "Content-Type",
        "If-Match",
        "If-None-Match",
        "Idempotency-Key",
        "X-Request-ID",
    ]
    cors_expose_headers: CommaList = [
        "ETag",
        "Location",
        "Retry-After",
        "RateLimit",
        "RateLimit-Policy",
        "X-Request-ID",
    ]
    cors_allow_credentials: bool = False
    cors_max_age: int = 600

    rate_limit_enabled: bool = True
    rate_limits: dict[str, RateLimit] = Field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    rate_limit_key_prefix: str = "jobhunt:ratelimit"

    max_body_bytes: int = 64 * 1024 * 1024
    connect_timeout: float = 2.0
    read_timeout: float = 30.0
    # Below uvicorn's 5 s keep-alive, so the gateway never reuses a socket the service closed.
    upstream_keepalive: float = 4.0
    upstream_connections: int = 256
    health_timeout: float = 2.0
    access_log: bool = True

    @field_validator(
        "cors_allow_origins",
        "cors_allow_methods",
        "cors_allow_headers",
        "cors_expose_headers",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("rate_limits", mode="after")
    @classmethod
    def _fill_groups(cls, value: dict[str, RateLimit]) -> dict[str, RateLimit]:
        return {**DEFAULT_RATE_LIMITS, **value}

    @field_validator("tracker_url", "keywords_url", "sheets_url", "redis_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip().rstrip("/") or None
        return value

    def service_url(self, service: str) -> str | None:
        """The base URL configured for an upstream service, ``None`` when it is absent."""
        url: str | None = getattr(self, SERVICES[service].setting)
        return url
