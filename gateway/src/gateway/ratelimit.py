"""Token-bucket rate limits per route group, in memory or shared through Redis.

A bucket holds ``quota`` tokens and refills at ``quota / window`` per second, so a
client may burst up to its quota and then sustain the average. Requests are keyed by
the subject of a verified bearer token, else by the client address: an invalid token
never buys a fresh bucket. Redis runs the whole bucket update as one Lua script, so
several gateway processes share one exact limit.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.config import RateLimit
from jobhunt_common.auth import TokenVerifier

logger = logging.getLogger("jobhunt.gateway.ratelimit")

MAX_CACHED_TOKENS = 10_000
MAX_MEMORY_BUCKETS = 100_000


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    remaining: int
    reset_seconds: int


class Limiter(Protocol):
    async def hit(self, group: str, key: str) -> Decision: ...

    async def close(self) -> None: ...


def policy_header(group: str, limit: RateLimit) -> bytes:
    """``RateLimit-Policy`` (draft-ietf-httpapi-ratelimit-headers) for a group."""
    return f'"{group}";q={limit.quota};w={limit.window}'.encode()


def ratelimit_header(group: str, decision: Decision) -> bytes:
    return f'"{group}";r={decision.remaining};t={decision.reset_seconds}'.encode()


class MemoryLimiter:
    """Buckets in a dict; exact within one process (no await between read and write)."""

    def __init__(self, limits: dict[str, RateLimit]) -> None:
        self.limits = limits
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}

    async def hit(self, group: str, key: str) -> Decision:
        limit = self.limits[group]
        rate = limit.quota / limit.window
        now = time.monotonic()
        state = self._buckets.get((group, key))
        if state is None:
            if len(self._buckets) >= MAX_MEMORY_BUCKETS:
                self._evict_full(now)
            tokens = float(limit.quota)
        else:
            tokens = min(limit.quota, state[0] + (now - state[1]) * rate)
        if tokens >= 1:
            tokens -= 1
            decision = Decision(True, int(tokens), math.ceil((limit.quota - tokens) / rate))
        else:
            decision = Decision(False, 0, math.ceil((1 - tokens) / rate))
        self._buckets[(group, key)] = (tokens, now)
        return decision

    def _evict_full(self, now: float) -> None:
        # A bucket that has refilled completely is the same as no bucket.
        for bucket_key, (tokens, stamp) in list(self._buckets.items()):
            limit = self.limits[bucket_key[0]]
            if tokens + (now - stamp) * limit.quota / limit.window >= limit.quota:
                del self._buckets[bucket_key]

    async def close(self) -> None:
        self._buckets.clear()


# KEYS[1] bucket; ARGV quota, window in ms. The clock is Redis's own, shared by every
# gateway. Returns {allowed, remaining, wait_ms}: wait until full when allowed, until
# the next token when denied.
TOKEN_BUCKET_LUA = """
local quota = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local rate = quota / window_ms
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local stamp = tonumber(state[2])
if tokens == nil or stamp == nil then
  tokens = quota
elseif now > stamp then
  tokens = math.min(quota, tokens + (now - stamp) * rate)
end
local allowed = 0
local wait_ms
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
  wait_ms = math.ceil((quota - tokens) / rate)
else
  wait_ms = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((quota - tokens) / rate) + 1000)
return {allowed, math.floor(tokens), wait_ms}
"""


class RedisLimiter:
    """Buckets in Redis hashes, updated atomically by one Lua script per request."""

    def __init__(self, url: str, limits: dict[str, RateLimit], *, key_prefix: str) -> None:
        self.limits = limits
        self.key_prefix = key_prefix
        self.redis: Redis = Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)
        self._script = self.redis.register_script(TOKEN_BUCKET_LUA)
        self._warned_at = 0.0

    async def hit(self, group: str, key: str) -> Decision:
        limit = self.limits[group]
        try:
            allowed, remaining, wait_ms = await self._script(
                keys=[f"{self.key_prefix}:{group}:{key}"], args=[limit.quota, limit.window * 1000]
            )
        except (RedisError, OSError) as exc:
            # Fail open: an unreachable Redis must not take the API down with it.
            now = time.monotonic()
            if now - self._warned_at > 10:
                self._warned_at = now
                logger.warning("rate limit store unreachable, not limiting: %s", exc)
            return Decision(True, limit.quota, limit.window)
        return Decision(bool(allowed), int(remaining), math.ceil(int(wait_ms) / 1000))

    async def close(self) -> None:
        await self.redis.aclose()


class ClientKeys:
    """The rate-limit key of a request: the verified token's subject, else the client address.

    Verified tokens are cached until they expire (a signature never changes), so the
    Ed25519 check runs once per token, not once per request.
    """

    def __init__(self, verifier: TokenVerifier) -> None:
        self.verifier = verifier
        self._subjects: dict[bytes, tuple[str | None, float]] = {}

    def key(self, authorization: bytes | None, client_host: str) -> str:
        if authorization is not None and authorization[:7].lower() == b"bearer ":
            subject = self._subject(authorization[7:].strip())
            if subject is not None:
                return "sub:" + subject
        return "ip:" + client_host

    def _subject(self, token: bytes) -> str | None:
        now = time.time()
        cached = self._subjects.get(token)
        if cached is not None and cached[1] > now:
            return cached[0]
        subject: str | None = None
        expires_at = now + 60  # an invalid token is remembered for a minute
        try:
            principal = self.verifier.verify(token.decode("ascii"))
        except Exception:  # invalid, expired, or no key file yet: not a key, never a 500
            pass
        else:
            subject = principal.user_id
            expires_at = float(principal.claims.get("exp", now))
        if len(self._subjects) >= MAX_CACHED_TOKENS:
            self._subjects.clear()
        self._subjects[token] = (subject, expires_at)
        return subject
