"""jobhunt's API gateway: one route table, a streaming proxy, CORS, rate limits, health, docs."""

from gateway.config import Settings
from gateway.main import create_app

__all__ = ["Settings", "create_app"]
