"""CORS at the edge: preflights answered here, allowed origins echoed, others get nothing."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.config import Settings

Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class CorsPolicy:
    origins: frozenset[bytes]
    any_origin: bool
    methods: frozenset[bytes]
    allow_methods: bytes
    allow_headers: frozenset[bytes]
    allow_headers_value: bytes
    expose_headers: bytes
    allow_credentials: bool
    max_age: bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> CorsPolicy:
        methods = [m.upper() for m in settings.cors_allow_methods]
        headers = [h.lower() for h in settings.cors_allow_headers]
        return cls(
            origins=frozenset(o.rstrip("/").encode() for o in settings.cors_allow_origins),
            any_origin="*" in settings.cors_allow_origins,
            methods=frozenset(m.encode() for m in methods),
            allow_methods=", ".join(methods).encode(),
            allow_headers=frozenset(h.encode() for h in headers),
            allow_headers_value=", ".join(settings.cors_allow_headers).encode(),
            expose_headers=", ".join(settings.cors_expose_headers).encode(),
            allow_credentials=settings.cors_allow_credentials,
            max_age=str(settings.cors_max_age).encode(),
        )

    def allows_origin(self, origin: bytes) -> bool:
        return self.any_origin or origin in self.origins

    def _origin_headers(self, origin: bytes) -> Headers:
        # Echo the origin (never "*") so credentials work and caches key on Vary: Origin.
        headers = [(b"access-control-allow-origin", origin), (b"vary", b"Origin")]
        if self.allow_credentials:
            headers.append((b"access-control-allow-credentials", b"true"))
        return headers

    def response_headers(self, origin: bytes) -> Headers:
        """Headers for an actual (non-preflight) response to an allowed origin."""
        headers = self._origin_headers(origin)
        if self.expose_headers:
            headers.append((b"access-control-expose-headers", self.expose_headers))
        return headers

    def preflight_headers(self, origin: bytes, method: bytes, requested: bytes) -> Headers | None:
        """Headers granting a preflight, or ``None`` when its method or headers are not allowed."""
        if method.upper() not in self.methods:
            return None
        for name in requested.split(b","):
            name = name.strip().lower()
            if name and name not in self.allow_headers:
                return None
        return [
            *self._origin_headers(origin),
            (b"access-control-allow-methods", self.allow_methods),
            (b"access-control-allow-headers", self.allow_headers_value),
            (b"access-control-max-age", self.max_age),
        ]
