"""What the catalog's handlers share: loading systems, bulk writes for large imports."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import col

from services.catalog import domain
from services.catalog.tables import System
from shared.errors import not_found
from shared.locking import locked
from shared.uow import UnitOfWork

CHUNK = 500  # ids per IN (...) query


async def load(uow: UnitOfWork, system_id: str, *, for_update: bool = False) -> System:
    if for_update:
        system = await locked(uow.session, System, system_id)
    else:
        system = await uow.session.get(System, system_id)
    if system is None:
        raise not_found("system", system_id)
    return system


def subject(system: System) -> str:
    return domain.subject_of(system.id, system.project_id)


async def systems_by_id(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, System]:
    wanted = list(dict.fromkeys(ids))
    found: dict[str, System] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = await uow.session.scalars(sa.select(System).where(col(System.id).in_(wanted[start : start + CHUNK])))
        found.update({system.id: system for system in rows})
    return found
