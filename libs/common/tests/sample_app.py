"""A minimal service used to test the shared plumbing end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jobhunt_common import (
    CurrentUser,
    Page,
    PageParamsDep,
    ServiceSettings,
    SessionDep,
    check_if_match,
    create_service_app,
    etag_for,
    metadata,
)
from jobhunt_common.errors import NotFound
from jobhunt_common.pagination import page_from_rows, paginate_select

MIGRATIONS_DIR = Path(__file__).parent / "sample_migrations"


class Base(DeclarativeBase):
    metadata = metadata()


class Widget(Base):
    __tablename__ = "widget"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class WidgetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


class WidgetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    version: int


class SampleSettings(ServiceSettings):
    service_name: ClassVar[str] = "sample"


router = APIRouter(prefix="/widgets")


@router.post("", status_code=201)
async def create_widget(body: WidgetCreate, session: SessionDep, user: CurrentUser) -> WidgetRead:
    """Create a widget."""
    widget = Widget(owner_id=user.user_id, name=body.name)
    session.add(widget)
    await session.flush()
    return WidgetRead.model_validate(widget)


@router.get("")
async def list_widgets(
    session: SessionDep, user: CurrentUser, page: PageParamsDep
) -> Page[WidgetRead]:
    """List widgets, newest first."""
    statement = paginate_select(
        select(Widget).where(Widget.owner_id == user.user_id), [Widget.id], page
    )
    rows = (await session.scalars(statement)).all()
    items, next_cursor = page_from_rows(rows, page, lambda w: [w.id])
    return Page(items=[WidgetRead.model_validate(w) for w in items], next_cursor=next_cursor)


@router.patch("/{widget_id}")
async def rename_widget(
    widget_id: int,
    body: WidgetCreate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> WidgetRead:
    """Rename a widget."""
    widget = await session.get(Widget, widget_id)
    if widget is None or widget.owner_id != user.user_id:
        raise NotFound("No such widget.")
    check_if_match(if_match, widget.version)
    widget.name = body.name
    await session.flush()
    response.headers["ETag"] = etag_for(widget.version)
    return WidgetRead.model_validate(widget)


def create_app(settings: SampleSettings) -> object:
    return create_service_app(
        settings,
        title="sample",
        version="0",
        routers=[router],
        migrations_dir=MIGRATIONS_DIR,
        configure_logs=False,
    )
