"""Full-text search conditions over the ``application_search`` index.

The index is kept in step by triggers (see the initial migration): FTS5 on SQLite,
a weighted tsvector with GIN on PostgreSQL. Both stem English words, and both read
the query as plain words that must all appear.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Integer, column, false, text

from tracker.applications.models import Application

WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 20


def search_terms(query: str) -> list[str]:
    """The words of a user query (punctuation and FTS operators dropped)."""
    return WORD.findall(query)[:MAX_TERMS]


def matches(query: str, dialect: str) -> ColumnElement[bool]:
    """A condition on ``Application.id``: the application's text matches every word."""
    terms = search_terms(query)
    if not terms:
        return false()
    subquery: Any
    if dialect == "sqlite":
        # Each word quoted: FTS5 then takes it literally, never as an operator.
        fts_query = " ".join('"' + term.replace('"', "") + '"' for term in terms)
        subquery = (
            text("SELECT rowid FROM application_search WHERE application_search MATCH :fts_query")
            .bindparams(fts_query=fts_query)
            .columns(column("rowid", Integer))
        )
    else:
        subquery = (
            text(
                "SELECT application_id FROM application_search "
                "WHERE document @@ plainto_tsquery('english', :fts_query)"
            )
            .bindparams(fts_query=" ".join(terms))
            .columns(column("application_id", Integer))
        )
    return Application.id.in_(subquery)
