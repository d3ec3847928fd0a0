"""Tasks: writes, and lists ordered by due date (undated last)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from jobhunt_common import UTCDateTime, utcnow
from jobhunt_common.pagination import PageParams, page_from_rows, paginate_select
from tracker.applications.models import Application, of_live_application
from tracker.deps import get_owned, sort_columns
from tracker.tasks.models import Task
from tracker.tasks.schemas import TaskRead

FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class TaskFilters:
    application_id: int | None = None
    done: bool | None = None
    kind: str | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None


def to_read(task: Task) -> TaskRead:
    return TaskRead.model_validate(
        {
            **{name: getattr(task, name) for name in TaskRead.model_fields if name != "done"},
            "done": task.done_at is not None,
        }
    )


async def apply_fields(session: AsyncSession, task: Task, fields: dict[str, Any]) -> None:
    if fields.get("application_id") is not None:
        await get_owned(
            session, Application, fields["application_id"], task.owner_id, what="application"
        )
    if "done" in fields:
        done = fields.pop("done")
        if done and task.done_at is None:
            task.done_at = utcnow()
        elif not done:
            task.done_at = None
    for field, value in fields.items():
        setattr(task, field, value)


async def create_task(session: AsyncSession, owner_id: str, fields: dict[str, Any]) -> Task:
    task = Task(owner_id=owner_id, title=fields.pop("title"), kind=fields.pop("kind", "other"))
    await apply_fields(session, task, fields)
    session.add(task)
    await session.flush()
    return task


async def list_tasks(
    session: AsyncSession, owner_id: str, filters: TaskFilters, page: PageParams
) -> tuple[list[Task], str | None]:
    due = func.coalesce(Task.due_at, literal(FAR_FUTURE, UTCDateTime()))
    statement = select(Task).where(
        Task.owner_id == owner_id, of_live_application(Task.application_id)
    )
    if filters.application_id is not None:
        statement = statement.where(Task.application_id == filters.application_id)
    if filters.done is not None:
        statement = statement.where(
            Task.done_at.is_not(None) if filters.done else Task.done_at.is_(None)
        )
    if filters.kind is not None:
        statement = statement.where(Task.kind == filters.kind)
    if filters.due_before is not None:
        statement = statement.where(Task.due_at < filters.due_before)
    if filters.due_after is not None:
        statement = statement.where(Task.due_at >= filters.due_after)
    statement = paginate_select(statement, sort_columns(due, Task.id), page, descending=False)
    rows = (await session.scalars(statement)).all()
    return page_from_rows(rows, page, lambda task: [task.due_at or FAR_FUTURE, task.id])
