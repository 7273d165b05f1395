"""Catalog's reads for its routes: whose subject it is, a project's systems, and the pages the routes list.

Routes call these (and the handlers) and run no SQL. Portfolio, oversight, reports and data operations
keep their own reads beside their routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.tables import Evaluation, ImportBatch, MonthlyFigure, Sanction, System
from shared.filters import equal_to
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


async def systems_page(uow: UnitOfWork, where: SystemFilter, *, limit: int, cursor: str | None) -> list[System]:
    """Up to `limit + 1` systems after `cursor` in id order (the extra one says there is a next page)."""
    query = sa.select(System).order_by(System.id).limit(limit + 1)
    query = equal_to(
        query, System, jurisdiction=where.jurisdiction, unit=where.unit, state=where.state, origin=where.origin
    )
    if where.zombie is not None:
        query = query.where(
            col(System.zombie_since).is_not(None) if where.zombie else col(System.zombie_since).is_(None)
        )
    if cursor:
        query = query.where(col(System.id) > cursor)
    return list((await uow.session.scalars(query)).all())


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
