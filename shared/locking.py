"""Fresh state under a row lock: the one way a state change loads the row it changes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

T = TypeVar("T")

#: session.info key of what `transaction_cache` hands out.
CACHES = "govproj.locking.caches"
#: session.info key: {(model, key): row or None} of the rows `lock_many` locked (None: it found no row)
#: and the rows this transaction inserted (`hold_inserted`). Dropped when any transaction of the session
#: ends (a savepoint rolled back may have released locks taken inside it).
HELD = "govproj.locking.held"


async def locked(session: AsyncSession, model: type[T], key: Any) -> T | None:
    """The row `key` of `model`, locked for this transaction and read after the lock was granted.

    Two things make a concurrent twin see the first one's change instead of deciding again on old
    state: the lock (`SELECT … FOR UPDATE` waits for the other transaction to end) and
    `populate_existing` (without it the session hands back the copy it already holds, e.g. the one
    the route read to check the unit, and the fresh values the locked SELECT returned are dropped).

    A row this transaction already holds (`locked` or `lock_many` locked and read it, or this transaction
    inserted it) is handed back without a statement: nobody else can have changed it since, and this
    transaction's own changes are on the object (issue 21: a route that loads the row under its lock and
    the handler that loads it again cost one statement). A key `lock_many` found absent answers None: a
    row another transaction inserts meanwhile makes this one's insert fail, and the batch is retried.
    """
    held = session.info.get(HELD)
    if held is not None and (model, key) in held:
        row = held[(model, key)]
        if row is None or (not (state := sa.inspect(row)).deleted and not state.was_deleted):
            return row
    if session.get_bind().dialect.name == "sqlite":
        await _sqlite_write_lock(session)
    row = await session.get(model, key, with_for_update=True, populate_existing=True)
    if row is not None:  # an absent row is asked again: it may be inserted before this transaction's insert
        session.info.setdefault(HELD, {})[(model, key)] = row
    return row


async def lock_many(session: AsyncSession, model: type[T], keys: Iterable[Any]) -> dict[Any, T]:
    """Lock and read the rows `keys` of `model` (single-column primary key) with ONE statement, in key
    order (two transactions locking overlapping sets in the same order cannot deadlock). Until this
    transaction ends, `locked` answers these keys without another statement. Returns the rows found."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    if session.get_bind().dialect.name == "sqlite":
        await _sqlite_write_lock(session)
    column = sa.inspect(model).primary_key[0]
    rows = await session.scalars(
        sa
        .select(model)
        .where(column.in_(wanted))
        .order_by(column)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = {getattr(row, column.key): row for row in rows}
    held = session.info.setdefault(HELD, {})
    for key in wanted:
        held[(model, key)] = found.get(key)
    return found


def hold_inserted(session: AsyncSession, model: type[T], key: Any, row: T) -> None:
    """A row this transaction just added is as good as locked: no other transaction sees it before the
    commit, and one inserting the same key waits for this one and then fails. `locked` hands it back."""
    held = session.info.get(HELD)
    if held is not None:
        held[(model, key)] = row


def holds(session: AsyncSession, model: type, key: Any) -> bool:
    """Whether this transaction holds the row `key` of `model` (or knows it absent) through `lock_many`."""
    held = session.info.get(HELD)
    return held is not None and (model, key) in held


def transaction_cache(session: AsyncSession, name: str) -> dict[Any, Any]:
    """A dict that lives as long as the rows this transaction holds (see HELD): for what a batch
    prefetch loaded along with its locks (e.g. a locked project's open to-dos)."""
    caches: dict[str, dict[Any, Any]] = session.info.setdefault(CACHES, {})
    return caches.setdefault(name, {})


async def rows_once(session: AsyncSession, name: str, key: Any, query: sa.Select[Any]) -> list[Any]:
    """The entities `query` selects, read once per transaction under (`name`, `key`) — later calls get a copy
    of the list, which callers that add rows keep current through `transaction_cache(session, name)[key]`."""
    cache = transaction_cache(session, name)
    if key not in cache:
        cache[key] = list((await session.scalars(query)).all())
    return list(cache[key])


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    # A flush runs in a subtransaction of its own: its end changes no lock.
    if transaction.parent is None or transaction.nested:
        session.info.pop(HELD, None)
        session.info.pop(CACHES, None)


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
