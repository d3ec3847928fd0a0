"""pytest fixtures shared by every service's tests (loaded by the root ``conftest.py``).

A service's ``conftest.py`` defines ``migrations_dir``; then ``database_url`` gives each
test a throwaway database already migrated to head, on SQLite (a real file) and, when
``JOBHUNT_TEST_POSTGRES_URL`` is set, on PostgreSQL too. Migrations run once per session
into a template that each test copies (file copy on SQLite, ``CREATE DATABASE ...
TEMPLATE`` on PostgreSQL), so the suite stays fast on both.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from jobhunt_common.auth import TokenSigner, generate_keypair, load_private_key
from jobhunt_common.migrations import upgrade

POSTGRES_ENV = "JOBHUNT_TEST_POSTGRES_URL"
REDIS_ENV = "JOBHUNT_TEST_REDIS_URL"
NO_POSTGRES = f"PostgreSQL not configured: set {POSTGRES_ENV} (CI sets it to the local server)"
NO_REDIS = f"Redis not configured: set {REDIS_ENV} (CI sets it to the local server)"


def postgres_server_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def redis_server_url() -> str | None:
    return os.environ.get(REDIS_ENV) or None


def _with_database(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


async def _postgres_admin(server_url: str, *statements: str) -> None:
    import asyncpg

    dsn = server_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def create_postgres_database(server_url: str, *, template: str | None = None) -> str:
    """Create a uniquely named database on the server; return its URL."""
    name = f"jobhunt_test_{uuid.uuid4().hex[:12]}"
    clause = f" TEMPLATE {template}" if template else ""
    asyncio.run(_postgres_admin(server_url, f"CREATE DATABASE {name}{clause}"))
    return _with_database(server_url, name)


def drop_postgres_database(server_url: str, database_url: str) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    asyncio.run(_postgres_admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@dataclass
class DatabaseTemplates:
    """Migrated template databases, one per (backend, migrations folder), made on first use."""

    root: Path
    _sqlite: dict[Path, Path] = field(default_factory=dict)
    _postgres: dict[Path, str] = field(default_factory=dict)

    def sqlite(self, migrations_dir: Path, target: Path) -> str:
        if migrations_dir not in self._sqlite:
            template = self.root / f"template_{len(self._sqlite)}.db"
            upgrade(migrations_dir, f"sqlite:///{template}")
            self._sqlite[migrations_dir] = template
        shutil.copyfile(self._sqlite[migrations_dir], target)
        return f"sqlite:///{target}"

    def postgres(self, migrations_dir: Path, server_url: str) -> str:
        if migrations_dir not in self._postgres:
            template_url = create_postgres_database(server_url)
            upgrade(migrations_dir, template_url)
            self._postgres[migrations_dir] = template_url
        template_name = urlsplit(self._postgres[migrations_dir]).path.lstrip("/")
        return create_postgres_database(server_url, template=template_name)

    def close(self) -> None:
        server_url = postgres_server_url()
        if server_url:
            for template_url in self._postgres.values():
                drop_postgres_database(server_url, template_url)


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseTemplates]:
    templates = DatabaseTemplates(tmp_path_factory.mktemp("db-templates"))
    yield templates
    templates.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest,
    migrations_dir: Path,
    database_templates: DatabaseTemplates,
    tmp_path: Path,
) -> Iterator[str]:
    """A fresh database at the migrations' head: a SQLite file, then PostgreSQL if configured."""
    if request.param == "sqlite":
        yield database_templates.sqlite(migrations_dir, tmp_path / "test.db")
        return
    server_url = postgres_server_url()
    if server_url is None:
        pytest.skip(NO_POSTGRES)
    url = database_templates.postgres(migrations_dir, server_url)
    yield url
    drop_postgres_database(server_url, url)


@pytest.fixture
def postgres_url() -> str:
    """The PostgreSQL server URL from the environment, or a skip that says why."""
    url = postgres_server_url()
    if url is None:
        pytest.skip(NO_POSTGRES)
    return url


@pytest.fixture
def redis_url() -> str:
    """The Redis server URL from the environment, or a skip that says why."""
    url = redis_server_url()
    if url is None:
        pytest.skip(NO_REDIS)
    return url


@pytest.fixture(scope="session")
def jwt_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An Ed25519 key pair for the session: (private PEM path, public PEM path)."""
    return generate_keypair(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def token_signer(jwt_keys: tuple[Path, Path]) -> TokenSigner:
    return TokenSigner(load_private_key(jwt_keys[0]))


@pytest.fixture
def make_token(token_signer: TokenSigner) -> Callable[..., str]:
    """``make_token(user_id, scopes=...)`` signs an access token for tests of services."""

    def make(user_id: str | None = None, **kwargs: Any) -> str:
        return token_signer.sign(user_id or uuid.uuid4().hex, **kwargs)

    return make


# What the deployments give a service to start (the CLI's ready timeout, the pods'
# startup probe): 60 s.
STARTUP_TIMEOUT_SECONDS = 60.0


@asynccontextmanager
async def app_client(
    app: FastAPI, *, base_url: str = "http://testserver", **kwargs: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """An ``httpx.AsyncClient`` over ``ASGITransport`` with the app's lifespan running.

    Start-up may take its time: on a machine's first start the keyword analyzer compiles
    its kernels (about 10 s on two slow cores) before numba's disk cache has them."""
    async with (
        LifespanManager(app, startup_timeout=STARTUP_TIMEOUT_SECONDS) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url=base_url, **kwargs
        ) as client,
    ):
        yield client


def auth_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
