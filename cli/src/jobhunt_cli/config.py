"""The CLI's one settings class: where the stack lives and where the client points."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from jobhunt_cli.errors import CliError, ExitCode


class CliSettings(BaseSettings):
    """Everything the ``jobhunt`` command reads from the environment."""

    model_config = SettingsConfigDict(env_prefix="JOBHUNT_", extra="ignore", populate_by_name=True)

    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 8000
    url: str | None = None
    config_dir: Path | None = None
    xdg_config_home: Path | None = Field(None, validation_alias=AliasChoices("XDG_CONFIG_HOME"))

    restart_backoff_seconds: float = 1.0
    restart_backoff_max_seconds: float = 30.0
    stop_timeout_seconds: float = 10.0
    ready_timeout_seconds: float = 60.0

    @classmethod
    def load(cls) -> CliSettings:
        """The settings from the environment; a bad value is a one-line usage error."""
        try:
            return cls()
        except ValidationError as exc:
            problems = "; ".join(
                f"JOBHUNT_{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
                for e in exc.errors()
            )
            raise CliError(f"invalid setting: {problems}", ExitCode.USAGE) from exc

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def gateway_url(self) -> str:
        """The gateway the client talks to: ``JOBHUNT_URL``, else this machine's stack."""
        if self.url:
            return self.url.rstrip("/")
        host = "127.0.0.1" if self.host in {"0.0.0.0", "::", ""} else self.host
        return f"http://{host}:{self.port}"

    @property
    def credentials_path(self) -> Path:
        base = self.config_dir or ((self.xdg_config_home or Path.home() / ".config") / "jobhunt")
        return base.expanduser() / "credentials.json"

    @property
    def state_path(self) -> Path:
        """Where a running ``jobhunt up`` records its children (PIDs, ports)."""
        return self.resolved_data_dir / "run" / "stack.json"
