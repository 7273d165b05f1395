"""Budget's reads: a project and what hangs off it, totals, and the pages the routes list."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from services.budget.tables import (
    Adjustment,
    AnnualBudgetLine,
    BudgetProject,
    CostShare,
    DataOperationPayment,
    EstimateRevision,
    OmBudget,
    SupervisionFinding,
)
from shared.errors import not_found
from shared.locking import locked, rows_once, transaction_cache
from shared.scope import Owner
from shared.uow import UnitOfWork


async def load(uow: UnitOfWork, project_id: str, *, for_update: bool = False) -> BudgetProject:
    if for_update:
        project = await locked(uow.session, BudgetProject, project_id)
    else:
        project = await uow.session.get(BudgetProject, project_id)
    if project is None:
        raise not_found("budget project (approved project)", project_id)
    return project


async def project_owner(uow: UnitOfWork, project_id: str) -> Owner | None:
    """Whose project it is, for shared.scope."""
    project = await uow.session.get(BudgetProject, project_id)
    return None if project is None else Owner(project.unit, project.secret)


#: transaction_cache name: {project_id: [EstimateRevision]} as this transaction read and added them (issue 21: an
#: approval reads the history to number its revision, and its answer shows the history with the new one).
HISTORY = "budget.estimate_history"


async def estimate_history(uow: UnitOfWork, project_id: str) -> list[EstimateRevision]:
    """The project's approved estimates in revision order, read once per transaction (`add_revision` adds to it)."""
    return await rows_once(
        uow.session,
        HISTORY,
        project_id,
        sa.select(EstimateRevision)
        .where(col(EstimateRevision.project_id) == project_id)
        .order_by(col(EstimateRevision.revision)),
    )


def add_revision(uow: UnitOfWork, revision: EstimateRevision) -> None:
    """A new revision of an estimate whose history this transaction has read: written, and in that history."""
    uow.session.add(revision)
    transaction_cache(uow.session, HISTORY).setdefault(revision.project_id, []).append(revision)


async def shares_of(uow: UnitOfWork, project_id: str) -> list[CostShare]:
    rows = await uow.session.scalars(
        sa.select(CostShare).where(col(CostShare.project_id) == project_id).order_by(col(CostShare.id))
    )
    return list(rows.all())


async def active_findings(uow: UnitOfWork, project: BudgetProject) -> list[SupervisionFinding]:
    """Open findings against the project, and against its unit as a whole (catalog keys those by the
    finding's own id): a unit whose finding reached 'suspended' gets no money for any of its projects,
    as review defers all of its plan entries (dazhou:第五十三条)."""
    against_unit = sa.and_(
        col(SupervisionFinding.unit) == project.unit,
        col(SupervisionFinding.project_id) == col(SupervisionFinding.finding_id),
    )
    rows = await uow.session.scalars(
        sa.select(SupervisionFinding).where(
            sa.or_(col(SupervisionFinding.project_id) == project.project_id, against_unit),
            col(SupervisionFinding.resolved_on).is_(None),
        )
    )
    return list(rows.all())


async def adjustments_of(uow: UnitOfWork, project_id: str) -> list[Adjustment]:
    rows = await uow.session.scalars(
        sa.select(Adjustment)
        .where(col(Adjustment.project_id) == project_id)
        .order_by(col(Adjustment.requested_at), col(Adjustment.id))
    )
    return list(rows.all())


async def budget_totals(uow: UnitOfWork, year: int, jurisdiction: str | None) -> dict:
    """Per-jurisdiction (by kind) and per-unit totals of a year's budget lines, for finance."""
    lines = AnnualBudgetLine
    where = [col(lines.year) == year] + ([col(lines.jurisdiction) == jurisdiction] if jurisdiction else [])
    by_kind = (
        await uow.session.execute(
            sa.select(col(lines.jurisdiction), col(lines.kind), sa.func.sum(col(lines.amount_fen)))
            .where(*where)
            .group_by(col(lines.jurisdiction), col(lines.kind))
            .order_by(col(lines.jurisdiction), col(lines.kind))
        )
    ).all()
    by_unit = (
        await uow.session.execute(
            sa.select(col(lines.jurisdiction), col(lines.unit), sa.func.sum(col(lines.amount_fen)))
            .where(*where)
            .group_by(col(lines.jurisdiction), col(lines.unit))
            .order_by(col(lines.jurisdiction), col(lines.unit))
        )
    ).all()
    jurisdictions: dict[str, dict] = {}
    for name, kind, total in by_kind:
        entry = jurisdictions.setdefault(name, {"jurisdiction": name, "total_fen": 0, "by_kind": {}})
        entry["by_kind"][kind] = int(total)
        entry["total_fen"] += int(total)
    return {
        "year": year,
        "jurisdictions": list(jurisdictions.values()),
        "units": [{"jurisdiction": j, "unit": u, "total_fen": int(t)} for j, u, t in by_unit],
    }


async def deadlines_of(uow: UnitOfWork, project_id: str) -> list[dict]:
    deadlines = uow.schema.deadlines
    rows = await uow.session.execute(
        sa.select(deadlines).where(deadlines.c.subject == project_id).order_by(deadlines.c.id)
    )
    return [dict(row) for row in rows.mappings()]


async def project_page(
    uow: UnitOfWork, *, unit: str | None, jurisdiction: str | None, stage: str | None, cursor: str | None, limit: int
) -> list[BudgetProject]:
    """One page of projects plus one row (to tell whether another page follows); `unit` narrows to one unit."""
    query = sa.select(BudgetProject).order_by(BudgetProject.project_id).limit(limit + 1)
    if jurisdiction:
        query = query.where(col(BudgetProject.jurisdiction) == jurisdiction)
    if stage:
        query = query.where(col(BudgetProject.stage) == stage)
    if cursor:
        query = query.where(col(BudgetProject.project_id) > cursor)
    if unit:
        query = query.where(col(BudgetProject.unit) == unit)
    return list((await uow.session.scalars(query)).all())


async def budget_line_page(
    uow: UnitOfWork, *, year: int | None, jurisdiction: str | None, unit: str | None, cursor: str | None, limit: int
) -> list[AnnualBudgetLine]:
    query = sa.select(AnnualBudgetLine).order_by(AnnualBudgetLine.id).limit(limit + 1)
    for column, value in ((col(AnnualBudgetLine.year), year), (col(AnnualBudgetLine.jurisdiction), jurisdiction)):
        if value is not None:
            query = query.where(column == value)
    if unit:
        query = query.where(col(AnnualBudgetLine.unit) == unit)
    if cursor:
        query = query.where(col(AnnualBudgetLine.id) > cursor)
    return list((await uow.session.scalars(query)).all())


async def om_budget_page(
    uow: UnitOfWork,
    *,
    funding_year: int | None,
    status: str | None,
    unit: str | None,
    cursor: str | None,
    limit: int,
) -> list[OmBudget]:
    query = sa.select(OmBudget).order_by(OmBudget.id).limit(limit + 1)
    if funding_year is not None:
        query = query.where(col(OmBudget.funding_year) == funding_year)
    if status:
        query = query.where(col(OmBudget.status) == status)
    if unit:
        query = query.where(col(OmBudget.unit) == unit)
    if cursor:
        query = query.where(col(OmBudget.id) > cursor)
    return list((await uow.session.scalars(query)).all())


async def data_operation_payment(uow: UnitOfWork, task_id: str) -> DataOperationPayment:
    payment = await uow.session.get(DataOperationPayment, task_id)
    if payment is None:
        raise not_found("data-operation payment", task_id)
    return payment
