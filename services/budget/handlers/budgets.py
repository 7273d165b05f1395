"""Budget lines beside projects: annual budgets, O&M budgets, public data-operation payments."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import col

from services.budget import domain
from services.budget.handlers.common import (
    pack_of,
    record_all,
    refuse,
)
from services.budget.metrics import (
    DATA_OPERATION_PAID_YUAN,
    OM_APPROVED_YUAN,
)
from services.budget.queries import (
    load,
)
from services.budget.tables import (
    AnnualBudgetLine,
    BudgetProject,
    CatalogSystem,
    DataOperationPayment,
    OmBudget,
)
from shared import clock
from shared.auth import Principal, ensure_unit_access
from shared.contracts.budget import (
    DataOperationPaid,
    OmBudgetApproved,
)
from shared.errors import Problem, bad_request, conflict, not_found, wrong_stage
from shared.ids import new_id
from shared.locking import locked
from shared.uow import UnitOfWork

# --- annual budgets ----------------------------------------------------------------------------------------


async def add_budget_line(
    uow: UnitOfWork,
    *,
    year: int,
    jurisdiction: str | None,
    unit: str | None,
    project_id: str | None,
    kind: str,
    amount_fen: int,
    reference: str,
    principal: Principal,
) -> AnnualBudgetLine:
    """A line of a year's budget: preparatory funds first, the supplement after the budget review
    (第二十九条), mid-year additions (第三十四条); a project's lines stay under its estimate (第二十八条)."""
    project = await load(uow, project_id, for_update=True) if project_id else None
    if project is not None:
        jurisdiction, unit = project.jurisdiction, project.unit
    if not jurisdiction or not unit:
        raise bad_request("a budget line without a project names its jurisdiction and unit", field="unit")
    pack = pack_of(jurisdiction)
    lines_total = ceiling = None
    if project is not None:
        existing = await uow.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(col(AnnualBudgetLine.amount_fen)), 0)).where(
                col(AnnualBudgetLine.project_id) == project.project_id, col(AnnualBudgetLine.kind) != "om"
            )
        )
        if kind != "om":
            lines_total = int(existing or 0) + amount_fen  # coalesce makes it 0 already
            ceiling = project.estimate_fen if project.estimate_fen is not None else project.approved_investment_fen
    decisions = domain.budget_line_decisions(
        pack,
        kind=kind,
        budget_review_completed=project is not None and project.control_price_approved_on is not None,
        plan_adjustment_reference=bool(reference.strip()),
        project_lines_total_fen=lines_total,
        ceiling_fen=ceiling,
    )
    if domain.failed(decisions):
        raise refuse(domain.failed(decisions))
    line = AnnualBudgetLine(
        id=new_id("BL"),
        year=year,
        jurisdiction=jurisdiction,
        unit=unit,
        project_id=project_id,
        kind=kind,
        amount_fen=amount_fen,
        reference=reference,
        created_by=principal.subject,
        created_at=clock.now(),
    )
    uow.session.add(line)
    subject = project_id or f"{jurisdiction}:{unit}"
    await record_all(uow, decisions, subject=subject, action="budget_line.added", actor=principal)
    await uow.audit(
        subject=subject,
        action="budget_line.added",
        actor=principal,
        detail={"line": line.id, "kind": kind, "year": year},
    )
    return line


# --- O&M budgets -------------------------------------------------------------------------------------------


async def _om_facts(
    uow: UnitOfWork,
    system: CatalogSystem | None,
    funding_year: int,
    om_type: str,
    reassessed: bool,
    ends_on: date | None,
) -> domain.OmFacts:
    project = await uow.session.get(BudgetProject, system.project_id) if system is not None else None
    return domain.OmFacts(
        funding_year=funding_year,
        submitted_on=clock.today(),
        om_type=om_type,
        reassessed=reassessed,
        in_system_catalog=system is not None and system.state == "registered",
        # failures found at acceptance, and those catalog reports live afterwards (dazhou:第五十七条)
        failed_acceptance_items=tuple(
            dict.fromkeys(
                [*(project.failed_acceptance_items if project else []), *(system.security_failures if system else [])]
            )
        ),
        project_accepted=bool(project and project.accepted),
        free_maintenance_ends_on=ends_on,
    )


async def request_om_budget(
    uow: UnitOfWork,
    *,
    system_id: str,
    jurisdiction: str,
    funding_year: int,
    om_type: str,
    amount_fen: int,
    reassessed: bool,
    free_maintenance_ends_on: date | None,
    principal: Principal,
) -> OmBudget:
    """O&M money for a system: requested in time (第三十二条), re-assessed when continued, only for a system in
    the catalog (第二十一条) that does not fail crypto or security (第五十七条)."""
    system = await uow.session.get(CatalogSystem, system_id)
    if system is not None:
        ensure_unit_access(principal, system.unit)
        jurisdiction = system.jurisdiction or jurisdiction
    pack = pack_of(jurisdiction)
    missing = domain.om_timing_missing(pack, free_maintenance_ends_on)
    if missing:
        raise bad_request(f"{pack.id}'s O&M rule needs {', '.join(missing)}", field=missing[0])
    facts = await _om_facts(uow, system, funding_year, om_type, reassessed, free_maintenance_ends_on)
    decisions = domain.om_decisions(pack, facts)
    if domain.failed(decisions):
        raise refuse(domain.failed(decisions))
    if system is None:  # the catalog rule passed only if the system is known; kept for the type checker
        raise not_found("system in the catalog", system_id)
    budget = OmBudget(
        id=new_id("OM"),
        system_id=system_id,
        project_id=system.project_id,
        unit=system.unit,
        jurisdiction=jurisdiction,
        funding_year=funding_year,
        om_type=om_type,
        amount_fen=amount_fen,
        reassessed=reassessed,
        free_maintenance_ends_on=free_maintenance_ends_on,
        requested_by=principal.subject,
        requested_at=clock.now(),
    )
    uow.session.add(budget)
    await record_all(uow, decisions, subject=system.project_id, action="om_budget.requested", actor=principal)
    await uow.audit(
        subject=system.project_id,
        action="om_budget.requested",
        actor=principal,
        detail={"om_budget_id": budget.id, "system_id": system_id, "amount_fen": amount_fen},
    )
    return budget


async def approve_om_budget(uow: UnitOfWork, om_budget_id: str, principal: Principal) -> OmBudget:
    """Finance arranges the money (第三十三条), re-checking the catalog and security standing of today."""
    budget = await locked(uow.session, OmBudget, om_budget_id)
    if budget is None:
        raise not_found("O&M budget request", om_budget_id)
    if budget.status != "requested":
        raise wrong_stage(om_budget_id, budget.status, "requested", "approve the O&M budget")
    system = await uow.session.get(CatalogSystem, budget.system_id)
    pack = pack_of(budget.jurisdiction)
    facts = await _om_facts(uow, system, budget.funding_year, budget.om_type, budget.reassessed, None)
    decisions = domain.om_decisions(pack, facts, at_request=False)
    if domain.failed(decisions):
        raise refuse(domain.failed(decisions))
    await record_all(uow, decisions, subject=budget.project_id, action="om_budget.approved", actor=principal)
    budget.status, budget.approved_by, budget.approved_at = "approved", principal.subject, clock.now()
    uow.session.add(
        AnnualBudgetLine(
            id=new_id("BL"),
            year=budget.funding_year,
            jurisdiction=budget.jurisdiction,
            unit=budget.unit,
            project_id=budget.project_id,
            kind="om",
            amount_fen=budget.amount_fen,
            reference=budget.id,
            created_by=principal.subject,
            created_at=budget.approved_at,
        )
    )
    await uow.audit(
        subject=budget.project_id, action="om_budget.approved", actor=principal, detail={"om_budget_id": budget.id}
    )
    await uow.emit(
        OmBudgetApproved(
            project_id=budget.project_id,
            om_budget_id=budget.id,
            system_id=budget.system_id,
            unit=budget.unit,
            jurisdiction=budget.jurisdiction,
            funding_year=budget.funding_year,
            amount_fen=budget.amount_fen,
        )
    )
    OM_APPROVED_YUAN.labels(budget.jurisdiction).inc(budget.amount_fen / 100)
    return budget


# --- public data-operation payments ------------------------------------------------------------------------


async def pay_data_operation_task(
    uow: UnitOfWork,
    *,
    task_id: str,
    operator_id: str,
    jurisdiction: str,
    amount_fen: int,
    accepted_on: date | None,
    check: dict | None,
    principal: Principal,
) -> DataOperationPayment:
    """Pay a data-operation service task once, after its acceptance and the third-party check of the amount,
    for no more than the confirmed amount (先用后付、按实结算, fengxian:第三十五条,第三十六条)."""
    pack = pack_of(jurisdiction)
    if not pack.has(domain.DATA_OPERATION_PAYMENT):
        raise Problem(
            422,
            "not-applicable",
            "本辖区规则无公共数据运营服务费支付 / No public data-operation payments in this jurisdiction's rules",
            f"pack {pack.id} has no rule {domain.DATA_OPERATION_PAYMENT}",
        )
    paid = await uow.session.get(DataOperationPayment, task_id)
    if paid is not None:
        raise conflict(f"task {task_id} was already paid ({paid.payment_id})", payment_id=paid.payment_id)
    decisions = domain.data_operation_decisions(
        pack,
        accepted=accepted_on is not None,
        third_party_confirmed=check is not None,
        amount_fen=amount_fen,
        confirmed_amount_fen=check["confirmed_amount_fen"] if check else 0,
    )
    if domain.failed(decisions):
        raise refuse(domain.failed(decisions))
    assert accepted_on is not None and check is not None
    payment = DataOperationPayment(
        task_id=task_id,
        payment_id=new_id("DOP"),
        jurisdiction=jurisdiction,
        operator_id=operator_id,
        amount_fen=amount_fen,
        confirmed_amount_fen=check["confirmed_amount_fen"],
        accepted_on=accepted_on,
        checked_on=check["checked_on"],
        check_reference=check["reference"],
        paid_by=principal.subject,
        paid_at=clock.now(),
    )
    uow.session.add(payment)
    await record_all(uow, decisions, subject=task_id, action="data_operation.paid", actor=principal)
    await uow.audit(
        subject=task_id,
        action="data_operation.paid",
        actor=principal,
        detail={"payment_id": payment.payment_id, "amount_fen": amount_fen, "operator_id": operator_id},
    )
    await uow.emit(
        DataOperationPaid(
            project_id=task_id,
            payment_id=payment.payment_id,
            task_id=task_id,
            operator_id=operator_id,
            jurisdiction=jurisdiction,
            amount_fen=amount_fen,
            paid_on=payment.paid_at.date(),
        )
    )
    DATA_OPERATION_PAID_YUAN.labels(jurisdiction).inc(amount_fen / 100)
    return payment
