"""``create_app``: the gateway put together from its settings."""

from __future__ import annotations

from gateway.app import Gateway
from gateway.config import Settings
from jobhunt_common.logging import configure_logging


def create_app(settings: Settings | None = None, *, configure_logs: bool = True) -> Gateway:
    """The gateway ASGI app: routes from ``gateway.routes``, everything else from settings."""
    settings = settings or Settings()
    if configure_logs:
        configure_logging(settings.service_name, settings.log_level)
    return Gateway(settings)
