"""Oversight's reads for its routes: a finding's steps and the pages of findings and rounds (no SQL in routes)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.oversight.tables import Finding, FindingStep, SupervisionRound
from shared.filters import equal_to
from shared.uow import UnitOfWork


async def history(uow: UnitOfWork, finding_id: str) -> list[FindingStep]:
    return list(
        await uow.session.scalars(
            sa.select(FindingStep).where(col(FindingStep.finding_id) == finding_id).order_by(col(FindingStep.id))
        )
    )


async def findings_page(
    uow: UnitOfWork,
    *,
    status: str | None,
    area: str | None,
    project_id: str | None,
    unit: str | None,
    own_unit: str | None,
    limit: int,
    cursor: str | None,
) -> list[Finding]:
    """Up to `limit + 1` findings after `cursor`; `own_unit` confines unit staff to their unit."""
    query = sa.select(Finding).order_by(Finding.id).limit(limit + 1)
    query = equal_to(query, Finding, status=status, area=area, project_id=project_id, unit=unit)
    if own_unit is not None:
        query = query.where(col(Finding.unit) == own_unit)
    if cursor is not None:
        query = query.where(col(Finding.id) > cursor)
    return list(await uow.session.scalars(query))


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
