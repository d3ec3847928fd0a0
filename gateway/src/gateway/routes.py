"""The route table: the single source of routing for the Python gateway and for Traefik.

A public path ``/api/<x>/...`` goes to the service that serves ``/<x>/...`` (the gateway
strips ``/api``). Routes are matched most specific first: exact paths (with their
methods) before prefixes, a prefix only at a segment boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

API_PREFIX = "/api"


@dataclass(frozen=True)
class Service:
    """An upstream service: its name (as in Compose and Kubernetes) and the setting of its URL."""

    name: str
    setting: str
    port: int = 8000

    @property
    def compose_url(self) -> str:
        return f"http://{self.name}:{self.port}"


@dataclass(frozen=True)
class Route:
    """Requests whose path is ``paths`` (exact) or starts with ``prefix`` go to ``service``."""

    name: str
    service: str
    rate_limit_group: str = "default"
    prefix: str | None = None
    paths: tuple[str, ...] = ()
    methods: frozenset[str] | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        if self.paths:
            return path in self.paths
        assert self.prefix is not None
        return path == self.prefix or path.startswith(self.prefix + "/")

    @property
    def specificity(self) -> int:
        return 2 if self.paths else 1


SERVICES: dict[str, Service] = {
    service.name: service
    for service in (
        Service("tracker", "tracker_url"),
        Service("keyword-analyzer", "keywords_url"),
        Service("sheets-sync", "sheets_url"),
    )
}

ROUTES: tuple[Route, ...] = (
    Route(
        "auth-login",
        "tracker",
        rate_limit_group="auth_login",
        paths=("/api/auth/token", "/api/auth/register"),
        methods=frozenset({"POST"}),
    ),
    Route("auth", "tracker", prefix="/api/auth"),
    Route("tracker", "tracker", prefix="/api/tracker"),
    Route("keywords", "keyword-analyzer", prefix="/api/keywords"),
    Route("sheets", "sheets-sync", prefix="/api/sheets"),
)

RATE_LIMIT_GROUPS: tuple[str, ...] = tuple(dict.fromkeys(r.rate_limit_group for r in ROUTES))


def service_path(public_path: str) -> str:
    """The path a service serves for a public path: ``/api`` stripped."""
    return public_path[len(API_PREFIX) :] or "/"


class RouteTable:
    """Finds the route of a request in one dict lookup on the path's second segment."""

    def __init__(self, routes: tuple[Route, ...] = ROUTES) -> None:
        self.routes = routes
        self._by_segment: dict[str, list[Route]] = {}
        for route in sorted(routes, key=lambda r: -r.specificity):
            for path in route.paths or (route.prefix or "",):
                self._by_segment.setdefault(_segment(path), []).append(route)

    def match(self, method: str, path: str) -> Route | None:
        for route in self._by_segment.get(_segment(path), ()):
            if route.matches(method, path):
                return route
        return None


def _segment(path: str) -> str:
    # "/api/tracker/applications" -> "tracker"; anything outside /api/ -> "".
    if not path.startswith(API_PREFIX + "/"):
        return ""
    rest = path[len(API_PREFIX) + 1 :]
    return rest.split("/", 1)[0]
