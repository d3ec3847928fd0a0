"""Service-account key files as Google issues them: what a user uploads, and what the
fake's token endpoint accepts."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@cache
def _private_key_pem() -> str:
    # One RSA key per process: making one costs tens of milliseconds, and nothing needs
    # two keys to differ (each file still gets its own key id).
    return (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def service_account_key(
    email: str = "sync-bot@jobhunt-test.iam.gserviceaccount.com",
    project_id: str = "jobhunt-test",
) -> dict[str, Any]:
    """A service-account key file for ``email``."""
    return {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": uuid.uuid4().hex,
        "private_key": _private_key_pem(),
        "client_email": email,
        "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
