"""Notes: writes and the newest-first list."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jobhunt_common.pagination import PageParams, page_from_rows, paginate_select
from tracker.applications.models import Application, of_live_application
from tracker.deps import get_owned, sort_columns
from tracker.notes.models import Note


async def create_note(session: AsyncSession, owner_id: str, application_id: int, body: str) -> Note:
    await get_owned(session, Application, application_id, owner_id, what="application")
    note = Note(owner_id=owner_id, application_id=application_id, body=body)
    session.add(note)
    await session.flush()
    return note


async def list_notes(
    session: AsyncSession, owner_id: str, application_id: int | None, page: PageParams
) -> tuple[list[Note], str | None]:
    statement = select(Note).where(
        Note.owner_id == owner_id, of_live_application(Note.application_id)
    )
    if application_id is not None:
        statement = statement.where(Note.application_id == application_id)
    statement = paginate_select(statement, sort_columns(Note.created_at, Note.id), page)
    rows = (await session.scalars(statement)).all()
    return page_from_rows(rows, page, lambda note: [note.created_at, note.id])
