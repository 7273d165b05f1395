"""List filters: the `?name=value` equality filters every list route offers, added to a query in one way."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa

Q = TypeVar("Q", bound=sa.Select[Any])


def equal_to(query: Q, model: Any, **values: Any) -> Q:
    """`query` narrowed to rows whose column `name` equals each given value; a None value is no filter."""
    for name, value in values.items():
        if value is not None:
            query = query.where(getattr(model, name) == value)
    return query


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards and the escape character taken literally (escape character `\\`)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def containing(query: Q, column: Any, text: str | None) -> Q:
    """`query` narrowed to rows whose `column` holds `text` anywhere, ignoring case (search by part of a
    name); None or blank is no filter. On PostgreSQL a trigram (gin_trgm_ops) index on the column serves it."""
    if text is None or not text.strip():
        return query
    return query.where(column.ilike(f"%{escape_like(text.strip())}%", escape="\\"))
