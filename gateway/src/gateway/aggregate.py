"""What the gateway answers itself: aggregated ``/health``, merged ``/openapi.json``, ``/docs``."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import httpx
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.types import Scope, Send

from gateway.config import Settings
from gateway.responses import Headers, send_bytes, send_json
from gateway.routes import API_PREFIX, ROUTES, SERVICES

OPENAPI_VERSION = "3.1.0"


class Aggregator:
    """Low-rate calls to every service (httpx is the right client at this rate)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.settings.health_timeout)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def _fetch(self, service: str, path: str) -> tuple[int, Any]:
        """GET a service's path: (status, JSON body); status 0 when it cannot be reached."""
        base_url = self.settings.service_url(service)
        assert base_url is not None
        try:
            response = await self.client.get(base_url + path)
        except httpx.HTTPError as exc:
            return 0, {"detail": f"{type(exc).__name__}: {exc}"}
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None

    async def alive(self, scope: Scope, send: Send, headers: Headers) -> int:
        """The gateway process answers."""
        return await send_json(send, 200, {"status": "ok"}, headers)

    async def health(self, scope: Scope, send: Send, headers: Headers) -> int:
        """Each configured service's readiness; 503 when one of them is not ready."""
        configured = [name for name in SERVICES if self.settings.service_url(name)]
        results = await asyncio.gather(*(self._fetch(name, "/readyz") for name in configured))
        services: dict[str, Any] = {name: {"status": "not configured"} for name in SERVICES}
        healthy = True
        for name, (status, body) in zip(configured, results, strict=True):
            entry: dict[str, Any] = {"url": self.settings.service_url(name)}
            if status == 200:
                entry["status"] = "ready"
            else:
                healthy = False
                entry["status"] = "unreachable" if status == 0 else "not ready"
                if isinstance(body, dict) and body.get("detail"):
                    entry["detail"] = body["detail"]
            services[name] = entry
        payload = {"status": "ok" if healthy else "degraded", "services": services}
        return await send_json(send, 200 if healthy else 503, payload, headers)

    async def openapi(self, scope: Scope, send: Send, headers: Headers) -> int:
        """Every reachable service's OpenAPI document merged under ``/api``."""
        configured = [name for name in SERVICES if self.settings.service_url(name)]
        results = await asyncio.gather(*(self._fetch(name, "/openapi.json") for name in configured))
        documents = {
            name: body
            for name, (status, body) in zip(configured, results, strict=True)
            if status == 200 and isinstance(body, dict)
        }
        merged = merge_openapi(documents)
        missing = sorted(set(SERVICES) - set(documents))
        if missing:
            merged["info"]["x-unavailable-services"] = missing
        return await send_json(send, 200, merged, headers)

    async def docs(self, scope: Scope, send: Send, headers: Headers) -> int:
        page = get_swagger_ui_html(openapi_url="/openapi.json", title="jobhunt API")
        return await send_bytes(send, 200, bytes(page.body), b"text/html; charset=utf-8", headers)


def _routed_to(service: str, service_path: str) -> bool:
    public = API_PREFIX + service_path
    return any(
        route.service == service
        and (
            public in route.paths
            or (route.prefix is not None and (public + "/").startswith(route.prefix + "/"))
        )
        for route in ROUTES
    )


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                renames.get(value, value)
                if key == "$ref" and isinstance(value, str)
                else _rewrite_refs(value, renames)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _component_prefix(service: str) -> str:
    return "".join(part.capitalize() for part in service.split("-"))


def merge_openapi(documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One document: paths prefixed with ``/api``; a component whose name two services use
    for different schemas is renamed ``<Service><Name>`` in the second, refs rewritten."""
    merged: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "jobhunt API", "version": "1", "x-services": sorted(documents)},
        "paths": {},
        "components": {},
        "tags": [],
    }
    seen_tags: set[str] = set()
    operation_ids: set[str] = set()
    for service in sorted(documents):
        document = copy.deepcopy(documents[service])
        renames: dict[str, str] = {}
        for kind, components in document.get("components", {}).items():
            target = merged["components"].setdefault(kind, {})
            for name, component in components.items():
                if name in target and target[name] != component:
                    renames[f"#/components/{kind}/{name}"] = (
                        f"#/components/{kind}/{_component_prefix(service)}{name}"
                    )
        document = _rewrite_refs(document, renames)
        for kind, components in document.get("components", {}).items():
            target = merged["components"][kind]
            for name, component in components.items():
                new_ref = renames.get(f"#/components/{kind}/{name}")
                target[new_ref.rsplit("/", 1)[1] if new_ref else name] = component
        for path, operations in document.get("paths", {}).items():
            if not _routed_to(service, path):
                continue  # probes and anything else the gateway does not route
            for operation in operations.values():
                if isinstance(operation, dict) and "operationId" in operation:
                    if operation["operationId"] in operation_ids:
                        operation["operationId"] = f"{service}_{operation['operationId']}"
                    operation_ids.add(operation["operationId"])
            merged["paths"][API_PREFIX + path] = operations
        for tag in document.get("tags", []):
            if tag.get("name") not in seen_tags:
                seen_tags.add(tag.get("name"))
                merged["tags"].append(tag)
    if not merged["tags"]:
        del merged["tags"]
    return merged
