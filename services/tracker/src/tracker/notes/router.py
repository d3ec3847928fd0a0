"""``/tracker/notes``: notes on applications (searched with them)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select

from jobhunt_common import Page, PageParamsDep, SessionDep, check_if_match
from jobhunt_common.pagination import page_from_rows, paginate_select
from tracker.applications.models import Application, of_live_application
from tracker.deps import (
    FullUser,
    IdempotencyKeyHeader,
    IfMatch,
    get_owned,
    set_etag,
    sort_columns,
)
from tracker.idempotency import idempotent_create
from tracker.notes.models import Note
from tracker.notes.schemas import NoteCreate, NoteRead, NoteUpdate

router = APIRouter(prefix="/tracker/notes", tags=["notes"])


@router.post("", status_code=201, response_model=NoteRead)
async def create_note(
    body: NoteCreate,
    request: Request,
    user: FullUser,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Add a note to an application."""

    async def create() -> NoteRead:
        await get_owned(session, Application, body.application_id, user.user_id, what="application")
        note = Note(owner_id=user.user_id, application_id=body.application_id, body=body.body)
        session.add(note)
        await session.flush()
        return NoteRead.model_validate(note)

    return await idempotent_create(
        session,
        owner_id=user.user_id,
        key=idempotency_key,
        method="POST",
        path=request.url.path,
        body=body,
        create=create,
    )


@router.get("")
async def list_notes(
    user: FullUser, session: SessionDep, page: PageParamsDep, application_id: int | None = None
) -> Page[NoteRead]:
    """Notes, newest first; ``application_id`` narrows to one application."""
    statement = select(Note).where(
        Note.owner_id == user.user_id, of_live_application(Note.application_id)
    )
    if application_id is not None:
        statement = statement.where(Note.application_id == application_id)
    statement = paginate_select(statement, sort_columns(Note.created_at, Note.id), page)
    rows = (await session.scalars(statement)).all()
    items, next_cursor = page_from_rows(rows, page, lambda note: [note.created_at, note.id])
    return Page(items=[NoteRead.model_validate(n) for n in items], next_cursor=next_cursor)


@router.get("/{note_id}")
async def read_note(
    note_id: int, user: FullUser, session: SessionDep, response: Response
) -> NoteRead:
    """One note, with its ETag."""
    note = await get_owned(session, Note, note_id, user.user_id, what="note")
    set_etag(response, note.version)
    return NoteRead.model_validate(note)


@router.patch("/{note_id}")
async def update_note(
    note_id: int,
    body: NoteUpdate,
    user: FullUser,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> NoteRead:
    """Edit a note; If-Match honoured."""
    note = await get_owned(session, Note, note_id, user.user_id, what="note")
    check_if_match(if_match, note.version)
    if body.body is not None:
        note.body = body.body
        await session.flush()
    set_etag(response, note.version)
    return NoteRead.model_validate(note)


@router.delete("/{note_id}", status_code=204)
async def delete_note(
    note_id: int, user: FullUser, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a note."""
    note = await get_owned(session, Note, note_id, user.user_id, what="note")
    check_if_match(if_match, note.version)
    await session.delete(note)
    return Response(status_code=204)
