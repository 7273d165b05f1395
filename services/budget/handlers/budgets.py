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
from services.budget.om import (
    OmFacts,
    om_decisions,
    om_next_step,
    om_review_steps,
    om_stop,
    om_timing_missing,
    om_unified_tender,
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
from shared.auth import Principal, Role, ensure_unit_access
from shared.contracts.budget import (
    DataOperationPaid,
    OmBudgetApproved,
    OmBudgetStopped,
)
from shared.errors import Problem, bad_request, conflict, forbidden, not_found, wrong_stage
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
    amount_fen: int,
) -> OmFacts:
    project = await uow.session.get(BudgetProject, system.project_id) if system is not None else None
    previous = 0
    if system is not None:
        previous = (
            await uow.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(col(OmBudget.amount_fen)), 0)).where(
                    col(OmBudget.system_id) == system.system_id,
                    col(OmBudget.funding_year) == funding_year - 1,
                    col(OmBudget.status) == "approved",
                )
            )
            or 0
        )
    return OmFacts(
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
        amount_fen=amount_fen,
        evaluation_kind=system.evaluation_kind if system else None,
        evaluation_passed=system.evaluation_passed if system else None,
        previous_om_amount_fen=int(previous or 0),
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
    the catalog (第二十一条) that does not fail crypto or security (第五十七条), and no more than the year before
    after a failed evaluation (第五十二条)."""
    system = await uow.session.get(CatalogSystem, system_id)
    if system is not None:
        ensure_unit_access(principal, system.unit)
        jurisdiction = system.jurisdiction or jurisdiction
    pack = pack_of(jurisdiction)
    missing = om_timing_missing(pack, free_maintenance_ends_on)
    if missing:
        raise bad_request(f"{pack.id}'s O&M rule needs {', '.join(missing)}", field=missing[0])
    facts = await _om_facts(uow, system, funding_year, om_type, reassessed, free_maintenance_ends_on, amount_fen)
    decisions = om_decisions(pack, facts)
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
    """Review O&M money along the pack's route: finance arranges it (dazhou:第三十三条), or the bureau reviews
    first and finance arranges it after (fengxian:第二十九条; jiyuan:职责,运行维护); each step re-checks the
    catalog, security and evaluation standing of today."""
    budget = await locked(uow.session, OmBudget, om_budget_id)
    if budget is None:
        raise not_found("O&M budget request", om_budget_id)
    pack = pack_of(budget.jurisdiction)
    route, steps = om_review_steps(pack)
    step = om_next_step(steps, budget.status)
    if step is None:
        raise wrong_stage(om_budget_id, budget.status, "requested", "approve the O&M budget")
    if not principal.has(Role(step)):
        citation = route.citation if route is not None else None
        raise forbidden(
            f"the O&M budget {om_budget_id} waits for {step} ({' → '.join(steps)}, {citation or 'finance'})",
            citation=citation,
            waiting_for=step,
        )
    system = await uow.session.get(CatalogSystem, budget.system_id)
    facts = await _om_facts(
        uow, system, budget.funding_year, budget.om_type, budget.reassessed, None, budget.amount_fen
    )
    decisions = om_decisions(pack, facts, at_request=False)
    if domain.failed(decisions):
        raise refuse(domain.failed(decisions))
    if route is not None:
        decisions.append(route)
    last = step == steps[-1]
    action = "om_budget.approved" if last else "om_budget.reviewed"
    if step == "data_bureau":
        tender = om_unified_tender(pack)
        if tender is not None:  # the bureau takes the reviewed request into the year's unified tender
            decisions.append(tender)
            budget.unified_tender = True
    await record_all(uow, decisions, subject=budget.project_id, action=action, actor=principal)
    now = clock.now()
    if not last:
        budget.status, budget.reviewed_by, budget.reviewed_at = "reviewed", principal.subject, now
        await uow.audit(subject=budget.project_id, action=action, actor=principal, detail={"om_budget_id": budget.id})
        return budget
    budget.status, budget.approved_by, budget.approved_at = "approved", principal.subject, now
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
            created_at=now,
        )
    )
    await uow.audit(subject=budget.project_id, action=action, actor=principal, detail={"om_budget_id": budget.id})
    await uow.emit(
        OmBudgetApproved(
            project_id=budget.project_id,
            om_budget_id=budget.id,
            system_id=budget.system_id,
            unit=budget.unit,
            jurisdiction=budget.jurisdiction,
            funding_year=budget.funding_year,
            amount_fen=budget.amount_fen,
            unified_tender=budget.unified_tender,
        )
    )
    OM_APPROVED_YUAN.labels(budget.jurisdiction).inc(budget.amount_fen / 100)
    return budget


async def stop_om_budgets(uow: UnitOfWork, system: CatalogSystem, *, reason: str, stopped_on: date) -> None:
    """A system that stopped being used stops its O&M project (停止项目执行, fengxian:第二十二条): every O&M
    budget of the stop's year and later, requested or arranged, is stopped. Packs without the rule keep them."""
    if not system.jurisdiction:
        return
    decision = om_stop(pack_of(system.jurisdiction))
    if decision is None:
        return
    rows = await uow.session.scalars(
        sa.select(OmBudget)
        .where(
            col(OmBudget.system_id) == system.system_id,
            col(OmBudget.funding_year) >= stopped_on.year,
            col(OmBudget.status).in_(("requested", "reviewed", "approved")),
        )
        .order_by(OmBudget.id)
    )
    for budget in rows:
        previous, budget.status, budget.stopped_on = budget.status, "stopped", stopped_on
        await uow.record_decision(decision, subject=budget.project_id, action="om_budget.stopped", actor="system")
        await uow.audit(
            subject=budget.project_id,
            action="om_budget.stopped",
            actor="system",
            detail={"om_budget_id": budget.id, "reason": reason, "previous_status": previous},
        )
        await uow.emit(
            OmBudgetStopped(
                project_id=budget.project_id,
                om_budget_id=budget.id,
                system_id=budget.system_id,
                unit=budget.unit,
                jurisdiction=budget.jurisdiction,
                funding_year=budget.funding_year,
                amount_fen=budget.amount_fen,
                previous_status=previous,
                reason=reason,
                stopped_on=stopped_on,
                rule_id=decision.rule_id,
                citation=decision.citation,
            )
        )


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
