"""Strict validation of an uploaded Google service-account key."""

from __future__ import annotations

import re
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from sheets_sync.errors import BadServiceAccountKey

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REQUIRED_TEXT = ("client_email", "private_key", "private_key_id")


def validate_service_account_key(key: dict[str, Any]) -> dict[str, Any]:
    """The key if it is a usable service-account key; ``BadServiceAccountKey`` saying why."""
    problems: list[dict[str, str]] = []

    def problem(name: str, message: str) -> None:
        problems.append({"field": f"service_account_key.{name}", "message": message})

    if key.get("type") != "service_account":
        problem("type", f"must be 'service_account', got {key.get('type')!r}")
    for name in REQUIRED_TEXT:
        if not isinstance(key.get(name), str) or not key[name].strip():
            problem(name, "is missing or empty")
    email = key.get("client_email")
    if isinstance(email, str) and email and not EMAIL.match(email):
        problem("client_email", f"{email!r} is not an email address")
    pem = key.get("private_key")
    if isinstance(pem, str) and pem.strip():
        try:
            private_key = serialization.load_pem_private_key(pem.encode(), password=None)
        except (ValueError, TypeError) as exc:
            problem("private_key", f"is not a PEM private key ({exc.__class__.__name__})")
        else:
            if not isinstance(private_key, RSAPrivateKey):
                problem("private_key", "must be an RSA key, as Google issues")
    token_uri = key.get("token_uri")
    if token_uri is not None and not (isinstance(token_uri, str) and token_uri.startswith("http")):
        problem("token_uri", "must be an http(s) URL")
    if problems:
        raise BadServiceAccountKey(
            "The file is not a usable Google service-account key: "
            + "; ".join(f"{p['field'].split('.', 1)[1]} {p['message']}" for p in problems)
            + ".",
            errors=problems,
        )
    return key
