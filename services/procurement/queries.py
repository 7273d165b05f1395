"""Procurement's reads: a project and what hangs off it, and the list queries the routes page through."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from services.procurement.domain import Stage
from services.procurement.tables import (
    Award,
    Bid,
    Contract,
    Incident,
    ProcurementPlan,
    ProcurementProject,
    Sanction,
    Supplement,
    SupplementStep,
    Supplier,
    Tender,
)
from shared.errors import not_found
from shared.locking import locked
from shared.scope import Owner
from shared.uow import UnitOfWork

#: Live supplements count against the cap; refused ones do not.
LIVE_SUPPLEMENTS = ("pending_approval", "approved")


async def load(uow: UnitOfWork, project_id: str, *, for_update: bool = False) -> ProcurementProject:
    if for_update:
        project = await locked(uow.session, ProcurementProject, project_id)
    else:
        project = await uow.session.get(ProcurementProject, project_id)
    if project is None or project.ceiling_fen is None:
        raise not_found("procurement project (project with an approved estimate)", project_id)
    return project


async def project_owner(uow: UnitOfWork, project_id: str) -> Owner | None:
    """Whose project it is, for shared.scope (any project procurement knows, with or without an estimate)."""
    project = await uow.session.get(ProcurementProject, project_id)
    return None if project is None else Owner(project.unit, project.secret)


async def tender(uow: UnitOfWork, tender_id: str) -> Tender:
    row = await uow.session.get(Tender, tender_id)
    if row is None:
        raise not_found("tender", tender_id)
    return row


async def contract(uow: UnitOfWork, contract_id: str) -> Contract | None:
    """None when unknown: the command that follows answers the 404 in its own words."""
    return await uow.session.get(Contract, contract_id)


async def active_sanctions(uow: UnitOfWork, project_id: str) -> list[Sanction]:
    rows = await uow.session.scalars(
        sa.select(Sanction)
        .where(col(Sanction.project_id) == project_id, col(Sanction.lifted_on).is_(None))
        .order_by(col(Sanction.id))
    )
    return list(rows.all())


async def sanctions_of(uow: UnitOfWork, project_id: str) -> list[Sanction]:
    rows = await uow.session.scalars(
        sa.select(Sanction).where(col(Sanction.project_id) == project_id).order_by(col(Sanction.id))
    )
    return list(rows.all())


def status_of(project: ProcurementProject, active: list[Sanction]) -> str:
    if Stage(project.stage).terminal:
        return "terminated"
    return "suspended" if active else "active"


async def contracts_of(uow: UnitOfWork, project_id: str) -> list[Contract]:
    rows = await uow.session.scalars(
        sa.select(Contract)
        .where(col(Contract.project_id) == project_id)
        .order_by(col(Contract.signed_on), col(Contract.id))
    )
    return list(rows.all())


async def plan_of(uow: UnitOfWork, project: ProcurementProject) -> ProcurementPlan | None:
    return await uow.session.scalar(
        sa.select(ProcurementPlan).where(
            col(ProcurementPlan.project_id) == project.project_id, col(ProcurementPlan.cycle) == project.cycle
        )
    )


async def plans_of(uow: UnitOfWork, project_id: str) -> list[ProcurementPlan]:
    rows = await uow.session.scalars(
        sa.select(ProcurementPlan)
        .where(col(ProcurementPlan.project_id) == project_id)
        .order_by(col(ProcurementPlan.cycle))
    )
    return list(rows.all())


async def tenders_of(uow: UnitOfWork, project_id: str) -> list[Tender]:
    rows = await uow.session.scalars(
        sa.select(Tender).where(col(Tender.project_id) == project_id).order_by(col(Tender.published_on), col(Tender.id))
    )
    return list(rows.all())


async def bids_of(uow: UnitOfWork, tender_id: str) -> list[Bid]:
    rows = await uow.session.scalars(
        sa.select(Bid).where(col(Bid.tender_id) == tender_id).order_by(col(Bid.submitted_on), col(Bid.id))
    )
    return list(rows.all())


async def award_of(uow: UnitOfWork, tender_id: str) -> Award | None:
    return await uow.session.scalar(sa.select(Award).where(col(Award.tender_id) == tender_id))


async def supplier(uow: UnitOfWork, supplier_id: str) -> Supplier | None:
    return await uow.session.get(Supplier, supplier_id)


async def supplements_of(uow: UnitOfWork, project_id: str) -> list[Supplement]:
    rows = await uow.session.scalars(
        sa.select(Supplement).where(col(Supplement.project_id) == project_id).order_by(col(Supplement.requested_at))
    )
    return list(rows.all())


async def steps_of(uow: UnitOfWork, supplement_id: str) -> list[SupplementStep]:
    rows = await uow.session.scalars(
        sa.select(SupplementStep)
        .where(col(SupplementStep.supplement_id) == supplement_id)
        .order_by(col(SupplementStep.position))
    )
    return list(rows.all())


async def incidents_of(uow: UnitOfWork, project_id: str) -> list[Incident]:
    rows = await uow.session.scalars(
        sa.select(Incident)
        .where(col(Incident.project_id) == project_id)
        .order_by(col(Incident.reported_on), col(Incident.id))
    )
    return list(rows.all())


async def live_supplements_fen(uow: UnitOfWork, contract_id: str) -> int:
    total = await uow.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(col(Supplement.amount_fen)), 0)).where(
            col(Supplement.contract_id) == contract_id, col(Supplement.status).in_(LIVE_SUPPLEMENTS)
        )
    )
    return int(total or 0)


async def published_projects(
    uow: UnitOfWork, *, project_id: str | None, jurisdiction: str | None, cursor: str | None, limit: int
) -> list[ProcurementProject]:
    """Projects OCDS may publish: with an estimate, never secret (dazhou:第六十五条)."""
    query = sa.select(ProcurementProject).where(
        col(ProcurementProject.ceiling_fen).is_not(None), col(ProcurementProject.secret).is_(False)
    )
    if project_id:
        query = query.where(col(ProcurementProject.project_id) == project_id)
    if jurisdiction:
        query = query.where(col(ProcurementProject.jurisdiction) == jurisdiction)
    if cursor:
        query = query.where(col(ProcurementProject.project_id) > cursor)
    rows = await uow.session.scalars(query.order_by(ProcurementProject.project_id).limit(limit + 1))
    return list(rows.all())


async def project_page(
    uow: UnitOfWork,
    *,
    unit: str | None,
    stage: str | None,
    jurisdiction: str | None,
    cursor: str | None,
    limit: int,
) -> list[ProcurementProject]:
    """Projects with an estimate by id, one page plus one row (to tell whether another page follows);
    `unit` narrows the list to one unit's projects."""
    query = sa.select(ProcurementProject).where(col(ProcurementProject.ceiling_fen).is_not(None))
    if unit is not None:
        query = query.where(col(ProcurementProject.unit) == unit)
    if stage:
        query = query.where(col(ProcurementProject.stage) == stage)
    if jurisdiction:
        query = query.where(col(ProcurementProject.jurisdiction) == jurisdiction)
    if cursor:
        query = query.where(col(ProcurementProject.project_id) > cursor)
    rows = await uow.session.scalars(query.order_by(ProcurementProject.project_id).limit(limit + 1))
    return list(rows.all())
