"""``/sheets/credentials`` and ``/sheets/connections``: thin handlers over the service modules."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from sqlalchemy import select

from jobhunt_common import CurrentUser, Page, PageParamsDep, SessionDep, etag_for
from jobhunt_common.errors import (
    BadGateway,
    Conflict,
    Forbidden,
    JobhuntError,
    NotFound,
    TooManyRequests,
)
from jobhunt_common.pagination import page_from_rows, paginate_select
from sheets_sync.connections import service
from sheets_sync.connections.resolution import act_on_vanished, list_vanished, resolve_conflict
from sheets_sync.connections.schemas import (
    ConflictRead,
    ConflictResolve,
    ConnectionCreate,
    ConnectionRead,
    ConnectionUpdate,
    CredentialRead,
    CredentialUpload,
    RunRead,
    SyncRequest,
    SyncResult,
    VanishedAction,
    VanishedRead,
)
from sheets_sync.errors import (
    SheetUnusable,
    SpreadsheetNotFound,
    SpreadsheetNotShared,
    SyncAlreadyRunning,
)
from sheets_sync.models import SheetConnection, SyncConflict, SyncRun
from sheets_sync.sync import SyncBusy, SyncServices, run_sync

router = APIRouter(prefix="/sheets", tags=["sheets"])
ProblemKinds = {
    "not_found": SpreadsheetNotFound,
    "permission_denied": SpreadsheetNotShared,
    "quota": TooManyRequests,
    "unavailable": BadGateway,
    "tracker_unavailable": BadGateway,
    "tracker_refused": Forbidden,
}


def _bearer(request: Request) -> str:
    return request.headers.get("authorization", "").partition(" ")[2]


def _services(request: Request) -> SyncServices:
    state = request.app.state
    return SyncServices(state.settings, state.database, state.secret_box)


@router.put("/credentials")
async def put_credentials(
    body: CredentialUpload,
    session: SessionDep,
    user: CurrentUser,
    request: Request,
    response: Response,
) -> CredentialRead:
    """Upload (or replace) your Google service-account key; it is stored encrypted, never shown."""
    credential, created = await service.put_credential(
        session, request.app.state.secret_box, user.user_id, body.service_account_key
    )
    response.status_code = 201 if created else 200
    return service.credential_read(credential)


@router.get("/credentials")
async def get_credentials(session: SessionDep, user: CurrentUser) -> CredentialRead:
    """Which service account your connections use (the key itself is never returned)."""
    credential = await service.get_credential(session, user.user_id)
    if credential is None:
        raise NotFound("No service-account key uploaded yet.")
    return service.credential_read(credential)


@router.delete("/credentials", status_code=204)
async def delete_credentials(session: SessionDep, user: CurrentUser) -> None:
    """Forget your service-account key (connections stop syncing until a new one is uploaded)."""
    credential = await service.get_credential(session, user.user_id)
    if credential is None:
        raise NotFound("No service-account key uploaded yet.")
    await session.delete(credential)


@router.post("/connections", status_code=201)
async def create_connection(
    body: ConnectionCreate,
    session: SessionDep,
    user: CurrentUser,
    request: Request,
    response: Response,
) -> ConnectionRead:
    """Connect a worksheet; checks access and creates the worksheet with a header if missing."""
    connection, email = await service.create_connection(
        session,
        request.app.state.settings,
        request.app.state.secret_box,
        user,
        _bearer(request),
        body,
    )
    await session.refresh(connection)
    response.headers["ETag"] = etag_for(connection.version)
    return service.connection_read(connection, email)


@router.get("/connections")
async def list_connections(
    session: SessionDep, user: CurrentUser, page: PageParamsDep
) -> Page[ConnectionRead]:
    """Your connections, oldest first."""
    credential = await service.get_credential(session, user.user_id)
    email = credential.client_email if credential else None
    statement = select(SheetConnection).where(SheetConnection.owner_id == user.user_id)
    rows = (
        await session.scalars(
            paginate_select(statement, [SheetConnection.id.expression], page, descending=False)
        )
    ).all()
    items, next_cursor = page_from_rows(rows, page, lambda c: [c.id])
    return Page(items=[service.connection_read(c, email) for c in items], next_cursor=next_cursor)


@router.get("/connections/{connection_id}")
async def get_connection(
    connection_id: int, session: SessionDep, user: CurrentUser, response: Response
) -> ConnectionRead:
    """One connection and its status."""
    connection = await service.get_connection(session, user.user_id, connection_id)
    credential = await service.get_credential(session, user.user_id)
    response.headers["ETag"] = etag_for(connection.version)
    return service.connection_read(connection, credential.client_email if credential else None)


@router.patch("/connections/{connection_id}")
async def update_connection(
    connection_id: int,
    body: ConnectionUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
) -> ConnectionRead:
    """Change mapping, direction, schedule or policies."""
    connection = await service.get_connection(session, user.user_id, connection_id)
    service.apply_update(connection, body)
    await session.flush()
    await session.refresh(connection)
    credential = await service.get_credential(session, user.user_id)
    response.headers["ETag"] = etag_for(connection.version)
    return service.connection_read(connection, credential.client_email if credential else None)


@router.delete("/connections/{connection_id}", status_code=204)
async def delete_connection(
    connection_id: int, session: SessionDep, user: CurrentUser, request: Request
) -> None:
    """Remove a connection (the sheet and the tracker are left as they are)."""
    connection = await service.get_connection(session, user.user_id, connection_id)
    await service.forget_delegation(request.app.state.settings, connection, _bearer(request))
    await session.delete(connection)


@router.post("/connections/{connection_id}/delegation")
async def renew_delegation(
    connection_id: int, session: SessionDep, user: CurrentUser, request: Request
) -> ConnectionRead:
    """Issue a new delegated credential for scheduled syncs (after a revocation)."""
    connection = await service.get_connection(session, user.user_id, connection_id)
    state = request.app.state
    await service.issue_delegation(
        session, state.settings, state.secret_box, connection, _bearer(request)
    )
    connection.status_detail = None
    await session.flush()
    await session.refresh(connection)
    credential = await service.get_credential(session, user.user_id)
    return service.connection_read(connection, credential.client_email if credential else None)


@router.post("/connections/{connection_id}/sync")
async def sync_connection(
    connection_id: int,
    user: CurrentUser,
    request: Request,
    body: Annotated[SyncRequest | None, Body()] = None,
    dry_run: Annotated[bool, Query()] = False,
) -> SyncResult:
    """Sync now (``dry_run`` plans without writing); 409 while another sync runs."""
    services = _services(request)
    async with services.database.sessionmaker() as session:
        await service.get_connection(session, user.user_id, connection_id)
    try:
        report = await run_sync(
            services,
            connection_id,
            trigger="manual",
            dry_run=dry_run or bool(body and body.dry_run),
            user_token=_bearer(request),
        )
    except SyncBusy as exc:
        raise SyncAlreadyRunning(str(exc)) from exc
    run = RunRead.model_validate(report.run)
    if run.status == "failed":
        kind = run.errors[-1]["kind"] if run.errors else ""
        problem: type[JobhuntError] = ProblemKinds.get(kind, SheetUnusable)
        raise problem(run.status_detail, extra={"run_id": run.id, "kind": kind})
    return SyncResult(run=run, changes=report.changes)


@router.get("/connections/{connection_id}/runs")
async def list_runs(
    connection_id: int,
    session: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
) -> Page[RunRead]:
    """The connection's sync runs, newest first."""
    await service.get_connection(session, user.user_id, connection_id)
    statement = select(SyncRun).where(SyncRun.connection_id == connection_id)
    rows = (await session.scalars(paginate_select(statement, [SyncRun.id.expression], page))).all()
    items, next_cursor = page_from_rows(rows, page, lambda r: [r.id])
    return Page(items=[RunRead.model_validate(r) for r in items], next_cursor=next_cursor)


@router.get("/connections/{connection_id}/conflicts")
async def list_conflicts(
    connection_id: int,
    session: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    status: Annotated[Literal["open", "resolved"] | None, Query()] = None,
) -> Page[ConflictRead]:
    """Conflicts recorded by syncs, oldest first: open ones wait for you, resolved show what won."""
    await service.get_connection(session, user.user_id, connection_id)
    statement = select(SyncConflict).where(SyncConflict.connection_id == connection_id)
    if status:
        statement = statement.where(SyncConflict.status == status)
    rows = (
        await session.scalars(
            paginate_select(statement, [SyncConflict.id.expression], page, descending=False)
        )
    ).all()
    items, next_cursor = page_from_rows(rows, page, lambda c: [c.id])
    return Page(items=[ConflictRead.model_validate(c) for c in items], next_cursor=next_cursor)


@router.post("/connections/{connection_id}/conflicts/{conflict_id}/resolve")
async def resolve(
    connection_id: int,
    conflict_id: int,
    body: ConflictResolve,
    session: SessionDep,
    user: CurrentUser,
) -> ConflictRead:
    """Choose a value; the next sync writes it to both sides."""
    await service.get_connection(session, user.user_id, connection_id)
    conflict = await resolve_conflict(session, connection_id, conflict_id, body)
    return ConflictRead.model_validate(conflict)


@router.get("/connections/{connection_id}/vanished")
async def vanished(
    connection_id: int, session: SessionDep, user: CurrentUser, page: PageParamsDep
) -> Page[VanishedRead]:
    """Applications whose rows disappeared from the sheet, waiting for your decision."""
    await service.get_connection(session, user.user_id, connection_id)
    return await list_vanished(session, connection_id, page)


@router.post("/connections/{connection_id}/vanished/{application_id}", status_code=204)
async def vanished_action(
    connection_id: int,
    application_id: int,
    body: VanishedAction,
    session: SessionDep,
    user: CurrentUser,
    request: Request,
) -> None:
    """Confirm the deletion (deletes it in the tracker) or restore the row on the next sync."""
    connection = await service.get_connection(session, user.user_id, connection_id)
    try:
        await act_on_vanished(
            session,
            request.app.state.settings,
            connection,
            application_id,
            body,
            _bearer(request),
        )
    except LookupError as exc:
        raise NotFound(str(exc)) from exc
    except ValueError as exc:
        raise Conflict(str(exc)) from exc
