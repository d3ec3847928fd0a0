"""The gateway as one lean ASGI app: every request passes the same few steps in order.

request id → CORS (preflights end here) → route → body size → rate limit → proxy,
then one access-log line and the metrics. Written as raw ASGI rather than framework
routes to keep per-request overhead to a few dozen microseconds.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable

from starlette.types import Receive, Scope, Send

from gateway.accesslog import AccessLog
from gateway.aggregate import Aggregator
from gateway.config import Settings
from gateway.cors import CorsPolicy
from gateway.metrics import GatewayMetrics
from gateway.proxy import Proxy
from gateway.ratelimit import (
    ClientKeys,
    Limiter,
    MemoryLimiter,
    RedisLimiter,
    policy_header,
    ratelimit_header,
)
from gateway.responses import Headers, send_bytes, send_problem
from gateway.routes import RouteTable
from jobhunt_common.auth import TokenVerifier
from jobhunt_common.logging import request_id_var

SECURITY_HEADERS: Headers = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")

LocalHandler = Callable[[Scope, Send, Headers], Awaitable[int]]


class Gateway:
    """The ASGI application ``create_app`` returns."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.routes = RouteTable()
        self.cors = CorsPolicy.from_settings(settings)
        self.metrics = GatewayMetrics()
        self.proxy = Proxy(settings, self.metrics)
        self.aggregator = Aggregator(settings)
        self.client_keys = ClientKeys(
            TokenVerifier(
                settings.public_key_path,
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
            )
        )
        self.limiter: Limiter | None = None
        self.access_log = AccessLog(settings.service_name)
        self.log_requests = settings.access_log and self.access_log.enabled
        self.policies = {
            group: policy_header(group, limit) for group, limit in settings.rate_limits.items()
        }
        self.local: dict[str, LocalHandler] = {
            "/health": self.aggregator.health,
            "/healthz": self.aggregator.alive,
            "/openapi.json": self.aggregator.openapi,
            "/docs": self.aggregator.docs,
            "/metrics": self._metrics,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1003})

    async def startup(self) -> None:
        limits = self.settings.rate_limits
        if not self.settings.rate_limit_enabled:
            self.limiter = None
        elif self.settings.redis_url:
            self.limiter = RedisLimiter(
                self.settings.redis_url, limits, key_prefix=self.settings.rate_limit_key_prefix
            )
        else:
            self.limiter = MemoryLimiter(limits)

    async def shutdown(self) -> None:
        await self.proxy.close()
        await self.aggregator.close()
        self.access_log.flush()
        if self.limiter is not None:
            await self.limiter.close()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        request_id = origin = authorization = preflight = None
        requested_headers = b""
        content_length = -1
        for key, value in scope["headers"]:
            if key == b"x-request-id":
                if _REQUEST_ID.fullmatch(value):
                    request_id = value.decode()
            elif key == b"origin":
                origin = value
            elif key == b"authorization":
                authorization = value
            elif key == b"content-length":
                content_length = int(value) if value.isdigit() else -1
            elif key == b"access-control-request-method":
                preflight = value
            elif key == b"access-control-request-headers":
                requested_headers = value
        if request_id is None:
            request_id = uuid.uuid4().hex
        context = request_id_var.set(request_id)
        method: str = scope["method"]
        path: str = scope["path"]
        route = self.routes.match(method, path)
        route_name = route.name if route else "gateway"
        upstream = route.service if route else "-"
        headers: Headers = [(b"x-request-id", request_id.encode()), *SECURITY_HEADERS]
        status = 500
        try:
            if origin is not None and self.cors.allows_origin(origin):
                if method == "OPTIONS" and preflight is not None:
                    granted = self.cors.preflight_headers(origin, preflight, requested_headers)
                    if granted is None:
                        status = await send_problem(
                            send, 403, "CORS preflight refused.", instance=path, headers=headers
                        )
                    else:
                        await send(
                            {
                                "type": "http.response.start",
                                "status": 204,
                                "headers": headers + granted,
                            }
                        )
                        await send({"type": "http.response.body", "body": b""})
                        status = 204
                    return
                headers.extend(self.cors.response_headers(origin))
            elif origin is not None and method == "OPTIONS" and preflight is not None:
                status = await send_problem(
                    send, 403, "This origin may not call the API.", instance=path, headers=headers
                )
                return
            if route is None:
                local = self.local.get(path)
                if local is not None and method in ("GET", "HEAD"):
                    status = await local(scope, send, headers)
                else:
                    status = await send_problem(
                        send, 404, "No route for this path.", instance=path, headers=headers
                    )
                return
            if content_length > self.settings.max_body_bytes:
                status = await send_problem(
                    send,
                    413,
                    f"The request body is larger than {self.settings.max_body_bytes} bytes.",
                    problem_type="payload-too-large",
                    instance=path,
                    headers=[*headers, (b"connection", b"close")],
                )
                return
            if self.limiter is not None:
                group = route.rate_limit_group
                client = scope.get("client")
                key = self.client_keys.key(authorization, client[0] if client else "unknown")
                decision = await self.limiter.hit(group, key)
                headers.append((b"ratelimit-policy", self.policies[group]))
                headers.append((b"ratelimit", ratelimit_header(group, decision)))
                if not decision.allowed:
                    self.metrics.rate_limited.labels(group).inc()
                    headers.append((b"retry-after", str(decision.reset_seconds).encode()))
                    status = await send_problem(
                        send,
                        429,
                        "Too many requests; retry after the time in Retry-After.",
                        problem_type="rate-limited",
                        instance=path,
                        headers=headers,
                    )
                    return
            base_url = self.settings.service_url(route.service)
            if base_url is None:
                status = await send_problem(
                    send,
                    503,
                    f"The {route.service} service is not configured on this gateway.",
                    problem_type="service-unavailable",
                    instance=path,
                    headers=headers,
                    extra={"service": route.service},
                )
                return
            status = await self.proxy.forward(
                scope,
                receive,
                send,
                service=route.service,
                base_url=base_url,
                request_id=request_id,
                response_headers=headers,
            )
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.observe(route_name, upstream, status, elapsed)
            if self.log_requests:
                self.access_log.write(
                    {
                        "request_id": request_id,
                        "method": method,
                        "path": path,
                        "status": status,
                        "route": route_name,
                        "upstream": upstream,
                        "duration_ms": round(elapsed * 1000, 2),
                    }
                )
            request_id_var.reset(context)

    async def _metrics(self, scope: Scope, send: Send, headers: Headers) -> int:
        body = self.metrics.render()
        return await send_bytes(send, 200, body, self.metrics.content_type, headers)
