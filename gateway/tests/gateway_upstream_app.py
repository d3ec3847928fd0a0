"""A stand-in upstream service for the gateway's tests and benchmark: echoes what it got.

Run it in-process with uvicorn or as ``python -m uvicorn gateway_upstream_app:app``.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

PATTERN = bytes(range(256)) * 256  # 64 KiB
GZIPPED = gzip.compress(b"jobhunt " * 4096)


def pattern_chunks(size: int) -> list[int]:
    full, rest = divmod(size, len(PATTERN))
    return [len(PATTERN)] * full + ([rest] if rest else [])


async def echo(request: Request) -> Response:
    digest = hashlib.sha256()
    length = 0
    async for chunk in request.stream():
        digest.update(chunk)
        length += len(chunk)
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "raw_path": request.scope.get("raw_path", b"").decode("latin-1"),
            "query": request.scope["query_string"].decode("latin-1"),
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.headers.raw],
            "client_port": request.scope["client"][1],
            "body_sha256": digest.hexdigest(),
            "body_length": length,
        }
    )


async def cookies(request: Request) -> Response:
    response = Response(b"ok", media_type="text/plain")
    response.raw_headers.append((b"set-cookie", b"a=1; Path=/"))
    response.raw_headers.append((b"set-cookie", b"b=2; Path=/"))
    response.raw_headers.append((b"x-request-id", b"upstream-made-this"))
    response.raw_headers.append((b"connection", b"x-secret-hop"))
    response.raw_headers.append((b"x-secret-hop", b"should-not-pass"))
    return response


async def gzipped(request: Request) -> Response:
    return Response(GZIPPED, headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"})


async def download(request: Request) -> Response:
    size = int(request.query_params["size"])

    async def chunks() -> AsyncIterator[bytes]:
        for length in pattern_chunks(size):
            yield PATTERN[:length]

    return StreamingResponse(chunks(), media_type="application/octet-stream")


async def hang(request: Request) -> Response:
    """Answers only when the server is stopping (``app.state.release``)."""
    await request.app.state.release.wait()
    return Response(b"late", status_code=200)


async def readyz(request: Request) -> Response:
    if getattr(request.app.state, "ready", True):
        return JSONResponse({"status": "ready"})
    return JSONResponse({"detail": "schema behind"}, status_code=503)


async def ping(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def openapi_for(prefix: str, schema_title: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": prefix, "version": "1"},
        "paths": {
            f"/{prefix}/things": {
                "get": {
                    "operationId": "list_things",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"}
                                }
                            },
                        }
                    },
                }
            },
            "/healthz": {"get": {"operationId": "healthz", "responses": {}}},
        },
        "components": {
            "schemas": {
                "Thing": {"title": schema_title, "type": "object"},
                "Shared": {"type": "string"},
            }
        },
        "tags": [{"name": prefix}],
    }


async def openapi(request: Request) -> Response:
    prefix = getattr(request.app.state, "prefix", "tracker")
    return JSONResponse(openapi_for(prefix, f"{prefix} thing"))


async def dispatch(request: Request) -> Response:
    handler = HANDLERS.get(request.url.path.rsplit("/", 1)[-1], echo)
    return await handler(request)


HANDLERS = {
    "cookies": cookies,
    "gzip": gzipped,
    "download": download,
    "hang": hang,
    "readyz": readyz,
    "ping": ping,
    "openapi.json": openapi,
}
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def make_app(prefix: str = "tracker") -> Starlette:
    app = Starlette(routes=[Route("/{path:path}", dispatch, methods=METHODS)])
    app.state.prefix = prefix
    app.state.release = asyncio.Event()
    return app


app = make_app()
