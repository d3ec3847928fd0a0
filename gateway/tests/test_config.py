"""Settings from the environment, as ``jobhunt up`` passes them to ``python -m gateway``."""

from __future__ import annotations

import pytest

from gateway.config import RateLimit, Settings


def test_environment_configures_the_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBHUNT_PORT", "9123")
    monkeypatch.setenv("JOBHUNT_TRACKER_URL", "http://127.0.0.1:8001/")
    monkeypatch.setenv("JOBHUNT_KEYWORDS_URL", "")
    monkeypatch.setenv("JOBHUNT_CORS_ALLOW_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("JOBHUNT_RATE_LIMITS", '{"default": {"quota": 5, "window": 10}}')
    monkeypatch.setenv("JOBHUNT_DATA_DIR", "/srv/jobhunt")
    settings = Settings()
    assert settings.port == 9123
    assert settings.service_url("tracker") == "http://127.0.0.1:8001"
    assert settings.service_url("keyword-analyzer") is None
    assert settings.service_url("sheets-sync") is None
    assert settings.cors_allow_origins == ["https://a.example", "https://b.example"]
    assert settings.rate_limits["default"] == RateLimit(quota=5, window=10)
    assert settings.rate_limits["auth_login"] == RateLimit(quota=10, window=60)
    assert str(settings.public_key_path) == "/srv/jobhunt/keys/jwt_public.pem"


def test_lists_may_also_be_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBHUNT_CORS_ALLOW_ORIGINS", '["https://a.example"]')
    assert Settings().cors_allow_origins == ["https://a.example"]


def test_bad_limits_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBHUNT_RATE_LIMITS", '{"default": {"quota": 0, "window": 10}}')
    with pytest.raises(ValueError, match="quota"):
        Settings()
