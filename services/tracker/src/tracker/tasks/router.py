"""``/tracker/tasks``: follow-ups and other to-dos."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from jobhunt_common import Page, PageParamsDep, SessionDep, check_if_match
from tracker.deps import FullUser, IdempotencyKeyHeader, IfMatch, QueryDateTime, get_owned, set_etag
from tracker.idempotency import idempotent_create
from tracker.tasks import service
from tracker.tasks.models import Task
from tracker.tasks.schemas import TaskCreate, TaskKind, TaskRead, TaskUpdate
from tracker.tasks.service import TaskFilters

router = APIRouter(prefix="/tracker/tasks", tags=["tasks"])


def task_filters(
    application_id: int | None = None,
    done: bool | None = None,
    kind: TaskKind | None = None,
    due_before: QueryDateTime | None = None,
    due_after: QueryDateTime | None = None,
) -> TaskFilters:
    return TaskFilters(application_id, done, kind, due_before, due_after)


@router.post("", status_code=201, response_model=TaskRead)
async def create_task(
    body: TaskCreate,
    request: Request,
    user: FullUser,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Create a task, optionally on an application."""

    async def create() -> TaskRead:
        fields = body.model_dump(exclude_unset=True)
        return service.to_read(await service.create_task(session, user.user_id, fields))

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
async def list_tasks(
    user: FullUser,
    session: SessionDep,
    page: PageParamsDep,
    filters: Annotated[TaskFilters, Depends(task_filters)],
) -> Page[TaskRead]:
    """Tasks by due date (undated last); ``done=false`` gives the open ones."""
    items, next_cursor = await service.list_tasks(session, user.user_id, filters, page)
    return Page(items=[service.to_read(t) for t in items], next_cursor=next_cursor)


@router.get("/{task_id}")
async def read_task(
    task_id: int, user: FullUser, session: SessionDep, response: Response
) -> TaskRead:
    """One task, with its ETag."""
    task = await get_owned(session, Task, task_id, user.user_id, what="task")
    set_etag(response, task.version)
    return service.to_read(task)


@router.patch("/{task_id}")
async def update_task(
    task_id: int,
    body: TaskUpdate,
    user: FullUser,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> TaskRead:
    """Change a task (``done: true`` ticks it off); If-Match honoured."""
    task = await get_owned(session, Task, task_id, user.user_id, what="task")
    check_if_match(if_match, task.version)
    await service.apply_fields(session, task, body.model_dump(exclude_unset=True))
    await session.flush()
    set_etag(response, task.version)
    return service.to_read(task)


@router.delete("/{task_id}", status_code=204)
async def delete_task(
    task_id: int, user: FullUser, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a task."""
    task = await get_owned(session, Task, task_id, user.user_id, what="task")
    check_if_match(if_match, task.version)
    await session.delete(task)
    return Response(status_code=204)
