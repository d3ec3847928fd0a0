"""``/tracker/notes``: notes on applications (searched with them)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from jobhunt_common import Page, PageParamsDep, SessionDep, check_if_match
from tracker.deps import (
    FullUser,
    IdempotencyKeyHeader,
    IfMatch,
    get_owned,
    set_etag,
)
from tracker.idempotency import idempotent_create
from tracker.notes import service
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
        note = await service.create_note(session, user.user_id, body.application_id, body.body)
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
    items, next_cursor = await service.list_notes(session, user.user_id, application_id, page)
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
