"""Commands from the procurement plan to the award: plan filing and review, tenders, suppliers, bids."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from services.procurement import domain
from services.procurement.domain import Action
from services.procurement.handlers.common import (
    date_problem,
    ensure_open,
    ensure_role,
    masked,
    pack_of,
    record,
    refuse,
    unknown_supplier,
)
from services.procurement.metrics import (
    TENDERS,
)
from services.procurement.queries import (
    load,
    plan_of,
    supplier,
)
from services.procurement.schemas import (
    AwardCreate,
    BidCreate,
    Method,
    PlanCreate,
    SupplierCreate,
    TenderCreate,
)
from services.procurement.tables import (
    Award,
    Bid,
    ProcurementPlan,
    ProcurementProject,
    Supplier,
    Tender,
)
from shared import clock
from shared.auth import Principal
from shared.contracts.procurement import (
    PlanFiled,
    TenderAwarded,
)
from shared.errors import Problem, Violation, conflict, not_found, rule_violations
from shared.ids import new_id
from shared.locking import locked
from shared.uow import UnitOfWork


async def file_plan(uow: UnitOfWork, project_id: str, command: PlanCreate, principal: Principal) -> ProcurementPlan:
    """采购计划备案 (dazhou:第四十条) with the approval, estimate and control price as inputs (第三十九条)."""
    project = await load(uow, project_id, for_update=True)
    await ensure_open(uow, project, "plan")
    if await plan_of(uow, project) is not None:
        raise conflict(f"cycle {project.cycle} of project {project_id} already has a filed plan", cycle=project.cycle)
    pack = pack_of(project)
    next_stage = domain.transition(project.stage, Action.FILE_PLAN, subject=project_id, pack=pack)
    control = project.control_price_fen or command.control_price_fen
    budget = command.budget_fen or control or project.ceiling_fen
    decisions = domain.plan_decisions(
        pack,
        estimate_fen=project.ceiling_fen,
        budget_fen=budget,
        control_price_fen=control,
        above_procurement_limit=command.above_procurement_limit,
    )
    refuse(decisions)
    route = domain.organiser(
        pack,
        unit_is_soe=command.unit_is_soe,
        above_procurement_limit=command.above_procurement_limit,
        in_annual_plan=command.in_annual_plan,
    )
    decisions.append(route)
    reviews = domain.plan_reviews(pack)
    decisions += reviews
    method = command.method
    if route.value["path"] == "central_volume_procurement":
        method = Method.CENTRAL_VOLUME
    elif route.value["path"] == "soe_self_organised" and method == Method.OPEN_TENDER:
        method = Method.SELF_ORGANISED
    assert budget is not None  # the plan's budget is a stored amount: filed, or the control price or ceiling
    plan = ProcurementPlan(
        id=new_id("PP"),
        project_id=project_id,
        cycle=project.cycle,
        method=method.value,
        budget_fen=budget,
        control_price_fen=control,
        route=route.value["path"],
        steps=[step for review in reviews for step in review.value["steps"]] + list(route.value["steps"]),
        unit_is_soe=command.unit_is_soe,
        above_procurement_limit=command.above_procurement_limit,
        in_annual_plan=command.in_annual_plan,
        major_project=command.major_project,
        supervisor=command.supervisor,
        filed_on=command.filed_on or clock.today(),
        filed_by=principal.subject,
        filed_at=clock.now(),
    )
    uow.session.add(plan)
    if command.control_price_fen is not None and project.control_price_fen is None:
        project.control_price_fen = command.control_price_fen
    project.stage = next_stage
    project.updated_at = plan.filed_at
    await record(uow, decisions, project_id, "plan", principal)
    await uow.audit(
        subject=project_id, action="plan.filed", actor=principal, detail={"plan_id": plan.id, "route": plan.route}
    )
    await uow.emit(
        PlanFiled(
            project_id=project_id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            cycle=plan.cycle,
            method=plan.method,
            route=plan.route,
            budget_fen=plan.budget_fen,
            filed_on=plan.filed_on,
        )
    )
    return plan


def pending_reviews(plan: ProcurementPlan) -> list[str]:
    return list(plan.steps[:-1][plan.reviews_done :])


async def review_plan(
    uow: UnitOfWork,
    project_id: str,
    approve: bool,
    comment: str,
    principal: Principal,
    method: Method | None = None,
) -> ProcurementPlan | None:
    """A review step of the plan before the tender (jiyuan: the leading-group office reviews the bundle;
    fengxian:第五条: finance decides the method, then the bureau reviews the tender documents). The acting role
    is checked against the step and the step's own rule; each review is recorded with that rule."""
    project = await load(uow, project_id, for_update=True)
    plan = await plan_of(uow, project)
    if plan is None:
        raise domain.refusal(project_id, project.stage, Action.RETURN_PLAN)
    pending = pending_reviews(plan)
    if not pending:
        raise conflict(f"the plan of project {project_id} needs no (further) review")
    pack = pack_of(project)
    rule_id = domain.review_rule(pack, pending[0])
    citation = pack.rule(rule_id).citation
    ensure_role(principal, pending[0], citation, "the next plan review")
    if rule_id == domain.METHOD_RULE and approve:
        if method is None:
            raise rule_violations(
                [
                    Violation(
                        rule_id=rule_id,
                        citation=citation,
                        message_zh="区财政局审核采购计划时须确定采购方式",
                        message_en="finance decides the procurement method when it reviews the plan",
                        field="method",
                    )
                ]
            )
        plan.method = method.value
    if rule_id != domain.ORGANISER_RULE:
        await record(uow, [pack.decide(rule_id, {})], project_id, "plan.review", principal)
    await uow.audit(
        subject=project_id,
        action=f"plan.review.{pending[0]}.{'approved' if approve else 'returned'}",
        actor=principal,
        detail={"comment": comment, "method": plan.method, "rule_id": rule_id},
    )
    if not approve:
        # returned for revision: the unit files the plan again
        await uow.session.delete(plan)
        project.stage = domain.transition(project.stage, Action.RETURN_PLAN, subject=project_id)
        project.updated_at = clock.now()
        return None
    plan.reviews_done += 1
    return plan


async def organiser_guard(
    uow: UnitOfWork, project: ProcurementProject, plan: ProcurementPlan, principal: Principal, what: str
) -> None:
    citation = pack_of(project).rule(domain.ORGANISER_RULE).citation
    pending = pending_reviews(plan)
    if pending:
        raise conflict(
            f"the procurement plan still awaits the review of '{pending[0]}' ({citation})",
            citation=citation,
            next_step=pending[0],
        )
    ensure_role(principal, plan.steps[-1], citation, what)


async def publish_tender(uow: UnitOfWork, project_id: str, command: TenderCreate, principal: Principal) -> Tender:
    project = await load(uow, project_id, for_update=True)
    await ensure_open(uow, project, "tender")
    pack = pack_of(project)
    next_stage = domain.transition(project.stage, Action.PUBLISH_TENDER, subject=project_id, pack=pack)
    plan = await plan_of(uow, project)
    decisions = domain.tender_decisions(
        pack, plan_filed=plan is not None, ceiling_fen=command.ceiling_fen, estimate_fen=project.ceiling_fen
    )
    if domain.blocking(decisions):
        TENDERS.labels(project.jurisdiction, "refused").inc()
        refuse(decisions)
    assert plan is not None  # the plan-filing rule refused otherwise
    await organiser_guard(uow, project, plan, principal, "publishing the tender")
    if pack.has(domain.METHOD_RULE) and command.method is not None and command.method.value != plan.method:
        raise rule_violations(
            [
                Violation(
                    rule_id=domain.METHOD_RULE,
                    citation=pack.rule(domain.METHOD_RULE).citation,
                    message_zh=f"招标方式须为区财政局确定的采购方式（{plan.method}）",
                    message_en=f"the tender uses the method finance decided ({plan.method})",
                    field="method",
                )
            ]
        )
    tender = Tender(
        id=new_id("T"),
        project_id=project_id,
        cycle=project.cycle,
        title=command.title,
        method=(command.method or Method(plan.method)).value,
        ceiling_fen=command.ceiling_fen,
        published_on=command.published_on,
        bid_deadline=command.bid_deadline,
        published_by=principal.subject,
        published_at=clock.now(),
    )
    uow.session.add(tender)
    project.stage = next_stage
    project.updated_at = tender.published_at
    await record(uow, decisions, project_id, "tender", principal)
    await uow.audit(subject=project_id, action="tender.published", actor=principal, detail={"tender_id": tender.id})
    TENDERS.labels(project.jurisdiction, "published").inc()
    return tender


async def register_supplier(uow: UnitOfWork, command: SupplierCreate, principal: Principal) -> Supplier:
    existing = await uow.session.scalar(sa.select(Supplier).where(col(Supplier.credit_code) == command.credit_code))
    if existing is not None:
        raise conflict(f"supplier with credit code {command.credit_code} exists", supplier_id=existing.id)
    row = Supplier(
        id=new_id("S"),
        name=command.name,
        credit_code=command.credit_code,
        registered_by=principal.subject,
        registered_at=clock.now(),
    )
    uow.session.add(row)
    await uow.audit(subject=row.id, action="supplier.registered", actor=principal, detail={"name": row.name})
    return row


async def load_tender(uow: UnitOfWork, tender_id: str) -> tuple[Tender, ProcurementProject, ProcurementPlan]:
    tender = await locked(uow.session, Tender, tender_id)
    if tender is None:
        raise not_found("tender", tender_id)
    project = await load(uow, tender.project_id, for_update=True)
    plan = await plan_of(uow, project)
    if tender.cycle != project.cycle or plan is None:
        raise conflict(f"tender {tender_id} belongs to an earlier procurement cycle", cycle=tender.cycle)
    return tender, project, plan


async def record_bid(uow: UnitOfWork, tender_id: str, command: BidCreate, principal: Principal) -> Bid:
    tender, project, plan = await load_tender(uow, tender_id)
    await ensure_open(uow, project, "tender")
    await organiser_guard(uow, project, plan, principal, "recording bids")
    if tender.status != "open":
        raise conflict(f"tender {tender_id} is {tender.status}", tender_status=tender.status)
    citation = pack_of(project).rule(domain.INPUTS_RULE).citation
    if await supplier(uow, command.supplier_id) is None:
        raise unknown_supplier(command.supplier_id, f"supplier {command.supplier_id} is not registered", citation)
    if not tender.published_on <= command.submitted_on <= tender.bid_deadline:
        raise date_problem(
            "submitted_on", f"a bid is submitted between {tender.published_on} and the deadline {tender.bid_deadline}"
        )
    if command.amount_fen > tender.ceiling_fen:
        raise Problem(
            422,
            "bid-above-ceiling",
            "投标报价超过招标最高限价 / Bid above the tender's maximum price",
            f"bid {command.amount_fen} fen is above the maximum price {tender.ceiling_fen} fen",
            field="amount_fen",
        )
    duplicate = await uow.session.scalar(
        sa.select(col(Bid.id)).where(col(Bid.tender_id) == tender_id, col(Bid.supplier_id) == command.supplier_id)
    )
    if duplicate is not None:
        raise conflict(f"supplier {command.supplier_id} already bid in tender {tender_id}", bid_id=duplicate)
    bid = Bid(
        id=new_id("B"),
        tender_id=tender_id,
        supplier_id=command.supplier_id,
        amount_fen=command.amount_fen,
        submitted_on=command.submitted_on,
        recorded_by=principal.subject,
        recorded_at=clock.now(),
    )
    uow.session.add(bid)
    await uow.audit(subject=project.project_id, action="bid.recorded", actor=principal, detail={"bid_id": bid.id})
    return bid


async def award_tender(uow: UnitOfWork, tender_id: str, command: AwardCreate, principal: Principal) -> Award:
    tender, project, plan = await load_tender(uow, tender_id)
    await ensure_open(uow, project, "award")
    await organiser_guard(uow, project, plan, principal, "awarding the tender")
    if tender.status != "open":
        raise conflict(f"tender {tender_id} is {tender.status}", tender_status=tender.status)
    citation = pack_of(project).rule(domain.INPUTS_RULE).citation
    bid = await uow.session.scalar(
        sa.select(Bid).where(col(Bid.tender_id) == tender_id, col(Bid.supplier_id) == command.supplier_id)
    )
    if bid is None:
        raise unknown_supplier(
            command.supplier_id,
            f"supplier {command.supplier_id} did not bid in tender {tender_id}; an award goes to a bidder",
            citation,
        )
    if command.awarded_on < tender.bid_deadline:
        raise date_problem("awarded_on", f"the award comes after the bid deadline {tender.bid_deadline}")
    decisions = domain.ceiling_decisions(pack_of(project), bid.amount_fen, project.ceiling_fen)
    refuse(decisions)
    award = Award(
        id=new_id("A"),
        tender_id=tender_id,
        project_id=project.project_id,
        cycle=project.cycle,
        supplier_id=bid.supplier_id,
        amount_fen=bid.amount_fen,
        awarded_on=command.awarded_on,
        awarded_by=principal.subject,
        awarded_at=clock.now(),
    )
    uow.session.add(award)
    tender.status = "awarded"
    project.stage = domain.transition(project.stage, Action.AWARD, subject=project.project_id)
    project.updated_at = award.awarded_at
    await record(uow, decisions, project.project_id, "award", principal)
    await uow.audit(subject=project.project_id, action="tender.awarded", actor=principal, detail={"award_id": award.id})
    winner = await supplier(uow, bid.supplier_id)
    await uow.emit(
        TenderAwarded(
            project_id=project.project_id,
            tender_id=tender_id,
            award_id=award.id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            supplier=masked(project, winner.name if winner else ""),
            amount_fen=award.amount_fen,
            awarded_on=award.awarded_on,
        )
    )
    return award
