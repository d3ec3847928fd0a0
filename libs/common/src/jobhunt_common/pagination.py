"""Opaque keyset cursors and the ``Page`` envelope every list endpoint returns."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, and_, or_
from sqlalchemy.sql.elements import ColumnElement

from jobhunt_common.errors import BadRequest

ItemT = TypeVar("ItemT")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None = None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    return value


def _from_jsonable(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"dt"}:
        return datetime.fromisoformat(value["dt"])
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque, URL-safe cursor for the sort key of the last row of a page."""
    raw = json.dumps([_jsonable(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The sort key inside ``cursor``; ``BadRequest`` if it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("The cursor is malformed.") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise BadRequest("The cursor does not fit this list's sort order.")
    return [_from_jsonable(v) for v in values]


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageParamsDep = Annotated[PageParams, Depends(page_params)]


def keyset_after(
    columns: Sequence[ColumnElement[Any]], values: Sequence[Any], *, descending: bool
) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order of ``columns`` (all one direction).

    Written as the expanded OR form rather than a row-value comparison because
    SQLite and PostgreSQL both index-seek it and it handles mixed types.
    """
    clauses = []
    for position, column in enumerate(columns):
        equal_prefix = [columns[i] == values[i] for i in range(position)]
        beyond = column < values[position] if descending else column > values[position]
        clauses.append(and_(*equal_prefix, beyond))
    return or_(*clauses)


def paginate_select(
    statement: Select[Any],
    columns: Sequence[ColumnElement[Any]],
    params: PageParams,
    *,
    descending: bool = True,
) -> Select[Any]:
    """``statement`` ordered by ``columns``, started after the cursor, one row over the limit."""
    if params.cursor is not None:
        values = decode_cursor(params.cursor, len(columns))
        statement = statement.where(keyset_after(columns, values, descending=descending))
    order = [c.desc() if descending else c.asc() for c in columns]
    return statement.order_by(*order).limit(params.limit + 1)


def page_from_rows(
    rows: Sequence[ItemT], params: PageParams, sort_key: Any
) -> tuple[list[ItemT], str | None]:
    """Split the extra look-ahead row off and make the next cursor from the last kept row."""
    items = list(rows[: params.limit])
    next_cursor = None
    if len(rows) > params.limit and items:
        next_cursor = encode_cursor(sort_key(items[-1]))
    return items, next_cursor
