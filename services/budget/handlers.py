"""Budget's commands and consumed events, each in one unit of work: load, let `domain` decide, write state,
decisions, deadlines, audit and outbox rows together, or raise before anything is written."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa

from services.budget import domain
from services.budget.domain import Action, Stage
from services.budget.metrics import (
    ADJUSTMENTS,
    DATA_OPERATION_PAID_YUAN,
    DEADLINES_OVERDUE,
    ESTIMATES_YUAN,
    OM_APPROVED_YUAN,
    PROJECT_AMOUNTS_YUAN,
    REFUSED_RELEASES,
    RELEASED_YUAN,
)
from services.budget.tables import (
    Adjustment,
    AnnualBudgetLine,
    BudgetProject,
    CatalogSystem,
    ContractRef,
    CostShare,
    DataOperationPayment,
    EstimateRevision,
    FundRelease,
    OmBudget,
    SupervisionFinding,
)
from shared import clock
from shared.auth import Principal, ensure_unit_access
from shared.bus import Subscriptions
from shared.contracts.acceptance import ProjectAccepted, ProjectFailed
from shared.contracts.budget import (
    AdjustmentApproved,
    AdjustmentFiled,
    ControlPriceApproved,
    DataOperationPaid,
    EstimateApproved,
    FundsReleased,
    OmBudgetApproved,
    SurplusReturned,
)
from shared.contracts.catalog import FindingEscalated, FindingResolved, SystemRegistered, SystemRetired
from shared.contracts.envelope import CloudEvent
from shared.contracts.procurement import ContractSigned
from shared.contracts.review import ProjectApproved
from shared.errors import Problem, Violation, bad_request, conflict, not_found, rule_violations, wrong_stage
from shared.locking import locked
from shared.policy import Decision, Pack, UnknownPack, packs
from shared.uow import UnitOfWork

subscriptions = Subscriptions()


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def pack_of(jurisdiction: str) -> Pack:
    try:
        return packs.get(jurisdiction)
    except UnknownPack:
        raise bad_request(f"no policy pack for jurisdiction '{jurisdiction}'", field="jurisdiction") from None


def refuse(decisions: list[Decision], detail: str | None = None) -> Problem:
    return rule_violations([Violation.from_decision(d) for d in decisions], detail)


async def record_all(uow: UnitOfWork, decisions: list[Decision], *, subject: str, action: str, actor) -> None:
    for decision in decisions:
        await uow.record_decision(decision, subject=subject, action=action, actor=actor)


async def open_deadline(uow: UnitOfWork, pack: Pack, project_id: str, rule_id: str, start: date, what: str) -> date:
    """A deadline row counted by the pack from `start` (working days on the official calendar)."""
    due_on = pack.due(rule_id, start)
    decision = pack.decide(rule_id, {pack.rule(rule_id).params.counts_from: start})
    await uow.record_decision(decision, subject=project_id, action="deadline.opened", actor="system")
    await uow.open_deadline(subject=project_id, decision=decision, due_on=due_on, description=what)
    return due_on


# --- consumed events -------------------------------------------------------------------------------------


@subscriptions.on(ProjectApproved)
async def on_project_approved(uow: UnitOfWork, event: CloudEvent, payload: ProjectApproved) -> None:
    if await uow.session.get(BudgetProject, payload.project_id) is not None:
        return
    now = clock.now()
    uow.session.add(
        BudgetProject(
            project_id=payload.project_id,
            unit=payload.project.unit,
            jurisdiction=payload.project.jurisdiction,
            secret=payload.project.secret,
            approved_investment_fen=payload.project.total_investment_fen,
            approval_letter_no=payload.approval_letter_no,
            plan_year=payload.project.plan_year,
            materials=list(payload.project.materials),
            created_at=now,
            updated_at=now,
        )
    )
    await uow.audit(subject=payload.project_id, action="project.approved", actor="system", detail={"event": event.id})


@subscriptions.on(ContractSigned)
async def on_contract_signed(uow: UnitOfWork, event: CloudEvent, payload: ContractSigned) -> None:
    if await uow.session.get(ContractRef, payload.contract_id) is None:
        uow.session.add(
            ContractRef(
                contract_id=payload.contract_id,
                project_id=payload.project_id,
                amount_fen=payload.amount_fen,
                supplier=payload.supplier,
            )
        )


@subscriptions.on(ProjectAccepted)
async def on_project_accepted(uow: UnitOfWork, event: CloudEvent, payload: ProjectAccepted) -> None:
    project = await locked(uow.session, BudgetProject, payload.project_id)
    if project is None:
        raise LookupError(f"acceptance of {payload.project_id}, which budget never saw approved")
    project.accepted = True
    project.acceptance_documents = list(payload.documents)
    project.failed_acceptance_items = [item.kind for item in payload.items if not item.passed]
    if domain.allows(project.stage, Action.ACCEPT):
        project.stage = domain.transition(project.stage, Action.ACCEPT)
    project.updated_at = clock.now()
    await uow.audit(subject=payload.project_id, action="project.accepted", actor="system", detail={"event": event.id})


@subscriptions.on(ProjectFailed)
async def on_project_failed(uow: UnitOfWork, event: CloudEvent, payload: ProjectFailed) -> None:
    """A failed acceptance gets no money (jiyuan:项目验收; fengxian:第二十六条) until a new acceptance passes."""
    project = await locked(uow.session, BudgetProject, payload.project_id)
    if project is None:
        return
    project.accepted = False
    project.acceptance_documents = []
    project.failed_acceptance_items = [item.kind for item in payload.items if not item.passed]
    project.updated_at = clock.now()
    await uow.audit(
        subject=payload.project_id,
        action="project.acceptance_failed",
        actor="system",
        detail={"event": event.id, "failed_items": project.failed_acceptance_items},
    )


@subscriptions.on(SystemRegistered)
async def on_system_registered(uow: UnitOfWork, event: CloudEvent, payload: SystemRegistered) -> None:
    system = await uow.session.get(CatalogSystem, payload.system_id)
    if system is None:
        uow.session.add(
            CatalogSystem(
                system_id=payload.system_id,
                project_id=payload.project_id,
                unit=payload.unit,
                jurisdiction=payload.jurisdiction,
                registered_on=payload.registered_on,
            )
        )
    else:
        system.state, system.retired_on = "registered", None


@subscriptions.on(SystemRetired)
async def on_system_retired(uow: UnitOfWork, event: CloudEvent, payload: SystemRetired) -> None:
    system = await uow.session.get(CatalogSystem, payload.system_id)
    if system is None:
        system = CatalogSystem(
            system_id=payload.system_id,
            project_id=payload.project_id,
            unit=payload.unit,
            jurisdiction="",
            registered_on=payload.retired_on,
        )
        uow.session.add(system)
    system.state, system.retired_on = "retired", payload.retired_on


@subscriptions.on(FindingEscalated)
async def on_finding_escalated(uow: UnitOfWork, event: CloudEvent, payload: FindingEscalated) -> None:
    """Keep the step each finding reached; a release checks the active ones (dazhou:第五十三条)."""
    finding = await locked(uow.session, SupervisionFinding, payload.finding_id)
    if finding is None:
        finding = SupervisionFinding(
            finding_id=payload.finding_id,
            project_id=payload.project_id,
            unit=payload.unit,
            area=payload.area,
            step=payload.step,
            rule_id=payload.rule_id,
            citation=payload.citation,
            escalated_on=payload.escalated_on,
        )
        uow.session.add(finding)
    elif finding.resolved_on is None and payload.escalated_on >= finding.escalated_on:
        finding.step, finding.rule_id, finding.citation = payload.step, payload.rule_id, payload.citation
        finding.escalated_on = payload.escalated_on
    await uow.audit(
        subject=payload.project_id,
        action="supervision.escalated",
        actor="system",
        detail={"finding_id": payload.finding_id, "step": payload.step, "citation": payload.citation},
    )


@subscriptions.on(FindingResolved)
async def on_finding_resolved(uow: UnitOfWork, event: CloudEvent, payload: FindingResolved) -> None:
    finding = await locked(uow.session, SupervisionFinding, payload.finding_id)
    if finding is None:
        return
    finding.resolved_on = payload.resolved_on
    await uow.audit(
        subject=finding.project_id,
        action="supervision.resolved",
        actor="system",
        detail={"finding_id": payload.finding_id},
    )


# --- reading -----------------------------------------------------------------------------------------------


async def load(uow: UnitOfWork, project_id: str, *, for_update: bool = False) -> BudgetProject:
    if for_update:
        project = await locked(uow.session, BudgetProject, project_id)
    else:
        project = await uow.session.get(BudgetProject, project_id)
    if project is None:
        raise not_found("budget project (approved project)", project_id)
    return project


async def estimate_history(uow: UnitOfWork, project_id: str) -> list[EstimateRevision]:
    rows = await uow.session.scalars(
        sa.select(EstimateRevision).where(EstimateRevision.project_id == project_id).order_by(EstimateRevision.revision)
    )
    return list(rows.all())


async def shares_of(uow: UnitOfWork, project_id: str) -> list[CostShare]:
    rows = await uow.session.scalars(
        sa.select(CostShare).where(CostShare.project_id == project_id).order_by(CostShare.id)
    )
    return list(rows.all())


async def active_findings(uow: UnitOfWork, project: BudgetProject) -> list[SupervisionFinding]:
    """Open findings against the project, and against its unit as a whole (catalog keys those by the
    finding's own id): a unit whose finding reached 'suspended' gets no money for any of its projects,
    as review defers all of its plan entries (dazhou:第五十三条)."""
    against_unit = sa.and_(
        SupervisionFinding.unit == project.unit, SupervisionFinding.project_id == SupervisionFinding.finding_id
    )
    rows = await uow.session.scalars(
        sa.select(SupervisionFinding).where(
            sa.or_(SupervisionFinding.project_id == project.project_id, against_unit),
            SupervisionFinding.resolved_on.is_(None),
        )
    )
    return list(rows.all())


async def adjustments_of(uow: UnitOfWork, project_id: str) -> list[Adjustment]:
    rows = await uow.session.scalars(
        sa.select(Adjustment)
        .where(Adjustment.project_id == project_id)
        .order_by(Adjustment.requested_at, Adjustment.id)
    )
    return list(rows.all())


def _check_unit(principal: Principal, project: BudgetProject) -> None:
    ensure_unit_access(principal, project.unit)


# --- the technical-plan timeline ---------------------------------------------------------------------------


async def publish_consultation(
    uow: UnitOfWork, project_id: str, published_on: date, ends_on: date, principal: Principal
) -> BudgetProject:
    """The unit publishes the function list for price consultation (dazhou:第三十五条); the technical plan
    is then due within the pack's period after the consultation ends (第三十六条)."""
    project = await load(uow, project_id, for_update=True)
    _check_unit(principal, project)
    pack = pack_of(project.jurisdiction)
    next_stage = domain.transition(project.stage, Action.PUBLISH_CONSULTATION, subject=project_id, pack=pack)
    decision = domain.consultation_decision(pack, published_on, ends_on)
    if decision.outcome == "fail":
        raise refuse([decision])
    await uow.record_decision(decision, subject=project_id, action="consultation.published", actor=principal)
    project.consultation_published_on, project.consultation_ends_on = published_on, ends_on
    project.stage = next_stage
    project.updated_at = clock.now()
    due_on = await open_deadline(
        uow, pack, project_id, domain.TECHNICAL_PLAN_DUE, ends_on, "技术方案报送 / technical plan to the bureau"
    )
    await uow.audit(
        subject=project_id,
        action="consultation.published",
        actor=principal,
        detail={"published_on": published_on, "ends_on": ends_on, "technical_plan_due": due_on},
    )
    return project


async def submit_technical_plan(uow: UnitOfWork, project_id: str, principal: Principal) -> BudgetProject:
    """The unit delivers the technical plan; the bureau's review is due in the pack's working days (第三十七条)."""
    project = await load(uow, project_id, for_update=True)
    _check_unit(principal, project)
    pack = pack_of(project.jurisdiction)
    next_stage = domain.transition(project.stage, Action.SUBMIT_PLAN, subject=project_id, pack=pack)
    today = clock.today()
    if project.stage == Stage.CONSULTATION:
        ended_on = domain.consultation_end(project.consultation_published_on, project.consultation_ends_on, today)
        decisions = domain.technical_plan_decisions(pack, project.consultation_published_on, ended_on, today)
        # a consultation cut short is a refusal; a late plan is still received, the lateness recorded
        short = [d for d in domain.failed(decisions) if d.rule_id == domain.PRICE_CONSULTATION]
        if short:
            raise refuse(short, "the price consultation has not run its minimum period yet")
        await record_all(uow, decisions, subject=project_id, action="technical_plan.submitted", actor=principal)
        late = any(d.outcome == "fail" for d in decisions)
        await uow.close_deadline(
            subject=project_id, rule_id=domain.TECHNICAL_PLAN_DUE, status="late" if late else "met"
        )
        project.consultation_ends_on = ended_on
    project.technical_plan_submitted_on = today
    project.stage = next_stage
    project.updated_at = clock.now()
    due_on = await open_deadline(
        uow,
        pack,
        project_id,
        domain.TECHNICAL_REVIEW_DUE,
        today,
        "技术方案审查及概算批复 / technical review and estimate",
    )
    await uow.audit(
        subject=project_id, action="technical_plan.submitted", actor=principal, detail={"review_due": due_on}
    )
    return project


async def review_technical_plan(
    uow: UnitOfWork, project_id: str, passed: bool, estimate_fen: int | None, opinion: str, principal: Principal
) -> BudgetProject:
    """The bureau's technical review (第三十七条): passed → the estimate is approved with it; failed → back to
    the unit for a revised plan."""
    project = await load(uow, project_id, for_update=True)
    returned = domain.transition(project.stage, Action.RETURN_PLAN, subject=project_id)
    if passed:
        if estimate_fen is None:
            raise bad_request(
                "a passed technical review approves the estimate: give estimate_fen", field="estimate_fen"
            )
        return await approve_estimate(uow, project_id, estimate_fen, principal, opinion=opinion, project=project)
    await _close_technical_review(uow, project, principal, status="returned")
    project.stage = returned
    project.updated_at = clock.now()
    await uow.audit(
        subject=project_id, action="technical_review.returned", actor=principal, detail={"opinion": opinion}
    )
    return project


async def _close_technical_review(uow: UnitOfWork, project: BudgetProject, principal: Principal, status: str) -> None:
    if project.technical_plan_submitted_on is None:
        return
    pack = pack_of(project.jurisdiction)
    today = clock.today()
    decision = domain.technical_review_decision(pack, project.technical_plan_submitted_on, today)
    await uow.record_decision(
        decision, subject=project.project_id, action="technical_review.completed", actor=principal
    )
    if status == "met" and decision.outcome == "fail":
        status = "late"
    await uow.close_deadline(subject=project.project_id, rule_id=domain.TECHNICAL_REVIEW_DUE, status=status)
    project.technical_review_completed_on = today


async def approve_estimate(
    uow: UnitOfWork,
    project_id: str,
    estimate_fen: int,
    principal: Principal,
    *,
    opinion: str = "",
    project: BudgetProject | None = None,
) -> BudgetProject:
    """The bureau approves the estimate (概算批复, dazhou:第三十七条): the ceiling of investment and release
    (第二十八条). Called alone it is the technical review's outcome in one step."""
    project = project or await load(uow, project_id, for_update=True)
    next_stage = domain.transition(project.stage, Action.APPROVE_ESTIMATE, subject=project_id)
    precondition = domain.resource_catalog_decision(pack_of(project.jurisdiction), project.materials)
    if precondition is not None:
        if precondition.outcome == "fail":
            raise rule_violations([Violation.from_decision(precondition)])
        await uow.record_decision(
            precondition, subject=project_id, action="technical_review.precondition", actor=principal
        )
    await _close_technical_review(uow, project, principal, status="met")
    # steps the bureau's approval makes moot (the plan was handled off the platform)
    await uow.close_deadline(subject=project_id, rule_id=domain.TECHNICAL_PLAN_DUE, status="superseded")
    await _new_estimate_revision(uow, project, estimate_fen, principal, opinion=opinion)
    project.stage = next_stage
    return project


async def _new_estimate_revision(
    uow: UnitOfWork, project: BudgetProject, estimate_fen: int, principal: Principal, *, opinion: str = ""
) -> int:
    history = await estimate_history(uow, project.project_id)
    revision = len(history) + 1
    today = clock.today()
    uow.session.add(
        EstimateRevision(
            project_id=project.project_id,
            revision=revision,
            estimate_fen=estimate_fen,
            approved_on=today,
            approved_by=principal.subject,
        )
    )
    project.estimate_fen = estimate_fen
    project.updated_at = clock.now()
    rule = pack_of(project.jurisdiction).rule(domain.ESTIMATE_CEILING)
    await uow.audit(
        subject=project.project_id,
        action="estimate.approved",
        actor=principal,
        detail={"estimate_fen": estimate_fen, "revision": revision, "citation": rule.citation, "opinion": opinion},
    )
    await uow.emit(
        EstimateApproved(
            project_id=project.project_id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            estimate_fen=estimate_fen,
            approved_on=today,
            revision=revision,
        )
    )
    ESTIMATES_YUAN.labels(project.jurisdiction).inc(estimate_fen / 100)
    return revision


async def submit_control_price(
    uow: UnitOfWork, project_id: str, control_price_fen: int, principal: Principal
) -> BudgetProject:
    """The unit asks finance to review the tender control price (第三十八条): never above the estimate."""
    project = await load(uow, project_id, for_update=True)
    _check_unit(principal, project)
    pack = pack_of(project.jurisdiction)
    next_stage = domain.transition(project.stage, Action.SUBMIT_CONTROL_PRICE, subject=project_id, pack=pack)
    ceiling = domain.control_price_ceiling(pack, control_price_fen, project.estimate_fen or 0)
    if ceiling.outcome == "fail":
        raise refuse([ceiling])
    await uow.record_decision(ceiling, subject=project_id, action="control_price.submitted", actor=principal)
    today = clock.today()
    project.control_price_fen, project.control_price_submitted_on = control_price_fen, today
    project.stage = next_stage
    project.updated_at = clock.now()
    due_on = await open_deadline(
        uow, pack, project_id, domain.CONTROL_PRICE_REVIEW_DUE, today, "招标控制价预算评审 / control price review"
    )
    await uow.audit(
        subject=project_id,
        action="control_price.submitted",
        actor=principal,
        detail={"control_price_fen": control_price_fen, "review_due": due_on},
    )
    return project


async def approve_control_price(
    uow: UnitOfWork, project_id: str, control_price_fen: int | None, principal: Principal
) -> BudgetProject:
    """Finance completes the budget review of the control price (第三十八条) and procurement learns it."""
    project = await load(uow, project_id, for_update=True)
    next_stage = domain.transition(project.stage, Action.APPROVE_CONTROL_PRICE, subject=project_id)
    amount = control_price_fen if control_price_fen is not None else project.control_price_fen
    if amount is None:
        raise bad_request("no control price was submitted: give control_price_fen", field="control_price_fen")
    pack = pack_of(project.jurisdiction)
    estimate = project.estimate_fen or 0
    decisions = [domain.control_price_ceiling(pack, amount, estimate)]
    if domain.failed(decisions):
        raise refuse(decisions)
    today = clock.today()
    if project.control_price_submitted_on is not None:
        timing = domain.control_price_review_decision(pack, project.control_price_submitted_on, today)
        decisions.append(timing)
        await uow.close_deadline(
            subject=project_id,
            rule_id=domain.CONTROL_PRICE_REVIEW_DUE,
            status="late" if timing.outcome == "fail" else "met",
        )
    await record_all(uow, decisions, subject=project_id, action="control_price.approved", actor=principal)
    project.control_price_fen, project.control_price_approved_on = amount, today
    project.stage = next_stage
    project.updated_at = clock.now()
    await uow.audit(subject=project_id, action="control_price.approved", actor=principal, detail={"amount_fen": amount})
    await uow.emit(
        ControlPriceApproved(
            project_id=project_id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            control_price_fen=amount,
            estimate_fen=estimate,
            approved_on=today,
        )
    )
    return project


# --- fund release ------------------------------------------------------------------------------------------


async def release_funds(
    uow: UnitOfWork,
    project_id: str,
    contract_id: str,
    amount_fen: int,
    principal: Principal,
    *,
    payer: str | None = None,
    adjustment_id: str | None = None,
) -> FundRelease:
    project = await load(uow, project_id, for_update=True)
    domain.transition(project.stage, Action.RELEASE_FUNDS, subject=project_id)
    contract = await uow.session.get(ContractRef, contract_id)
    if contract is None or contract.project_id != project_id:
        raise not_found("contract of this project", contract_id)
    pack = pack_of(project.jurisdiction)
    findings = await active_findings(uow, project)
    share_fen, payer_released = None, 0
    shares = await shares_of(uow, project_id)
    if shares:
        by_payer = {s.payer: s for s in shares}
        if payer not in by_payer:
            raise bad_request(
                f"a jointly built project pays per level: payer must be one of {sorted(by_payer)}", field="payer"
            )
        share_fen = by_payer[payer].share_fen
        payer_released = int(
            await uow.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(FundRelease.amount_fen), 0)).where(
                    FundRelease.project_id == project_id, FundRelease.payer == payer
                )
            )
        )
    adjustment = None
    if adjustment_id is not None:
        adjustment = await uow.session.get(Adjustment, adjustment_id)
        if adjustment is None or adjustment.project_id != project_id:
            raise not_found("adjustment of this project", adjustment_id)
    facts = domain.ReleaseFacts(
        amount_fen=amount_fen,
        released_fen=project.released_fen,
        estimate_fen=project.estimate_fen or 0,
        accepted=project.accepted,
        acceptance_documents=tuple(project.acceptance_documents),
        supervision_steps=tuple(f.step for f in findings),
        payer_share_fen=share_fen,
        payer_released_fen=payer_released,
        adjustment_major=None if adjustment is None else adjustment.route == "approval",
        adjustment_approved=adjustment is not None and adjustment.status in ("approved", "filed"),
    )
    decisions = domain.release_decisions(pack, facts)
    refused = domain.failed(decisions)
    if refused:
        violations = []
        for decision in refused:
            REFUSED_RELEASES.labels(decision.rule_id).inc()
            if decision.rule_id == domain.RELEASE_STOPPED:
                # cite the finding's own rule, so the unit sees which supervision step stopped the money
                stopping = {hit["tag"] for hit in decision.value}
                violations += [
                    Violation(
                        rule_id=f.rule_id,
                        citation=f.citation,
                        message_zh=f"监督检查{f.finding_id}已升级至{f.step}：{decision.message_zh}",
                        message_en=f"supervision finding {f.finding_id} reached {f.step}: {decision.message_en}",
                        field="supervision_steps",
                        pack=decision.pack,
                        pack_version=decision.pack_version,
                    )
                    for f in findings
                    if f.step in stopping
                ]
            violations.append(Violation.from_decision(decision))
        raise rule_violations(violations)
    await record_all(uow, decisions, subject=project_id, action="release", actor=principal)
    release = FundRelease(
        id=_new_id("R"),
        project_id=project_id,
        contract_id=contract_id,
        amount_fen=amount_fen,
        payer=payer,
        adjustment_id=adjustment_id,
        released_by=principal.subject,
        released_at=clock.now(),
    )
    uow.session.add(release)
    project.released_fen += amount_fen
    project.updated_at = release.released_at
    await uow.audit(
        subject=project_id,
        action="funds.released",
        actor=principal,
        detail={"amount_fen": amount_fen, "contract_id": contract_id, "payer": payer},
    )
    await uow.emit(
        FundsReleased(
            project_id=project_id,
            release_id=release.id,
            contract_id=contract_id,
            amount_fen=amount_fen,
            released_total_fen=project.released_fen,
        )
    )
    RELEASED_YUAN.labels(project.jurisdiction).inc(amount_fen / 100)
    return release


async def return_surplus(uow: UnitOfWork, project_id: str, goals_unchanged: bool, principal: Principal) -> Decision:
    """After acceptance, an unspent estimate with unchanged goals goes back (dazhou:第三十一条)."""
    project = await load(uow, project_id, for_update=True)
    pack = pack_of(project.jurisdiction)
    if not project.accepted:
        raise domain.refusal(project_id, project.stage, Action.RETURN_SURPLUS, pack)
    closed = domain.transition(project.stage, Action.RETURN_SURPLUS, subject=project_id, pack=pack)
    decision = domain.surplus_decision(pack, project.estimate_fen or 0, project.released_fen, goals_unchanged)
    await uow.record_decision(decision, subject=project_id, action="surplus.assessed", actor=principal)
    if decision.value == "return_surplus":
        amount = (project.estimate_fen or 0) - project.released_fen
        project.surplus_returned_fen = amount
        project.stage = closed
        project.updated_at = clock.now()
        await uow.audit(subject=project_id, action="surplus.returned", actor=principal, detail={"amount_fen": amount})
        await uow.emit(
            SurplusReturned(
                project_id=project_id,
                amount_fen=amount,
                released_total_fen=project.released_fen,
                returned_on=clock.today(),
            )
        )
    return decision


# --- city–county shares ------------------------------------------------------------------------------------


async def set_shares(uow: UnitOfWork, project_id: str, shares: list[dict], principal: Principal) -> list[CostShare]:
    """Split a jointly built project's estimate between the levels that bear it (quzhou:三(二)3)."""
    project = await load(uow, project_id, for_update=True)
    pack = pack_of(project.jurisdiction)
    if not pack.has(domain.JOINT_SHARES):
        raise Problem(
            422,
            "not-applicable",
            "本辖区规则无市县共建分级负担 / No city–county cost sharing in this jurisdiction's rules",
            f"pack {pack.id} has no rule {domain.JOINT_SHARES}",
        )
    if project.estimate_fen is None:
        raise wrong_stage(project_id, project.stage, Stage.ESTIMATE_APPROVED.value, "split the shares")
    if project.released_fen:
        raise conflict("funds were already released: the shares can no longer change")
    decision = domain.shares_decision(pack, [s["share_fen"] for s in shares], project.estimate_fen)
    if decision.outcome == "fail":
        raise refuse([decision])
    await uow.record_decision(decision, subject=project_id, action="shares.set", actor=principal)
    await uow.session.execute(sa.delete(CostShare).where(CostShare.project_id == project_id))
    rows = [CostShare(project_id=project_id, **share) for share in shares]
    uow.session.add_all(rows)
    await uow.audit(subject=project_id, action="shares.set", actor=principal, detail={"shares": shares})
    return rows


# --- adjustments -------------------------------------------------------------------------------------------


async def request_adjustment(
    uow: UnitOfWork,
    project_id: str,
    *,
    amount_fen: int,
    adjusted_total_fen: int | None,
    case: str,
    major: bool,
    goals_unchanged: bool,
    description: str,
    principal: Principal,
) -> tuple[Adjustment, domain.AdjustmentRoute]:
    """Filed (备案) when within the approved total and the cumulative share; otherwise pending prior approval."""
    project = await load(uow, project_id, for_update=True)
    _check_unit(principal, project)
    pack = pack_of(project.jurisdiction)
    domain.transition(project.stage, Action.ADJUST, subject=project_id, pack=pack)
    if project.estimate_fen is None:
        # accepted without an estimate on the platform: nothing to adjust against
        raise wrong_stage(project_id, project.stage, Stage.ESTIMATE_APPROVED.value, Action.ADJUST.value)
    previous = [a.amount_fen for a in await adjustments_of(uow, project_id) if a.status in ("filed", "approved")]
    total = adjusted_total_fen if adjusted_total_fen is not None else project.estimate_fen
    route = domain.adjustment_route(
        pack,
        approved_total_fen=project.estimate_fen,
        adjusted_total_fen=total,
        amount_fen=amount_fen,
        previous_adjustments_fen=previous,
        goals_unchanged=goals_unchanged,
        case=case,
        major=major,
    )
    now = clock.now()
    adjustment = Adjustment(
        id=_new_id("ADJ"),
        project_id=project_id,
        amount_fen=amount_fen,
        adjusted_total_fen=total,
        approved_total_fen=project.estimate_fen,
        case=case,
        major=major,
        goals_unchanged=goals_unchanged,
        description=description,
        route=route.route,
        status="filed" if route.route == "filing" else "pending",
        requested_by=principal.subject,
        requested_at=now,
    )
    uow.session.add(adjustment)
    await record_all(uow, route.decisions, subject=project_id, action=f"adjustment.{route.route}", actor=principal)
    await uow.audit(
        subject=project_id,
        action=f"adjustment.{adjustment.status}",
        actor=principal,
        detail={"adjustment_id": adjustment.id, "amount_fen": amount_fen, "route": route.route},
    )
    if route.route == "filing":
        await uow.emit(
            AdjustmentFiled(
                project_id=project_id,
                adjustment_id=adjustment.id,
                unit=project.unit,
                jurisdiction=project.jurisdiction,
                amount_fen=amount_fen,
                cumulative_fen=sum(previous) + amount_fen,
                case=case,
                filed_on=now.date(),
            )
        )
    ADJUSTMENTS.labels(route.route).inc()
    return adjustment, route


async def decide_adjustment(
    uow: UnitOfWork, project_id: str, adjustment_id: str, approve: bool, principal: Principal
) -> Adjustment:
    """The bureau's prior approval (第四十四条); an approved total above the estimate is a new estimate revision."""
    project = await load(uow, project_id, for_update=True)
    adjustment = await locked(uow.session, Adjustment, adjustment_id)
    if adjustment is None or adjustment.project_id != project_id:
        raise not_found("adjustment of this project", adjustment_id)
    if adjustment.status != "pending":
        raise wrong_stage(adjustment_id, adjustment.status, "pending", "decide the adjustment")
    adjustment.status = "approved" if approve else "rejected"
    adjustment.decided_by, adjustment.decided_at = principal.subject, clock.now()
    await uow.audit(
        subject=project_id,
        action=f"adjustment.{adjustment.status}",
        actor=principal,
        detail={"adjustment_id": adjustment_id},
    )
    if approve:
        if adjustment.adjusted_total_fen != (project.estimate_fen or 0):
            await _new_estimate_revision(uow, project, adjustment.adjusted_total_fen, principal, opinion=adjustment_id)
        await uow.emit(
            AdjustmentApproved(
                project_id=project_id,
                adjustment_id=adjustment_id,
                unit=project.unit,
                jurisdiction=project.jurisdiction,
                amount_fen=adjustment.amount_fen,
                adjusted_total_fen=adjustment.adjusted_total_fen,
                approved_on=clock.today(),
            )
        )
    return adjustment


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
            sa.select(sa.func.coalesce(sa.func.sum(AnnualBudgetLine.amount_fen), 0)).where(
                AnnualBudgetLine.project_id == project.project_id, AnnualBudgetLine.kind != "om"
            )
        )
        if kind != "om":
            lines_total = int(existing) + amount_fen
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
        id=_new_id("BL"),
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


async def budget_totals(uow: UnitOfWork, year: int, jurisdiction: str | None) -> dict:
    """Per-jurisdiction (by kind) and per-unit totals of a year's budget lines, for finance."""
    lines = AnnualBudgetLine
    where = [lines.year == year] + ([lines.jurisdiction == jurisdiction] if jurisdiction else [])
    by_kind = (
        await uow.session.execute(
            sa.select(lines.jurisdiction, lines.kind, sa.func.sum(lines.amount_fen))
            .where(*where)
            .group_by(lines.jurisdiction, lines.kind)
            .order_by(lines.jurisdiction, lines.kind)
        )
    ).all()
    by_unit = (
        await uow.session.execute(
            sa.select(lines.jurisdiction, lines.unit, sa.func.sum(lines.amount_fen))
            .where(*where)
            .group_by(lines.jurisdiction, lines.unit)
            .order_by(lines.jurisdiction, lines.unit)
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
        failed_acceptance_items=tuple(project.failed_acceptance_items) if project else (),
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
        id=_new_id("OM"),
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
            id=_new_id("BL"),
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
        payment_id=_new_id("DOP"),
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


# --- sweeper -----------------------------------------------------------------------------------------------


async def refresh_gauges(runtime) -> int:
    """Amounts by jurisdiction and budget stage, and overdue deadlines by rule (after the shared sweep)."""
    deadlines = runtime.schema.deadlines
    async with runtime.unit_of_work() as uow:
        amounts = (
            await uow.session.execute(
                sa.select(
                    BudgetProject.jurisdiction,
                    BudgetProject.stage,
                    sa.func.coalesce(sa.func.sum(BudgetProject.estimate_fen), 0),
                    sa.func.coalesce(sa.func.sum(BudgetProject.released_fen), 0),
                ).group_by(BudgetProject.jurisdiction, BudgetProject.stage)
            )
        ).all()
        overdue = (
            await uow.session.execute(
                sa.select(deadlines.c.rule_id, sa.func.count())
                .where(deadlines.c.status == "overdue")
                .group_by(deadlines.c.rule_id)
            )
        ).all()
    PROJECT_AMOUNTS_YUAN.clear()
    for jurisdiction, stage, estimate, released in amounts:
        PROJECT_AMOUNTS_YUAN.labels(jurisdiction, stage, "estimate").set(int(estimate) / 100)
        PROJECT_AMOUNTS_YUAN.labels(jurisdiction, stage, "released").set(int(released) / 100)
    DEADLINES_OVERDUE.clear()
    for rule_id, count in overdue:
        DEADLINES_OVERDUE.labels(rule_id).set(count)
    return len(amounts)
