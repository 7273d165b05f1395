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
