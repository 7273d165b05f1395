"""Catalog's reads for its routes: whose subject it is, a project's systems, and the pages the routes list.

Routes call these (and the handlers) and run no SQL. Portfolio, oversight, reports and data operations
keep their own reads beside their routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from services.catalog import listing
from services.catalog.tables import Evaluation, ImportBatch, MonthlyFigure, Sanction, System
from shared.filters import containing, equal_to
from shared.scope import SECRET_READ, Owner
from shared.uow import UnitOfWork


async def subject_owner(uow: UnitOfWork, subject: str) -> Owner | None:
    """A catalog subject is a system id or the project id of its systems (a project's systems are one
    unit's; secret when any of them is)."""
    system = await uow.session.get(System, subject)
    if system is not None:
        return Owner(system.unit, system.secret)
    rows = (
        await uow.session.execute(
            sa.select(col(System.unit), col(System.secret)).where(col(System.project_id) == subject)
        )
    ).all()
    if not rows:
        return None
    return Owner(rows[0].unit, any(row.secret for row in rows))


async def project_systems_and_owner(uow: UnitOfWork, project_id: str) -> tuple[list[System], Owner | None]:
    """A project's systems (id order) and the owner `subject_owner` finds for the same id, with ONE statement
    instead of its two and `systems_of_project`'s one: the project's page is re-read at every arrival of
    the benchmark's and the platforms' waiting reads (`Prefer: wait`)."""
    rows = list(
        await uow.session.scalars(
            sa
            .select(System)
            .where(sa.or_(col(System.project_id) == project_id, col(System.id) == project_id))
            .order_by(col(System.id))
        )
    )
    systems = [system for system in rows if system.project_id == project_id]
    itself = next((system for system in rows if system.id == project_id), None)
    if itself is not None:  # a system id comes first, as in subject_owner
        return systems, Owner(itself.unit, itself.secret)
    if not systems:
        return systems, None
    return systems, Owner(systems[0].unit, any(system.secret for system in systems))


async def systems_of_project(uow: UnitOfWork, project_id: str) -> list[System]:
    rows = await uow.session.scalars(
        sa.select(System).where(col(System.project_id) == project_id).order_by(col(System.id))
    )
    return list(rows)


@dataclass(frozen=True)
class SystemFilter:
    jurisdiction: str | None = None
    unit: str | None = None
    state: str | None = None
    origin: str | None = None
    zombie: bool | None = None
    q: str | None = None  # part of the system's name
    unit_name: str | None = None  # part of the unit's name
    year: int | None = None  # the year it entered the catalog (registered_on)
    #: set for a reader who may not see every secret system's name: searching or sorting by name then
    #: leaves out the secret systems of other units (a match would reveal the hidden name)
    names_hidden_from: str | None = None
    hides_names: bool = False


SYSTEM_SORTS = {
    "id": System.id,
    "name": System.name,
    "registered_on": System.registered_on,
    "unit": System.unit,
}


def systems_query(where: SystemFilter, sort: str = "id") -> sa.Select[Any]:
    query = equal_to(
        sa.select(System),
        System,
        jurisdiction=where.jurisdiction,
        unit=where.unit,
        state=where.state,
        origin=where.origin,
    )
    if where.zombie is not None:
        zombie_since = col(System.zombie_since)
        query = query.where(zombie_since.is_not(None) if where.zombie else zombie_since.is_(None))
    query = containing(query, System.name, where.q)
    query = containing(query, System.unit, where.unit_name)
    if where.year is not None:
        query = query.where(listing.year_range(System.registered_on, where.year))
    if where.hides_names and (where.q or sort == "name"):
        query = query.where(sa.or_(col(System.secret).is_(False), col(System.unit) == (where.names_hidden_from or "")))
    return query


async def systems_page(
    uow: UnitOfWork,
    where: SystemFilter,
    *,
    limit: int,
    cursor: str | None = None,
    offset: int = 0,
    sort: str = "id",
    descending: bool = False,
) -> tuple[list[System], int]:
    """Up to `limit + 1` systems in the chosen order (the extra one says there is a next page), from
    `offset` or after `cursor` (the last id, id order), and the count of the whole query."""
    query = systems_query(where, sort)
    total = await listing.count(uow, query)
    order = listing.Order(SYSTEM_SORTS[sort], System.id, descending)
    return await listing.page(uow, query, order, limit=limit, offset=offset, after=cursor), total


async def history(uow: UnitOfWork, subjects: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The decisions, deadlines and audit rows of a system's subjects, oldest first."""
    schema = uow.schema
    out = {}
    for name, table in (("decisions", schema.decisions), ("deadlines", schema.deadlines), ("audit", schema.audit)):
        query = sa.select(table).where(table.c.subject.in_(subjects)).order_by(table.c.id)
        if table is schema.audit:  # the access log of a secret system is not part of its trail
            query = query.where(table.c.action != SECRET_READ)
        rows = (await uow.session.execute(query)).mappings()
        out[name] = [dict(row) for row in rows]
    return out


async def import_batch(uow: UnitOfWork, batch_id: str) -> ImportBatch | None:
    return await uow.session.get(ImportBatch, batch_id)


async def evaluations_page(
    uow: UnitOfWork, *, status: str, kind: str | None, unit: str | None, limit: int, cursor: int | None
) -> list[Evaluation]:
    """Evaluations in id order; `status` "all" for every one, `unit` None for every unit."""
    query = sa.select(Evaluation).order_by(col(Evaluation.id)).limit(limit)
    query = equal_to(query, Evaluation, status=None if status == "all" else status, kind=kind, unit=unit)
    if cursor is not None:
        query = query.where(col(Evaluation.id) > cursor)
    return list(await uow.session.scalars(query))


async def monthly_figures(uow: UnitOfWork, system_id: str, limit: int) -> list[MonthlyFigure]:
    rows = await uow.session.scalars(
        sa.select(MonthlyFigure)
        .where(col(MonthlyFigure.system_id) == system_id)
        .order_by(col(MonthlyFigure.month).desc())
        .limit(limit)
    )
    return list(rows)


async def sanctions_page(
    uow: UnitOfWork, *, unit: str | None, status: str | None, limit: int, cursor: int | None
) -> list[Sanction]:
    query = sa.select(Sanction).order_by(col(Sanction.id)).limit(limit)
    query = equal_to(query, Sanction, unit=unit, status=None if not status or status == "all" else status)
    if cursor is not None:
        query = query.where(col(Sanction.id) > cursor)
    return list(await uow.session.scalars(query))
