"""Prometheus metrics for ``/metrics``, in a registry of the app's own (tests build many apps)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class GatewayMetrics:
    content_type = CONTENT_TYPE_LATEST.encode()

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "jobhunt_gateway_requests",
            "Requests answered by the gateway.",
            ["route", "upstream", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "jobhunt_gateway_request_duration_seconds",
            "Time from request to the end of the response.",
            ["route", "upstream"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "jobhunt_gateway_rate_limited",
            "Requests refused with 429.",
            ["group"],
            registry=self.registry,
        )
        self.upstream_errors = Counter(
            "jobhunt_gateway_upstream_errors",
            "Upstream failures answered as 502, 503 or 504.",
            ["upstream", "kind"],
            registry=self.registry,
        )
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, route: str, upstream: str, status: int, seconds: float) -> None:
        # labels() costs a lock and a dict build; cache the children per label set.
        children = self._children.get((route, upstream, status))
        if children is None:
            children = (
                self.requests.labels(route, upstream, str(status)),
                self.latency.labels(route, upstream),
            )
            self._children[(route, upstream, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
