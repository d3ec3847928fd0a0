"""EdDSA (Ed25519) access tokens: key files, signing, verification, ``CurrentUser``.

The tracker signs; every service verifies with the public key. Delegated tokens
(for example a scheduled sheets sync acting for a user) carry narrower ``scope``s.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from jobhunt_common.db import utcnow
from jobhunt_common.errors import Forbidden, ServiceUnavailable, Unauthorized

ALGORITHM = "EdDSA"
FULL_ACCESS = "full"


def generate_keypair(directory: Path) -> tuple[Path, Path]:
    """Write a new Ed25519 key pair (private 0600) unless one exists; return both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / "jwt_private.pem"
    public_path = directory / "jwt_public.pem"
    if private_path.exists() and public_path.exists():
        return private_path, public_path
    private_key = Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as private_file:
        private_file.write(private_pem)
    public_path.write_bytes(public_pem)
    return private_path, public_path


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return key


@dataclass(frozen=True)
class Principal:
    """Who a verified token speaks for."""

    user_id: str
    scopes: frozenset[str] = field(default_factory=lambda: frozenset({FULL_ACCESS}))
    token_id: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, compare=False)

    def allows(self, scope: str) -> bool:
        return FULL_ACCESS in self.scopes or scope in self.scopes


@dataclass
class TokenSigner:
    """Signs access tokens with the private key (the tracker's job; tests use it too)."""

    private_key: Ed25519PrivateKey
    issuer: str = "jobhunt"
    audience: str = "jobhunt"

    def sign(
        self,
        user_id: str,
        *,
        ttl: timedelta = timedelta(minutes=15),
        scopes: frozenset[str] | set[str] = frozenset({FULL_ACCESS}),
        extra: dict[str, Any] | None = None,
    ) -> str:
        now = utcnow()
        claims: dict[str, Any] = {
            "sub": user_id,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
            "scope": " ".join(sorted(scopes)),
            **(extra or {}),
        }
        return jwt.encode(claims, self.private_key, algorithm=ALGORITHM)


@dataclass
class TokenVerifier:
    """Verifies access tokens with the public key."""

    public_key_path: Path
    issuer: str = "jobhunt"
    audience: str = "jobhunt"
    leeway_seconds: int = 10

    @cached_property
    def public_key(self) -> Ed25519PublicKey:
        return load_public_key(self.public_key_path)

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; ``Unauthorized`` for anything else."""
        try:
            public_key = self.public_key
        except (OSError, ValueError) as exc:  # a missing key is the server's fault, not a 500
            raise ServiceUnavailable("Access tokens cannot be verified right now.") from exc
        try:
            claims = jwt.decode(
                token,
                public_key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": ["sub", "exp", "iat"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The access token has expired.") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("The access token is not valid.") from exc
        if claims.get("typ", "access") != "access":
            raise Unauthorized("The token is not an access token.")
        scopes = frozenset(str(claims.get("scope", FULL_ACCESS)).split())
        return Principal(
            user_id=str(claims["sub"]), scopes=scopes, token_id=claims.get("jti"), claims=claims
        )


_bearer = HTTPBearer(auto_error=False)


def get_verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier


def get_current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """FastAPI dependency: the verified principal of the bearer token, else 401."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("A bearer access token is required.")
    principal = get_verifier(request).verify(credentials.credentials)
    request.state.principal = principal
    return principal


def require_scope(scope: str) -> Any:
    """A dependency that admits only principals whose token allows ``scope``."""

    def check(principal: CurrentUser) -> Principal:
        if not principal.allows(scope):
            raise Forbidden(f"This token does not allow '{scope}'.")
        return principal

    return Depends(check)


CurrentUser = Annotated[Principal, Depends(get_current_user)]
