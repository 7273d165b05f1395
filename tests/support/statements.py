"""Counting the SQL statements a piece of work sends (issue 21: statements per project drive the services'
and PostgreSQL's CPU; bench/statements.py counts them for a whole lifecycle, these pins keep them down)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine


@contextmanager
def counted(engine: AsyncEngine) -> Iterator[list[str]]:
    """The statements sent on `engine` inside the block, whitespace folded (SQLite's PRAGMAs left out)."""
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.startswith("PRAGMA"):
            statements.append(" ".join(statement.split()))

    sa.event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", seen)


def of(statements: list[str], verb: str, table: str) -> list[str]:
    """The statements of one kind on one table: `of(s, "SELECT", "approval_steps")`."""
    return [s for s in statements if s.startswith(verb) and f" {table}" in s.split(" WHERE ")[0]]
