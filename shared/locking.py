"""Fresh state under a row lock: the one way a state change loads the row it changes."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


async def locked(session: AsyncSession, model: type[T], key: Any) -> T | None:
    """The row `key` of `model`, locked for this transaction and read after the lock was granted.

    Two things make a concurrent twin see the first one's change instead of deciding again on old
    state: the lock (`SELECT … FOR UPDATE` waits for the other transaction to end) and
    `populate_existing` (without it the session hands back the copy it already holds, e.g. the one
    the route read to check the unit, and the fresh values the locked SELECT returned are dropped).
    """
    if session.get_bind().dialect.name == "sqlite":
        await _sqlite_write_lock(session)
    return await session.get(model, key, with_for_update=True, populate_existing=True)


async def _sqlite_write_lock(session: AsyncSession) -> None:
    """SQLite ignores FOR UPDATE, and its driver starts a transaction only at the first write, so a
    read-decide-write sequence races. `BEGIN IMMEDIATE` takes the database's one write lock before
    the read (waiting up to busy_timeout for the writer holding it); a transaction that has already
    written holds that lock, so nothing more is needed then."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    assert raw.driver_connection is not None, "a checked-out connection has its driver connection"
    if not raw.driver_connection.in_transaction:
        await connection.exec_driver_sql("BEGIN IMMEDIATE")
