"""What the catalog's handlers share: loading systems, bulk writes for large imports, a row inserted once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from services.catalog import domain
from services.catalog.tables import System
from shared.errors import not_found
from shared.locking import locked
from shared.uow import UnitOfWork

CHUNK = 500  # ids per IN (...) query
T = TypeVar("T")


async def load(uow: UnitOfWork, system_id: str, *, for_update: bool = False) -> System:
    if for_update:
        system = await locked(uow.session, System, system_id)
    else:
        system = await uow.session.get(System, system_id)
    if system is None:
        raise not_found("system", system_id)
    return system


async def insert_once(uow: UnitOfWork, model: type[Any], values: dict[str, Any]) -> bool:
    """Insert a row unless its (project_id, kind, ref) is there already: one statement, where a look-up and
    an insert were two; and no flush before it (nothing the session holds is this row)."""
    table = cast(sa.Table, model.__table__)
    insert = (postgresql.insert if uow.dialect == "postgresql" else sqlite.insert)(table)
    with uow.session.no_autoflush:
        result = await uow.session.execute(
            insert
            .values(**values)
            .on_conflict_do_nothing(index_elements=["project_id", "kind", "ref"])
            .returning(table.c.id)
        )
    return result.first() is not None


async def get_or_pending(uow: UnitOfWork, model: type[T], key: Any) -> T | None:
    """`session.get`, except that a row this transaction added and has not flushed yet is handed back as it is:
    the get would miss the identity map, flush, and read the row back to return the same object."""
    column = sa.inspect(model).primary_key[0].key
    for pending in uow.session.new:
        if isinstance(pending, model) and getattr(pending, column) == key:
            return pending
    return await uow.session.get(model, key)


def subject(system: System) -> str:
    return domain.subject_of(system.id, system.project_id)


async def systems_by_id(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, System]:
    wanted = list(dict.fromkeys(ids))
    found: dict[str, System] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = await uow.session.scalars(sa.select(System).where(col(System.id).in_(wanted[start : start + CHUNK])))
        found.update({system.id: system for system in rows})
    return found
