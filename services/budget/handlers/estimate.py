"""The technical-plan timeline (dazhou:第三十五至三十八条): consultation, plan, review, estimate, control price."""

from __future__ import annotations

from datetime import date

from services.budget import domain
from services.budget.domain import Action, Stage
from services.budget.handlers.common import (
    check_unit,
    open_deadline,
    pack_of,
    record_all,
    refuse,
)
from services.budget.metrics import (
    ESTIMATES_YUAN,
)
from services.budget.queries import (
    add_revision,
    estimate_history,
    load,
)
from services.budget.tables import (
    BudgetProject,
    EstimateRevision,
)
from shared import clock
from shared.auth import Principal
from shared.contracts.budget import (
    ControlPriceApproved,
    ControlPriceSubmitted,
    EstimateApproved,
    EstimateFiled,
)
from shared.errors import Violation, bad_request, rule_violations
from shared.policy import Decision
from shared.uow import UnitOfWork


async def publish_consultation(
    uow: UnitOfWork, project_id: str, published_on: date, ends_on: date, principal: Principal
) -> BudgetProject:
    """The unit publishes the function list for price consultation (dazhou:第三十五条); the technical plan
    is then due within the pack's period after the consultation ends (第三十六条)."""
    project = await load(uow, project_id, for_update=True)
    check_unit(principal, project)
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


async def submit_technical_plan(
    uow: UnitOfWork, project_id: str, principal: Principal, *, contents: list[str] | None = None
) -> BudgetProject:
    """The unit delivers the technical plan with the contents the pack lists (第三十六条); the bureau's review is
    due in the pack's working days (第三十七条)."""
    project = await load(uow, project_id, for_update=True)
    check_unit(principal, project)
    pack = pack_of(project.jurisdiction)
    next_stage = domain.transition(project.stage, Action.SUBMIT_PLAN, subject=project_id, pack=pack)
    today = clock.today()
    plan_contents = domain.technical_plan_contents_decision(pack, contents or [])
    refusals = [plan_contents] if plan_contents is not None and plan_contents.outcome == "fail" else []
    decisions: list[Decision] = []
    if project.stage == Stage.CONSULTATION:
        ended_on = domain.consultation_end(project.consultation_published_on, project.consultation_ends_on, today)
        decisions = domain.technical_plan_decisions(pack, project.consultation_published_on, ended_on, today)
        # a consultation cut short is a refusal; a late plan is still received, the lateness recorded
        refusals += [d for d in domain.failed(decisions) if d.rule_id == domain.PRICE_CONSULTATION]
    if refusals:
        raise refuse(refusals)
    if plan_contents is not None:
        await uow.record_decision(plan_contents, subject=project_id, action="technical_plan.submitted", actor=principal)
    if project.stage == Stage.CONSULTATION:
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
    # the bureau's review-and-approve to-do (portfolio) starts from this event
    await uow.emit(
        EstimateFiled(
            project_id=project_id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            filed_on=today,
            review_due=due_on,
        )
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
    if project.stage != Stage.ESTIMATE_APPROVED:  # a revision of an approved estimate has run the timeline
        sequence = domain.estimate_sequence_decision(
            pack_of(project.jurisdiction),
            project.stage,
            project.consultation_published_on,
            project.consultation_ends_on,
            project.technical_plan_submitted_on,
            clock.today(),
        )
        if sequence is not None:
            if sequence.outcome == "fail":
                raise refuse([sequence], "the estimate follows the price consultation and the technical plan")
            await uow.record_decision(sequence, subject=project_id, action="estimate.sequence", actor=principal)
    pack = pack_of(project.jurisdiction)
    preconditions = [
        d
        for d in (
            domain.approval_letter_decision(pack, project.approval_letter_no),
            domain.resource_catalog_decision(pack, project.materials),
        )
        if d is not None
    ]
    refused = domain.failed(preconditions)
    if refused:
        raise rule_violations([Violation.from_decision(d) for d in refused])
    await record_all(uow, preconditions, subject=project_id, action="technical_review.precondition", actor=principal)
    await _close_technical_review(uow, project, principal, status="met")
    # steps the bureau's approval makes moot (the plan was handled off the platform): the plan's deadline is open
    # only between a published consultation and the plan (publish_consultation opens it, the plan or a restart
    # closes it), so without one there is nothing to close and no statement to send
    if project.consultation_published_on is not None and project.technical_plan_submitted_on is None:
        await uow.close_deadline(subject=project_id, rule_id=domain.TECHNICAL_PLAN_DUE, status="superseded")
    await new_estimate_revision(uow, project, estimate_fen, principal, opinion=opinion)
    project.stage = next_stage
    return project


async def new_estimate_revision(
    uow: UnitOfWork, project: BudgetProject, estimate_fen: int, principal: Principal, *, opinion: str = ""
) -> int:
    # every revision sets the estimate: a project without one has no history to read
    history = await estimate_history(uow, project.project_id) if project.estimate_fen is not None else []
    revision = len(history) + 1
    today = clock.today()
    add_revision(
        uow,
        EstimateRevision(
            project_id=project.project_id,
            revision=revision,
            estimate_fen=estimate_fen,
            approved_on=today,
            approved_by=principal.subject,
        ),
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
    check_unit(principal, project)
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
    # finance's review to-do (portfolio) starts from this event
    await uow.emit(
        ControlPriceSubmitted(
            project_id=project_id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            control_price_fen=control_price_fen,
            submitted_on=today,
            review_due=due_on,
        )
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
