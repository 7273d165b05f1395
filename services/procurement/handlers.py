"""Procurement's commands and consumed events, each inside one unit of work (RULES.md §5)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa

from services.procurement import domain, ocds
from services.procurement.domain import Action, Stage
from services.procurement.metrics import (
    CONTRACTS,
    CONTRACTS_BY_ROUTE,
    PAST_CONSTRUCTION_DEADLINE,
    PROJECT_EVENTS,
    SUPPLEMENT_RATIO,
    SUPPLEMENTS,
    TENDERS,
)
from services.procurement.schemas import (
    AwardCreate,
    BidCreate,
    ContractCreate,
    IncidentCreate,
    Method,
    PlanCreate,
    RectificationOrder,
    SupplementCreate,
    SupplierCreate,
    TenderCreate,
    TerminationApproval,
)
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
from shared import clock
from shared.auth import Principal, Role
from shared.bus import Subscriptions
from shared.contracts.acceptance import TrialStarted
from shared.contracts.budget import ControlPriceApproved, EstimateApproved
from shared.contracts.catalog import FindingEscalated, FindingResolved
from shared.contracts.envelope import CloudEvent
from shared.contracts.procurement import (
    ContractSigned,
    PlanFiled,
    ProcedureRestarted,
    ProjectDelayed,
    ProjectResumed,
    ProjectSuspended,
    ProjectTerminated,
    SupplementApproved,
    SupplementRejected,
    TenderAwarded,
)
from shared.contracts.review import ProjectApproved
from shared.errors import Problem, Violation, conflict, forbidden, not_found, rule_violations, wrong_stage
from shared.locking import locked
from shared.policy import Decision, Pack, packs
from shared.uow import UnitOfWork

subscriptions = Subscriptions()

#: Live supplements count against the cap; refused ones do not.
LIVE_SUPPLEMENTS = ("pending_approval", "approved")


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def pack_of(project: ProcurementProject) -> Pack:
    return packs.get(project.jurisdiction)


async def record(uow: UnitOfWork, decisions: list[Decision], subject: str, action: str, actor) -> None:
    for decision in decisions:
        await uow.record_decision(decision, subject=subject, action=action, actor=actor)


def refuse(decisions: list[Decision]) -> None:
    failed = domain.blocking(decisions)
    if failed:
        raise rule_violations([Violation.from_decision(d) for d in failed])


def masked(project: ProcurementProject, text: str) -> str:
    """No content of a secret (涉密) project leaves the service (dazhou:第六十五条)."""
    return "" if project.secret else text


# --- consumed events -----------------------------------------------------------------------------


@subscriptions.on(ProjectApproved)
async def on_project_approved(uow: UnitOfWork, event: CloudEvent, payload: ProjectApproved) -> None:
    """The approval letter (立项批复) is an input of procurement (dazhou:第三十九条); keep its number and title."""
    project = await locked(uow.session, ProcurementProject, payload.project_id)
    now = clock.now()
    if project is None:
        project = ProcurementProject(
            project_id=payload.project_id,
            unit=payload.project.unit,
            jurisdiction=payload.project.jurisdiction,
            stage=domain.INITIAL,
            created_at=now,
            updated_at=now,
        )
        uow.session.add(project)
    project.title = payload.project.title
    project.secret = payload.project.secret
    project.approval_letter_no = payload.approval_letter_no
    project.updated_at = now


@subscriptions.on(EstimateApproved)
async def on_estimate_approved(uow: UnitOfWork, event: CloudEvent, payload: EstimateApproved) -> None:
    """The estimate is the ceiling; a revised estimate moves it, and after a restart opens the new cycle."""
    project = await locked(uow.session, ProcurementProject, payload.project_id)
    now = clock.now()
    if project is None:
        uow.session.add(
            ProcurementProject(
                project_id=payload.project_id,
                unit=payload.unit,
                jurisdiction=payload.jurisdiction,
                ceiling_fen=payload.estimate_fen,
                estimate_revision=payload.revision,
                created_at=now,
                updated_at=now,
            )
        )
        return
    if payload.revision < project.estimate_revision:
        return  # an older revision arriving late
    project.ceiling_fen = payload.estimate_fen
    project.jurisdiction = payload.jurisdiction
    newer = payload.revision > project.estimate_revision
    if domain.allows(project.stage, Action.APPROVE_ESTIMATE) and (project.stage != Stage.RESTARTED or newer):
        project.stage = domain.transition(project.stage, Action.APPROVE_ESTIMATE)
    project.estimate_revision = payload.revision
    project.updated_at = now


@subscriptions.on(ControlPriceApproved)
async def on_control_price_approved(uow: UnitOfWork, event: CloudEvent, payload: ControlPriceApproved) -> None:
    """招标控制价 reviewed by finance (dazhou:第三十八条): an input of the plan (dazhou:第三十九条)."""
    project = await locked(uow.session, ProcurementProject, payload.project_id)
    if project is None:
        return
    project.control_price_fen = payload.control_price_fen
    project.updated_at = clock.now()


@subscriptions.on(TrialStarted)
async def on_trial_started(uow: UnitOfWork, event: CloudEvent, payload: TrialStarted) -> None:
    """Construction is complete when the trial run starts; the construction deadline is met or late."""
    project = await locked(uow.session, ProcurementProject, payload.project_id)
    if project is None:
        return
    project.construction_completed_on = payload.started_on
    project.updated_at = clock.now()
    late = project.construction_due is not None and payload.started_on > project.construction_due
    await uow.close_deadline(subject=project.project_id, rule_id=domain.PERIOD_RULE, status="late" if late else "met")


@subscriptions.on(FindingEscalated)
async def on_finding_escalated(uow: UnitOfWork, event: CloudEvent, payload: FindingEscalated) -> None:
    """A supervision finding at `suspended` suspends the project, at `terminated` ends it (dazhou:第五十三条).
    A finding against the whole unit (catalog keys it by the finding's own id) reaches each of its projects."""
    if payload.step not in (domain.FINDING_SUSPENDS, domain.FINDING_TERMINATES):
        return
    for project_id in await _finding_targets(uow, payload.project_id, payload.finding_id, payload.unit):
        await _apply_finding(uow, event, payload, project_id)


async def _finding_targets(uow: UnitOfWork, subject: str, finding_id: str, unit: str) -> list[str]:
    if subject != finding_id:
        return [subject]
    rows = await uow.session.scalars(
        sa.select(ProcurementProject.project_id).where(
            ProcurementProject.unit == unit, ProcurementProject.stage.not_in(domain.TERMINAL)
        )
    )
    return list(rows.all())


async def _apply_finding(uow: UnitOfWork, event: CloudEvent, payload: FindingEscalated, project_id: str) -> None:
    project = await locked(uow.session, ProcurementProject, project_id)
    today = clock.today()
    if payload.step == domain.FINDING_SUSPENDS:
        existing = await uow.session.scalar(
            sa.select(Sanction).where(
                Sanction.project_id == project_id,
                Sanction.finding_id == payload.finding_id,
                Sanction.lifted_on.is_(None),
            )
        )
        if existing is not None:
            return
        uow.session.add(
            Sanction(
                project_id=project_id,
                cause="finding",
                finding_id=payload.finding_id,
                rule_id=payload.rule_id,
                citation=payload.citation,
                reason=f"supervision finding {payload.finding_id} ({payload.area}) not rectified",
                since=payload.escalated_on,
            )
        )
        await uow.audit(
            subject=project_id,
            action="project.suspended",
            actor="system",
            detail={"finding_id": payload.finding_id, "citation": payload.citation, "event": event.id},
        )
        if project is not None:
            await uow.emit(
                ProjectSuspended(
                    project_id=project.project_id,
                    unit=project.unit,
                    jurisdiction=project.jurisdiction,
                    cause="finding",
                    finding_id=payload.finding_id,
                    rule_id=payload.rule_id,
                    citation=payload.citation,
                    suspended_on=today,
                )
            )
            PROJECT_EVENTS.labels(project.jurisdiction, "suspended", "finding").inc()
        return
    if project is None or not domain.allows(project.stage, Action.TERMINATE):
        return
    await terminate(
        uow,
        project,
        cause="finding",
        rule_id=payload.rule_id,
        citation=payload.citation,
        actor="system",
        finding_id=payload.finding_id,
    )


@subscriptions.on(FindingResolved)
async def on_finding_resolved(uow: UnitOfWork, event: CloudEvent, payload: FindingResolved) -> None:
    """A rectified finding lifts its suspensions (of one project, or of each of the unit's); a project
    resumes when nothing else holds it."""
    rows = (
        await uow.session.scalars(
            sa.select(Sanction).where(Sanction.finding_id == payload.finding_id, Sanction.lifted_on.is_(None))
        )
    ).all()
    for row in rows:
        row.lifted_on = payload.resolved_on
    await uow.session.flush()
    for project_id in sorted({row.project_id for row in rows}):
        await uow.audit(
            subject=project_id,
            action="suspension.lifted",
            actor="system",
            detail={"finding_id": payload.finding_id},
        )
        project = await uow.session.get(ProcurementProject, project_id)
        if project is not None and not Stage(project.stage).terminal and not await active_sanctions(uow, project_id):
            await uow.emit(
                ProjectResumed(
                    project_id=project.project_id,
                    unit=project.unit,
                    jurisdiction=project.jurisdiction,
                    finding_id=payload.finding_id,
                    resumed_on=clock.today(),
                )
            )
            PROJECT_EVENTS.labels(project.jurisdiction, "resumed", "finding").inc()


# --- reads ---------------------------------------------------------------------------------------


async def load(uow: UnitOfWork, project_id: str, *, for_update: bool = False) -> ProcurementProject:
    if for_update:
        project = await locked(uow.session, ProcurementProject, project_id)
    else:
        project = await uow.session.get(ProcurementProject, project_id)
    if project is None or project.ceiling_fen is None:
        raise not_found("procurement project (project with an approved estimate)", project_id)
    return project


async def active_sanctions(uow: UnitOfWork, project_id: str) -> list[Sanction]:
    rows = await uow.session.scalars(
        sa.select(Sanction).where(Sanction.project_id == project_id, Sanction.lifted_on.is_(None)).order_by(Sanction.id)
    )
    return list(rows.all())


async def sanctions_of(uow: UnitOfWork, project_id: str) -> list[Sanction]:
    rows = await uow.session.scalars(sa.select(Sanction).where(Sanction.project_id == project_id).order_by(Sanction.id))
    return list(rows.all())


def status_of(project: ProcurementProject, active: list[Sanction]) -> str:
    if Stage(project.stage).terminal:
        return "terminated"
    return "suspended" if active else "active"


async def contracts_of(uow: UnitOfWork, project_id: str) -> list[Contract]:
    rows = await uow.session.scalars(
        sa.select(Contract).where(Contract.project_id == project_id).order_by(Contract.signed_on, Contract.id)
    )
    return list(rows.all())


async def plan_of(uow: UnitOfWork, project: ProcurementProject) -> ProcurementPlan | None:
    return await uow.session.scalar(
        sa.select(ProcurementPlan).where(
            ProcurementPlan.project_id == project.project_id, ProcurementPlan.cycle == project.cycle
        )
    )


async def plans_of(uow: UnitOfWork, project_id: str) -> list[ProcurementPlan]:
    rows = await uow.session.scalars(
        sa.select(ProcurementPlan).where(ProcurementPlan.project_id == project_id).order_by(ProcurementPlan.cycle)
    )
    return list(rows.all())


async def tenders_of(uow: UnitOfWork, project_id: str) -> list[Tender]:
    rows = await uow.session.scalars(
        sa.select(Tender).where(Tender.project_id == project_id).order_by(Tender.published_on, Tender.id)
    )
    return list(rows.all())


async def bids_of(uow: UnitOfWork, tender_id: str) -> list[Bid]:
    rows = await uow.session.scalars(
        sa.select(Bid).where(Bid.tender_id == tender_id).order_by(Bid.submitted_on, Bid.id)
    )
    return list(rows.all())


async def award_of(uow: UnitOfWork, tender_id: str) -> Award | None:
    return await uow.session.scalar(sa.select(Award).where(Award.tender_id == tender_id))


async def supplier(uow: UnitOfWork, supplier_id: str) -> Supplier | None:
    return await uow.session.get(Supplier, supplier_id)


async def supplements_of(uow: UnitOfWork, project_id: str) -> list[Supplement]:
    rows = await uow.session.scalars(
        sa.select(Supplement).where(Supplement.project_id == project_id).order_by(Supplement.requested_at)
    )
    return list(rows.all())


async def steps_of(uow: UnitOfWork, supplement_id: str) -> list[SupplementStep]:
    rows = await uow.session.scalars(
        sa.select(SupplementStep).where(SupplementStep.supplement_id == supplement_id).order_by(SupplementStep.position)
    )
    return list(rows.all())


async def incidents_of(uow: UnitOfWork, project_id: str) -> list[Incident]:
    rows = await uow.session.scalars(
        sa.select(Incident).where(Incident.project_id == project_id).order_by(Incident.reported_on, Incident.id)
    )
    return list(rows.all())


async def live_supplements_fen(uow: UnitOfWork, contract_id: str) -> int:
    total = await uow.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Supplement.amount_fen), 0)).where(
            Supplement.contract_id == contract_id, Supplement.status.in_(LIVE_SUPPLEMENTS)
        )
    )
    return int(total or 0)


# --- guards --------------------------------------------------------------------------------------


async def ensure_open(uow: UnitOfWork, project: ProcurementProject, action: str) -> None:
    """A terminated project takes no step (409); a suspended one is refused with the suspension's citation."""
    if Stage(project.stage).terminal:
        raise wrong_stage(project.project_id, project.stage, "not terminated", action)
    active = await active_sanctions(uow, project.project_id)
    if active:
        raise rule_violations(
            [
                Violation(
                    rule_id=s.rule_id,
                    citation=s.citation,
                    message_zh=f"项目已暂停建设（{s.reason or s.cause}），不得{ACTION_ZH.get(action, action)}",
                    message_en=f"the project is suspended ({s.reason or s.cause}); no {action} until it is lifted",
                    field="project",
                )
                for s in active
            ],
            detail=f"project {project.project_id} is suspended",
        )


ACTION_ZH = {
    "contract": "登记新合同",
    "supplement": "签订补充合同",
    "supplement approval": "审定补充合同",
    "tender": "发布招标",
    "plan": "备案采购计划",
    "award": "确定中标",
}


def ensure_role(principal: Principal, role: str, citation: str, what: str) -> None:
    if not principal.has(Role(role)):
        raise forbidden(
            f"{what} is for '{role}' ({citation}); your roles are {sorted(principal.roles)}",
            citation=citation,
            required_role=role,
        )


# --- procurement plan, tenders, bids, awards -----------------------------------------------------


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
    method = command.method
    if route.value["path"] == "central_volume_procurement":
        method = Method.CENTRAL_VOLUME
    elif route.value["path"] == "soe_self_organised" and method == Method.OPEN_TENDER:
        method = Method.SELF_ORGANISED
    plan = ProcurementPlan(
        id=new_id("PP"),
        project_id=project_id,
        cycle=project.cycle,
        method=method.value,
        budget_fen=budget,
        control_price_fen=control,
        route=route.value["path"],
        steps=list(route.value["steps"]),
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
    uow: UnitOfWork, project_id: str, approve: bool, comment: str, principal: Principal
) -> ProcurementPlan | None:
    """A review step of the plan before the tender (jiyuan: the leading-group office reviews the bundle)."""
    project = await load(uow, project_id, for_update=True)
    plan = await plan_of(uow, project)
    if plan is None:
        raise domain.refusal(project_id, project.stage, Action.RETURN_PLAN)
    pending = pending_reviews(plan)
    if not pending:
        raise conflict(f"the plan of project {project_id} needs no (further) review")
    citation = pack_of(project).rule(domain.ORGANISER_RULE).citation
    ensure_role(principal, pending[0], citation, "the next plan review")
    await uow.audit(
        subject=project_id,
        action=f"plan.review.{pending[0]}.{'approved' if approve else 'returned'}",
        actor=principal,
        detail={"comment": comment},
    )
    if not approve:
        # returned for revision: the unit files the plan again
        await uow.session.delete(plan)
        project.stage = domain.transition(project.stage, Action.RETURN_PLAN, subject=project_id)
        project.updated_at = clock.now()
        return None
    plan.reviews_done += 1
    return plan


async def organiser_guard(uow: UnitOfWork, project: ProcurementProject, plan: ProcurementPlan, principal, what: str):
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
    existing = await uow.session.scalar(sa.select(Supplier).where(Supplier.credit_code == command.credit_code))
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


def date_problem(field_name: str, detail: str) -> Problem:
    return Problem(422, "validation", "日期先后顺序不对 / Dates out of order", detail, field=field_name)


def unknown_supplier(supplier_id: str, detail: str, citation: str) -> Problem:
    return Problem(
        422,
        "unknown-supplier",
        "供应商不明 / Unknown supplier",
        detail,
        field="supplier_id",
        supplier_id=supplier_id,
        citation=citation,
    )


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
        sa.select(Bid.id).where(Bid.tender_id == tender_id, Bid.supplier_id == command.supplier_id)
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
        sa.select(Bid).where(Bid.tender_id == tender_id, Bid.supplier_id == command.supplier_id)
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


# --- contracts -----------------------------------------------------------------------------------


@dataclass
class Registered:
    contract: Contract
    warnings: list[str] = field(default_factory=list)


async def register_contract(
    uow: UnitOfWork, project_id: str, command: ContractCreate, principal: Principal
) -> Registered:
    project = await load(uow, project_id, for_update=True)
    await ensure_open(uow, project, "contract")
    pack = pack_of(project)
    next_stage = domain.transition(project.stage, Action.REGISTER_CONTRACT, subject=project_id, pack=pack)
    plan = await plan_of(uow, project)
    supplier_name = command.supplier
    supplier_id = None
    procured_via, method = "outside_platform", (command.procurement_method or Method.UNSPECIFIED).value
    award = None
    if command.award_id is not None:
        award = await uow.session.get(Award, command.award_id)
        if award is None or award.project_id != project_id:
            raise not_found("award", command.award_id)
        if award.cycle != project.cycle:
            raise conflict(f"award {award.id} belongs to an earlier procurement cycle", cycle=award.cycle)
        if await uow.session.scalar(sa.select(Contract.id).where(Contract.award_id == award.id)) is not None:
            raise conflict(f"award {award.id} already has a contract")
        winner = await supplier(uow, award.supplier_id)
        assert winner is not None
        if supplier_name is not None and supplier_name != winner.name:
            raise unknown_supplier(
                award.supplier_id,
                f"the award went to '{winner.name}', not '{supplier_name}'",
                pack.rule(domain.PERIOD_RULE).citation,
            )
        if command.amount_fen != award.amount_fen:
            raise Problem(
                422,
                "contract-award-mismatch",
                "合同金额与中标金额不一致 / Contract amount differs from the award",
                f"the contract follows the award of {award.amount_fen} fen ({pack.rule(domain.PERIOD_RULE).citation})",
                field="amount_fen",
                citation=pack.rule(domain.PERIOD_RULE).citation,
            )
        if command.signed_on < award.awarded_on:
            raise date_problem("signed_on", f"the contract is signed on or after the award ({award.awarded_on})")
        tender = await uow.session.get(Tender, award.tender_id)
        supplier_name, supplier_id = winner.name, winner.id
        procured_via, method = "platform_tender", tender.method if tender else method
    assert supplier_name is not None
    contracted = sum(c.amount_fen for c in await contracts_of(uow, project_id) if c.cycle == project.cycle)
    decisions = domain.ceiling_decisions(pack, contracted + command.amount_fen, project.ceiling_fen)
    supervisor = command.supervisor or (plan.supervisor if plan else None)
    decisions += domain.supervision_decisions(
        pack, major_project=plan.major_project if plan else False, supervisor=supervisor
    )
    period, due = domain.construction_period(pack, command.signed_on, command.planned_completion)
    decisions.append(period)
    if domain.blocking(decisions):
        CONTRACTS.labels(project.jurisdiction, "refused").inc()
        refuse(decisions)
    contract = Contract(
        id=new_id("C"),
        project_id=project_id,
        supplier=supplier_name,
        amount_fen=command.amount_fen,
        signed_on=command.signed_on,
        planned_completion=command.planned_completion,
        cycle=project.cycle,
        award_id=command.award_id,
        supplier_id=supplier_id,
        procured_via=procured_via,
        procurement_method=method,
        supervisor=supervisor,
        construction_due=due,
        registered_by=principal.subject,
        registered_at=clock.now(),
    )
    uow.session.add(contract)
    await record(uow, decisions, project_id, "contract", principal)
    if project.construction_due is None or due > project.construction_due:
        project.construction_due = due
        await uow.open_deadline(
            subject=project_id,
            decision=period,
            due_on=due,
            description=f"建设周期 construction of contract {contract.id} due {due}",
        )
    project.stage = next_stage
    project.updated_at = contract.registered_at
    await uow.audit(
        subject=project_id,
        action="contract.signed",
        actor=principal,
        detail={"contract_id": contract.id, "procured_via": procured_via, "method": method},
    )
    await uow.emit(
        ContractSigned(
            project_id=project_id,
            contract_id=contract.id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            supplier=masked(project, contract.supplier),
            amount_fen=contract.amount_fen,
            signed_on=contract.signed_on,
            planned_completion=contract.planned_completion,
            procured_via=procured_via,
            procurement_method=method,
            cycle=contract.cycle,
            construction_due=due,
        )
    )
    CONTRACTS.labels(project.jurisdiction, "signed").inc()
    CONTRACTS_BY_ROUTE.labels(project.jurisdiction, procured_via).inc()
    warnings = [d.message_zh + " / " + d.message_en for d in decisions if d.outcome == "fail"]
    return Registered(contract, warnings)


# --- supplementary contracts ---------------------------------------------------------------------


@dataclass
class SupplementOutcome:
    supplement: Supplement
    steps: list[SupplementStep]
    refusal: Problem | None = None  # over the cap: committed (new cycle), answered as a 422


async def request_supplement(
    uow: UnitOfWork, contract_id: str, command: SupplementCreate, principal: Principal
) -> SupplementOutcome:
    """补充合同 (dazhou:第四十三条): within the cumulative cap it goes to its authority; above it the
    procedure restarts — the supplement is refused and the project opens a new cycle."""
    contract = await uow.session.get(Contract, contract_id)
    if contract is None:
        raise not_found("contract (a supplement needs its original contract)", contract_id)
    project = await load(uow, contract.project_id, for_update=True)
    await ensure_open(uow, project, "supplement")
    pack = pack_of(project)
    if contract.cycle != project.cycle:
        raise domain.refusal(project.project_id, project.stage, Action.REQUEST_SUPPLEMENT, pack)
    domain.transition(project.stage, Action.REQUEST_SUPPLEMENT, subject=project.project_id, pack=pack)
    previous = await live_supplements_fen(uow, contract_id)
    cap = domain.supplement_cap(pack, command.amount_fen, previous, contract.amount_fen)
    cumulative = previous + command.amount_fen
    SUPPLEMENT_RATIO.labels(project.jurisdiction).observe(
        float(domain.supplement_ratio(cumulative, contract.amount_fen))
    )
    now, today = clock.now(), clock.today()
    supplement = Supplement(
        id=new_id("SC"),
        project_id=project.project_id,
        contract_id=contract_id,
        amount_fen=command.amount_fen,
        cumulative_fen=cumulative,
        original_contract_fen=contract.amount_fen,
        reason=command.reason,
        requested_by=principal.subject,
        requested_at=now,
    )
    uow.session.add(supplement)
    await uow.record_decision(cap, subject=project.project_id, action="supplement", actor=principal)
    if cap.outcome == "fail":
        supplement.status = "cap_exceeded"
        supplement.decided_on = today
        project.cycle += 1
        project.stage = domain.transition(project.stage, Action.RESTART, subject=project.project_id)
        project.updated_at = now
        await uow.audit(
            subject=project.project_id,
            action="procedure.restarted",
            actor=principal,
            detail={"supplement_id": supplement.id, "cycle": project.cycle, "citation": cap.citation},
        )
        await uow.emit(
            SupplementRejected(
                project_id=project.project_id,
                supplement_id=supplement.id,
                contract_id=contract_id,
                unit=project.unit,
                jurisdiction=project.jurisdiction,
                amount_fen=command.amount_fen,
                reason="cap_exceeded",
                restart_required=True,
                new_cycle=project.cycle,
                rule_id=cap.rule_id,
                citation=cap.citation,
                rejected_on=today,
            )
        )
        await uow.emit(
            ProcedureRestarted(
                project_id=project.project_id,
                unit=project.unit,
                jurisdiction=project.jurisdiction,
                cycle=project.cycle,
                rule_id=cap.rule_id,
                citation=cap.citation,
                restarted_on=today,
            )
        )
        SUPPLEMENTS.labels(project.jurisdiction, "restart", "cap_exceeded").inc()
        refusal = rule_violations(
            [Violation.from_decision(cap)],
            detail=(
                f"{cap.citation}: supplements would total {cumulative} fen, above the cap of the original "
                f"{contract.amount_fen} fen; the basic procedure restarts as cycle {project.cycle}"
            ),
        )
        refusal.extensions.update(
            restart_required=True, new_cycle=project.cycle, stage=project.stage, supplement_id=supplement.id
        )
        return SupplementOutcome(supplement, [], refusal)
    authority = domain.supplement_authority(pack, command.amount_fen)
    await uow.record_decision(authority, subject=project.project_id, action="supplement.route", actor=principal)
    steps = [
        SupplementStep(supplement_id=supplement.id, position=position, role=role)
        for position, role in enumerate(authority.value, start=1)
    ]
    uow.session.add_all(steps)
    await uow.audit(
        subject=project.project_id,
        action="supplement.requested",
        actor=principal,
        detail={"supplement_id": supplement.id, "amount_fen": command.amount_fen, "steps": authority.value},
    )
    SUPPLEMENTS.labels(project.jurisdiction, authority.value[-1], "requested").inc()
    return SupplementOutcome(supplement, steps)


async def load_supplement(uow: UnitOfWork, supplement_id: str, *, for_update: bool = False) -> Supplement:
    if for_update:
        row = await locked(uow.session, Supplement, supplement_id)
    else:
        row = await uow.session.get(Supplement, supplement_id)
    if row is None:
        raise not_found("supplementary contract", supplement_id)
    return row


async def decide_supplement_step(
    uow: UnitOfWork, supplement_id: str, approve: bool, comment: str, principal: Principal
) -> SupplementOutcome:
    """A leader acts on the supplement's next authority step, in the pack's order (dazhou:第四十三条)."""
    supplement = await load_supplement(uow, supplement_id, for_update=True)
    project = await load(uow, supplement.project_id, for_update=True)
    if supplement.status != "pending_approval":
        raise conflict(f"supplement {supplement_id} is {supplement.status}", supplement_status=supplement.status)
    await ensure_open(uow, project, "supplement approval")
    pack = pack_of(project)
    rule = pack.rule(domain.AUTHORITY_RULE)
    steps = await steps_of(uow, supplement_id)
    step = domain.next_pending(steps)
    assert step is not None  # a pending supplement has a pending step
    if not principal.has(Role(step.role)):
        raise forbidden(
            f"the next approval step is '{step.role}' ({rule.citation}); your roles are {sorted(principal.roles)}",
            citation=rule.citation,
            next_step=step.role,
        )
    now, today = clock.now(), clock.today()
    step.status = "approved" if approve else "rejected"
    step.decided_by = principal.subject
    step.decided_at = now
    step.comment = comment
    await uow.audit(
        subject=project.project_id,
        action=f"supplement.{step.role}.{step.status}",
        actor=principal,
        detail={"supplement_id": supplement_id, "comment": comment},
    )
    authority = steps[-1].role
    if not approve:
        supplement.status = "rejected"
        supplement.decided_on = today
        await uow.emit(
            SupplementRejected(
                project_id=project.project_id,
                supplement_id=supplement_id,
                contract_id=supplement.contract_id,
                unit=project.unit,
                jurisdiction=project.jurisdiction,
                amount_fen=supplement.amount_fen,
                reason="refused",
                rule_id=rule.id,
                citation=rule.citation,
                rejected_on=today,
            )
        )
        SUPPLEMENTS.labels(project.jurisdiction, authority, "rejected").inc()
    elif domain.next_pending(steps) is None:
        supplement.status = "approved"
        supplement.decided_on = today
        await uow.emit(
            SupplementApproved(
                project_id=project.project_id,
                supplement_id=supplement_id,
                contract_id=supplement.contract_id,
                unit=project.unit,
                jurisdiction=project.jurisdiction,
                amount_fen=supplement.amount_fen,
                cumulative_fen=supplement.cumulative_fen,
                original_contract_fen=supplement.original_contract_fen,
                authority_steps=[s.role for s in steps],
                rule_id=rule.id,
                citation=rule.citation,
                approved_on=today,
            )
        )
        SUPPLEMENTS.labels(project.jurisdiction, authority, "approved").inc()
    return SupplementOutcome(supplement, steps)


# --- construction: delays, rectification, suspension, termination (dazhou:第四十六条) --------------


async def report_incident(uow: UnitOfWork, project_id: str, command: IncidentCreate, principal: Principal) -> Incident:
    project = await load(uow, project_id, for_update=True)
    pack = pack_of(project)
    domain.transition(project.stage, Action.REPORT_INCIDENT, subject=project_id, pack=pack)
    handling = domain.delay_handling(pack, command.kind, command.substantial_progress)
    incident = Incident(
        id=new_id("I"),
        project_id=project_id,
        kind=command.kind,
        description=command.description,
        substantial_progress=command.substantial_progress,
        handling=handling.value,
        reported_on=command.reported_on or clock.today(),
        reported_by=principal.subject,
    )
    uow.session.add(incident)
    await uow.record_decision(handling, subject=project_id, action="incident", actor=principal)
    await uow.audit(
        subject=project_id,
        action=f"incident.{command.kind}",
        actor=principal,
        detail={"incident_id": incident.id, "handling": incident.handling},
    )
    if handling.value == "terminate_with_approval":
        project.termination_requested = True
    if command.kind in ("serious_delay", "major_loss"):
        await uow.emit(
            ProjectDelayed(
                project_id=project_id,
                unit=project.unit,
                jurisdiction=project.jurisdiction,
                kind=command.kind,
                handling=incident.handling,
                rule_id=handling.rule_id,
                citation=handling.citation,
                reported_on=incident.reported_on,
            )
        )
        PROJECT_EVENTS.labels(project.jurisdiction, "delayed", command.kind).inc()
    project.updated_at = clock.now()
    return incident


async def reported_problem(uow: UnitOfWork, project: ProcurementProject, incident_id: str | None = None) -> Incident:
    query = sa.select(Incident).where(
        Incident.project_id == project.project_id, Incident.handling == "report_rectify_or_suspend"
    )
    if incident_id is not None:
        query = query.where(Incident.id == incident_id)
    incident = await uow.session.scalar(query.order_by(Incident.reported_on.desc()))
    if incident is None:
        citation = pack_of(project).rule(domain.DELAY_RULE).citation
        raise conflict(
            f"no report of serious delay or major loss for project {project.project_id} ({citation})",
            citation=citation,
        )
    return incident


async def order_rectification(
    uow: UnitOfWork, project_id: str, command: RectificationOrder, principal: Principal
) -> Incident:
    """The bureau orders rectification by a date after a report (dazhou:第四十六条)."""
    project = await load(uow, project_id, for_update=True)
    incident = await reported_problem(uow, project, command.incident_id)
    if command.due_on < incident.reported_on:
        raise date_problem("due_on", f"rectification is due after the report ({incident.reported_on})")
    incident.rectification_due = command.due_on
    handling = domain.delay_handling(pack_of(project), incident.kind, incident.substantial_progress)
    await uow.open_deadline(
        subject=project_id,
        decision=handling,
        due_on=command.due_on,
        description=f"整改 rectification of {incident.kind}: {command.instructions}"[:500],
    )
    await uow.audit(
        subject=project_id,
        action="rectification.ordered",
        actor=principal,
        detail={"incident_id": incident.id, "due_on": command.due_on.isoformat()},
    )
    return incident


async def suspend(uow: UnitOfWork, project_id: str, reason: str, principal: Principal) -> ProcurementProject:
    """暂停项目建设 by the bureau after a report (dazhou:第四十六条)."""
    project = await load(uow, project_id, for_update=True)
    domain.transition(project.stage, Action.SUSPEND, subject=project_id)
    await reported_problem(uow, project)
    rule = pack_of(project).rule(domain.DELAY_RULE)
    today = clock.today()
    uow.session.add(
        Sanction(
            project_id=project_id, cause="bureau", rule_id=rule.id, citation=rule.citation, reason=reason, since=today
        )
    )
    await uow.audit(subject=project_id, action="project.suspended", actor=principal, detail={"reason": reason})
    await uow.emit(
        ProjectSuspended(
            project_id=project_id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            cause="bureau",
            rule_id=rule.id,
            citation=rule.citation,
            suspended_on=today,
        )
    )
    PROJECT_EVENTS.labels(project.jurisdiction, "suspended", "bureau").inc()
    return project


async def resume(uow: UnitOfWork, project_id: str, principal: Principal) -> ProcurementProject:
    """The bureau lifts its own suspension; a finding's suspension lifts only when catalog resolves it."""
    project = await load(uow, project_id, for_update=True)
    own = [s for s in await active_sanctions(uow, project_id) if s.cause == "bureau"]
    if not own:
        raise conflict(f"project {project_id} has no suspension by the bureau to lift")
    today = clock.today()
    for sanction in own:
        sanction.lifted_on = today
    await uow.session.flush()
    await uow.audit(subject=project_id, action="project.resumed", actor=principal)
    if not await active_sanctions(uow, project_id):
        await uow.emit(
            ProjectResumed(
                project_id=project_id, unit=project.unit, jurisdiction=project.jurisdiction, resumed_on=today
            )
        )
        PROJECT_EVENTS.labels(project.jurisdiction, "resumed", "bureau").inc()
    return project


async def approve_termination(
    uow: UnitOfWork, project_id: str, command: TerminationApproval, principal: Principal
) -> ProcurementProject:
    """终止项目建设: the unit asked (substantial progress, cannot continue) and the city agreed (dazhou:第四十六条)."""
    project = await load(uow, project_id, for_update=True)
    domain.transition(project.stage, Action.TERMINATE, subject=project_id)
    rule = pack_of(project).rule(domain.DELAY_RULE)
    if not project.termination_requested:
        raise conflict(
            f"termination needs the unit's request with substantial progress and external causes ({rule.citation})",
            citation=rule.citation,
        )
    await terminate(
        uow,
        project,
        cause="approved_request",
        rule_id=rule.id,
        citation=rule.citation,
        actor=principal,
        approval_ref=command.approval_ref,
    )
    return project


async def terminate(
    uow: UnitOfWork,
    project: ProcurementProject,
    *,
    cause: str,
    rule_id: str,
    citation: str,
    actor,
    finding_id: str | None = None,
    approval_ref: str | None = None,
) -> None:
    today = clock.today()
    project.stage = domain.transition(project.stage, Action.TERMINATE, subject=project.project_id)
    project.updated_at = clock.now()
    await uow.close_deadline(subject=project.project_id, rule_id=domain.PERIOD_RULE, status="cancelled")
    await uow.audit(
        subject=project.project_id,
        action="project.terminated",
        actor=actor,
        detail={"cause": cause, "citation": citation, "finding_id": finding_id, "approval_ref": approval_ref},
    )
    await uow.emit(
        ProjectTerminated(
            project_id=project.project_id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            cause=cause,
            finding_id=finding_id,
            approval_ref=approval_ref,
            rule_id=rule_id,
            citation=citation,
            terminated_on=today,
        )
    )
    PROJECT_EVENTS.labels(project.jurisdiction, "terminated", cause).inc()


# --- sweeper -------------------------------------------------------------------------------------


async def sweep_construction_deadlines(runtime) -> int:
    """Moves the gauge of projects past their construction period (the shared sweeper marks them overdue)."""
    deadlines = runtime.schema.deadlines
    async with runtime.unit_of_work() as uow:
        rows = (
            await uow.session.execute(
                sa.select(ProcurementProject.jurisdiction, sa.func.count())
                .select_from(deadlines)
                .join(ProcurementProject, ProcurementProject.project_id == deadlines.c.subject)
                .where(deadlines.c.rule_id == domain.PERIOD_RULE, deadlines.c.status == "overdue")
                .group_by(ProcurementProject.jurisdiction)
            )
        ).all()
    PAST_CONSTRUCTION_DEADLINE.clear()
    for jurisdiction, count in rows:
        PAST_CONSTRUCTION_DEADLINE.labels(jurisdiction).set(count)
    return sum(count for _, count in rows)


# --- OCDS ----------------------------------------------------------------------------------------


async def bundle_of(uow: UnitOfWork, project: ProcurementProject) -> ocds.Bundle:
    """Everything OCDS publishes about one project, read in this unit of work."""
    tenders = await tenders_of(uow, project.project_id)
    bids = {t.id: await bids_of(uow, t.id) for t in tenders}
    awards = {t.id: a for t in tenders if (a := await award_of(uow, t.id)) is not None}
    contracts = await contracts_of(uow, project.project_id)
    supplier_ids = {b.supplier_id for rows in bids.values() for b in rows}
    supplier_ids |= {c.supplier_id for c in contracts if c.supplier_id}
    suppliers = {}
    if supplier_ids:
        rows = await uow.session.scalars(sa.select(Supplier).where(Supplier.id.in_(supplier_ids)))
        suppliers = {row.id: row for row in rows.all()}
    return ocds.Bundle(
        project=project,
        plans=await plans_of(uow, project.project_id),
        tenders=tenders,
        bids=bids,
        awards=awards,
        suppliers=suppliers,
        contracts=contracts,
        supplements=await supplements_of(uow, project.project_id),
        incidents=await incidents_of(uow, project.project_id),
        sanctions=await sanctions_of(uow, project.project_id),
    )


async def published_projects(
    uow: UnitOfWork, *, project_id: str | None, jurisdiction: str | None, cursor: str | None, limit: int
) -> list[ProcurementProject]:
    """Projects OCDS may publish: with an estimate, never secret (dazhou:第六十五条)."""
    query = sa.select(ProcurementProject).where(
        ProcurementProject.ceiling_fen.is_not(None), ProcurementProject.secret.is_(False)
    )
    if project_id:
        query = query.where(ProcurementProject.project_id == project_id)
    if jurisdiction:
        query = query.where(ProcurementProject.jurisdiction == jurisdiction)
    if cursor:
        query = query.where(ProcurementProject.project_id > cursor)
    rows = await uow.session.scalars(query.order_by(ProcurementProject.project_id).limit(limit + 1))
    return list(rows.all())
