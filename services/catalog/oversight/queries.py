"""Oversight's reads for its routes: a finding's steps and the pages of findings and rounds (no SQL in routes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from services.catalog import listing
from services.catalog.oversight.tables import AccountabilityCase, Finding, FindingStep, SupervisionRound
from shared.filters import containing, equal_to
from shared.uow import UnitOfWork


async def history(uow: UnitOfWork, finding_id: str) -> list[FindingStep]:
    return list(
        await uow.session.scalars(
            sa.select(FindingStep).where(col(FindingStep.finding_id) == finding_id).order_by(col(FindingStep.id))
        )
    )


#: a finding still waiting for its rectification (past rectify_by it is overdue)
LIVE_STATUSES = ("open", "rectification_submitted")


@dataclass(frozen=True)
class FindingFilter:
    status: str | None = None
    area: str | None = None
    project_id: str | None = None
    unit: str | None = None
    own_unit: str | None = None  # confines unit staff to their unit
    jurisdiction: str | None = None
    q: str | None = None  # part of the description (发现的问题)
    unit_name: str | None = None  # part of the unit's name
    year: int | None = None  # the year it was recorded
    overdue: bool | None = None  # still live past its rectification day
    #: a reader who may not read every secret finding: searching its text leaves out other units' secret ones
    hides_secret_text: bool = False


FINDING_SORTS = {
    "id": Finding.id,
    "recorded_on": Finding.recorded_on,
    "rectify_by": Finding.rectify_by,
    "unit": Finding.unit,
}


def findings_query(where: FindingFilter, today: date) -> sa.Select[Any]:
    query = equal_to(
        sa.select(Finding),
        Finding,
        status=where.status,
        area=where.area,
        project_id=where.project_id,
        unit=where.unit,
        jurisdiction=where.jurisdiction,
    )
    if where.own_unit is not None:
        query = query.where(col(Finding.unit) == where.own_unit)
    query = containing(query, Finding.description, where.q)
    query = containing(query, Finding.unit, where.unit_name)
    if where.year is not None:
        query = query.where(listing.year_range(Finding.recorded_on, where.year))
    if where.overdue is not None:
        late = sa.and_(col(Finding.status).in_(LIVE_STATUSES), col(Finding.rectify_by) < today)
        query = query.where(late if where.overdue else sa.not_(late))
    if where.hides_secret_text and where.q:
        query = query.where(sa.or_(col(Finding.secret).is_(False), col(Finding.unit) == (where.own_unit or "")))
    return query


async def findings_page(
    uow: UnitOfWork,
    where: FindingFilter,
    *,
    today: date,
    limit: int,
    cursor: str | None = None,
    offset: int = 0,
    sort: str = "id",
    descending: bool = False,
) -> tuple[list[Finding], int]:
    """Up to `limit + 1` findings in the chosen order from `offset` or after `cursor` (the last id, id
    order), and the count of the whole query."""
    query = findings_query(where, today)
    total = await listing.count(uow, query)
    order = listing.Order(FINDING_SORTS[sort], Finding.id, descending)
    return await listing.page(uow, query, order, limit=limit, offset=offset, after=cursor), total


async def rounds_page(
    uow: UnitOfWork, *, status: str, project_id: str | None, own_unit: str | None, limit: int, cursor: int | None
) -> list[SupervisionRound]:
    query = sa.select(SupervisionRound).order_by(col(SupervisionRound.id)).limit(limit)
    query = equal_to(query, SupervisionRound, status=None if status == "all" else status, project_id=project_id)
    if own_unit is not None:
        query = query.where(col(SupervisionRound.unit) == own_unit)
    if cursor is not None:
        query = query.where(col(SupervisionRound.id) > cursor)
    return list(await uow.session.scalars(query))


async def accountability_page(
    uow: UnitOfWork, *, unit: str | None, kind: str | None, limit: int, cursor: str | None
) -> list[AccountabilityCase]:
    """Up to `limit + 1` accountability cases after `cursor`."""
    query = sa.select(AccountabilityCase).order_by(AccountabilityCase.id).limit(limit + 1)
    query = equal_to(query, AccountabilityCase, unit=unit, kind=kind)
    if cursor is not None:
        query = query.where(col(AccountabilityCase.id) > cursor)
    return list(await uow.session.scalars(query))
