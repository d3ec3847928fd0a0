"""The tracker service: accounts, applications and everything around them."""

from __future__ import annotations

from argon2 import PasswordHasher
from fastapi import APIRouter, FastAPI

from jobhunt_common import TokenSigner, create_service_app
from jobhunt_common.auth import load_private_key
from jobhunt_common.preflight import ConfigurationError, key_file_problem
from tracker.accounts.router import router as accounts_router
from tracker.analytics.router import router as analytics_router
from tracker.applications.router import router as applications_router
from tracker.calendar.router import router as calendar_router
from tracker.companies.router import router as companies_router
from tracker.config import Settings
from tracker.contacts.router import router as contacts_router
from tracker.db import MIGRATIONS_DIR
from tracker.interviews.router import router as interviews_router
from tracker.notes.router import router as notes_router
from tracker.tasks.router import router as tasks_router
from tracker.transfer.router import router as transfer_router


async def _load_credentials(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    app.state.token_signer = TokenSigner(
        load_private_key(settings.private_key_path),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    app.state.password_hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service app (migrations are applied by ``jobhunt migrate``, not here).

    Raises ``ConfigurationError`` (one line naming the setting) when the token signing
    key cannot be read: the tracker cannot log anyone in without it.
    """
    settings = settings or Settings()
    routers: list[APIRouter] = [
        accounts_router,
        applications_router,
        companies_router,
        contacts_router,
        interviews_router,
        tasks_router,
        notes_router,
    ]
    routers.append(transfer_router)
    routers.append(calendar_router)
    routers.append(analytics_router)
    app = create_service_app(
        settings,
        title="jobhunt tracker",
        version="0.1.0",
        routers=routers,
        migrations_dir=MIGRATIONS_DIR,
        on_startup=[_load_credentials],
    )
    key_problem = key_file_problem(
        settings, "jwt_private_key_file", settings.private_key_path, load_private_key
    )
    if key_problem is not None:
        raise ConfigurationError(key_problem)
    return app
