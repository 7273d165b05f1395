"""The portfolio's consumers of the stage services' events (intake, review, budget, procurement, acceptance)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.handlers import subscriptions
from services.catalog.portfolio import domain
from services.catalog.portfolio.consumers.recording import (
    CONSTRUCTION_DUE,
    close_deadlines,
    close_todos,
    day_of,
    deadline,
    money,
    move,
    open_todo,
    open_todos,
    pack_for,
    project,
    summarise,
    sync_own_deadlines,
)
from services.catalog.portfolio.tables import PortfolioTodo
from shared import clock
from shared.auth import Role
from shared.contracts.acceptance import ProjectAccepted, ProjectFailed, StepCompleted, TrialStarted
from shared.contracts.budget import (
    AdjustmentApproved,
    ControlPriceApproved,
    ControlPriceSubmitted,
    EstimateApproved,
    EstimateFiled,
    FundsReleased,
)
from shared.contracts.envelope import CloudEvent
from shared.contracts.intake import ApplicationAdmitted, ApplicationRejected, ApplicationSubmitted
from shared.contracts.procurement import (
    ContractSigned,
    PlanFiled,
    ProcedureRestarted,
    ProjectTerminated,
    SupplementApproved,
    TenderAwarded,
)
from shared.contracts.review import (
    ApprovalRouted,
    ExpertsDrawn,
    JointOpinionRecorded,
    ProjectApproved,
    ProjectPrescreened,
    ProjectRejected,
    ProjectScored,
)
from shared.uow import UnitOfWork

# --- intake ---------------------------------------------------------------------------------------------


@subscriptions.on(ApplicationSubmitted)
async def on_submitted(uow: UnitOfWork, event: CloudEvent, payload: ApplicationSubmitted) -> None:
    row = await project(uow, event, payload.project_id)
    summarise(row, payload.project)
    row.submitted_on = row.submitted_on or day_of(event)
    await move(uow, row, event, domain.key_of(payload.event_type))


@subscriptions.on(ApplicationAdmitted)
async def on_admitted(uow: UnitOfWork, event: CloudEvent, payload: ApplicationAdmitted) -> None:
    row = await project(uow, event, payload.project_id)
    summarise(row, payload.project)
    row.admitted_on = row.admitted_on or day_of(event)
    await move(uow, row, event, domain.key_of(payload.event_type))


@subscriptions.on(ApplicationRejected)
async def on_application_rejected(uow: UnitOfWork, event: CloudEvent, payload: ApplicationRejected) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    row.rejected_on = row.rejected_on or day_of(event)
    await move(uow, row, event, domain.key_of(payload.event_type))


# --- review ---------------------------------------------------------------------------------------------


@subscriptions.on(ProjectPrescreened)
async def on_prescreened(uow: UnitOfWork, event: CloudEvent, payload: ProjectPrescreened) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    if payload.outcome != "passed":
        row.rejected_on = row.rejected_on or day_of(event)
    await move(uow, row, event, domain.key_of(payload.event_type, payload.outcome), step_done="prescreening")


@subscriptions.on(ProjectScored)
async def on_scored(uow: UnitOfWork, event: CloudEvent, payload: ProjectScored) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    outcome = "passed" if payload.passed else "failed"
    await close_expert_todos(uow, row.project_id)
    await move(uow, row, event, domain.key_of(payload.event_type, outcome), step_done="scheme_review")


@subscriptions.on(ProjectRejected)
async def on_review_rejected(uow: UnitOfWork, event: CloudEvent, payload: ProjectRejected) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit)
    row.rejected_on = row.rejected_on or day_of(event)
    await close_expert_todos(uow, row.project_id)
    await move(uow, row, event, domain.key_of(payload.event_type))


@subscriptions.on(ApprovalRouted)
async def on_routed(uow: UnitOfWork, event: CloudEvent, payload: ApprovalRouted) -> None:
    """The chain opened or a leader signed: the to-do moves to the leader who signs next (the review
    before it is over, so the experts' to-dos close)."""
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    await close_expert_todos(uow, row.project_id)
    await move(uow, row, event, domain.key_of(payload.event_type), next_step=payload.next_role)


async def close_expert_todos(uow: UnitOfWork, project_id: str, subjects: list[str] | None = None) -> None:
    """Close the experts' open to-dos (those of `subjects` alone when given), on the objects: most reviews
    drew nobody with a sign-in, and then this costs no statement."""
    refs = None if subjects is None else {domain.expert_ref(s) for s in subjects}
    now = clock.now()
    for todo in await open_todos(uow, project_id):
        if todo.role == Role.EXPERT.value and (refs is None or todo.ref in refs):
            todo.status, todo.closed_at = "done", now


@subscriptions.on(ExpertsDrawn)
async def on_experts_drawn(uow: UnitOfWork, event: CloudEvent, payload: ExpertsDrawn) -> None:
    """Each drawn expert with a sign-in gets a to-do addressed to them alone (the ref names the sign-in);
    a decliner's closes. No notification: the feed addresses roles, and all experts share one."""
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    gone = [e.subject for e in payload.declined if e.subject]
    if gone:
        await close_expert_todos(uow, row.project_id, gone)
    pack = pack_for(row.jurisdiction)
    action = domain.expert_action(
        payload.purpose, row.stage, domain.review_steps(pack) if pack and pack.has("review.path") else None
    )
    for expert in payload.experts:
        if not expert.subject:
            continue  # no account on the platform: nobody to show a to-do to
        ref = domain.expert_ref(expert.subject)
        exists = any(
            todo.role == Role.EXPERT.value and todo.ref == ref for todo in await open_todos(uow, row.project_id)
        )
        if not exists:
            await open_todo(uow, row, action, event.time, ref=ref, announce=False)


@subscriptions.on(JointOpinionRecorded)
async def on_joint_opinion(uow: UnitOfWork, event: CloudEvent, payload: JointOpinionRecorded) -> None:
    """A party of the joint review gave its opinion (quzhou:三(二)1): its own to-do is done at once; the other
    parties' and the leading office's wait on. Heard before its to-do opened (the admission arrives later on
    intake's topic), it is kept done so the admission does not open it (`move`)."""
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    if payload.party == Role.EXPERT.value:
        if payload.expert_subject:  # an expert's to-do is addressed to their sign-in (`on_experts_drawn`)
            await close_expert_todos(uow, row.project_id, [payload.expert_subject])
        return
    await close_todos(uow, row.project_id, service="review", action=domain.JOINT_REVIEW, role=payload.party, ref="")
    known = await uow.session.scalar(
        sa
        .select(col(PortfolioTodo.id))
        .where(
            col(PortfolioTodo.project_id) == row.project_id,
            col(PortfolioTodo.service) == "review",
            col(PortfolioTodo.action) == domain.JOINT_REVIEW,
            col(PortfolioTodo.role) == payload.party,
            col(PortfolioTodo.ref) == "",
        )
        .limit(1)
    )
    if known is None:
        organiser, organising = domain.REVIEW_STEPS[domain.JOINT_REVIEW]
        uow.session.add(
            PortfolioTodo(
                project_id=row.project_id,
                service="review",
                action=domain.JOINT_REVIEW,
                action_label_zh=organising if payload.party == organiser.value else domain.JOINT_OPINION_LABEL,
                role=payload.party,
                unit=row.unit if payload.party == Role.UNIT.value else None,
                since=event.time,
                status="done",
                closed_at=clock.now(),
            )
        )


@subscriptions.on(ProjectApproved)
async def on_approved(uow: UnitOfWork, event: CloudEvent, payload: ProjectApproved) -> None:
    row = await project(uow, event, payload.project_id)
    summarise(row, payload.project)
    row.approved_on = payload.approved_on
    row.approved_investment_fen = payload.project.total_investment_fen
    if payload.fixed_estimate_fen is not None and row.estimate_fen is None:
        row.estimate_fen = payload.fixed_estimate_fen  # quzhou fixes the estimate price in the joint review
    await move(uow, row, event, domain.key_of(payload.event_type), step_done="approval")


# --- budget ---------------------------------------------------------------------------------------------


@subscriptions.on(EstimateApproved)
async def on_estimate(uow: UnitOfWork, event: CloudEvent, payload: EstimateApproved) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    if payload.revision >= row.estimate_revision:  # a late earlier revision does not replace a later one
        row.estimate_fen, row.estimate_revision = payload.estimate_fen, payload.revision
        row.estimate_approved_on = payload.approved_on
    await move(uow, row, event, domain.key_of(payload.event_type))


@subscriptions.on(EstimateFiled)
async def on_estimate_filed(uow: UnitOfWork, event: CloudEvent, payload: EstimateFiled) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    await move(uow, row, event, domain.key_of(payload.event_type), due_on=payload.review_due)


@subscriptions.on(ControlPriceSubmitted)
async def on_control_price_submitted(uow: UnitOfWork, event: CloudEvent, payload: ControlPriceSubmitted) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    await move(uow, row, event, domain.key_of(payload.event_type), due_on=payload.review_due)


@subscriptions.on(AdjustmentApproved)
async def on_adjustment(uow: UnitOfWork, event: CloudEvent, payload: AdjustmentApproved) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    row.estimate_fen = payload.adjusted_total_fen


@subscriptions.on(ControlPriceApproved)
async def on_control_price(uow: UnitOfWork, event: CloudEvent, payload: ControlPriceApproved) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    await move(uow, row, event, domain.key_of(payload.event_type))


@subscriptions.on(FundsReleased)
async def on_released(uow: UnitOfWork, event: CloudEvent, payload: FundsReleased) -> None:
    row = await project(uow, event, payload.project_id)
    if await money(uow, payload.project_id, "release", payload.release_id, payload.amount_fen):
        row.released_fen = max(row.released_fen + payload.amount_fen, payload.released_total_fen)


# --- procurement ----------------------------------------------------------------------------------------


@subscriptions.on(PlanFiled)
async def on_plan(uow: UnitOfWork, event: CloudEvent, payload: PlanFiled) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    await move(uow, row, event, domain.key_of(payload.event_type), next_step=payload.route)


@subscriptions.on(TenderAwarded)
async def on_awarded(uow: UnitOfWork, event: CloudEvent, payload: TenderAwarded) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    await move(uow, row, event, domain.key_of(payload.event_type))


@subscriptions.on(ContractSigned)
async def on_contract(uow: UnitOfWork, event: CloudEvent, payload: ContractSigned) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    if await money(uow, payload.project_id, "contract", payload.contract_id, payload.amount_fen):
        row.contracted_fen += payload.amount_fen
    row.contracted_on = row.contracted_on or payload.signed_on
    row.planned_completion = payload.planned_completion
    if payload.construction_due is not None:
        # heard after the trial run started (acceptance's topic ran ahead): built already, nothing to chase
        built = row.trial_started_on is not None or row.accepted_on is not None
        await deadline(
            uow,
            row,
            service="procurement",
            rule_id=CONSTRUCTION_DUE,
            due_on=payload.construction_due,
            role=Role.UNIT.value,
            description="建设工期届满，完成建设并开始试运行",
            status="met" if built else "open",
        )
    await sync_own_deadlines(uow, row)  # catalog opened the performance monitoring report in this unit of work
    await move(uow, row, event, domain.key_of(payload.event_type), due_on=payload.construction_due)


@subscriptions.on(SupplementApproved)
async def on_supplement(uow: UnitOfWork, event: CloudEvent, payload: SupplementApproved) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    if await money(uow, payload.project_id, "contract", payload.supplement_id, payload.amount_fen):
        row.contracted_fen += payload.amount_fen


@subscriptions.on(ProcedureRestarted)
async def on_restarted(uow: UnitOfWork, event: CloudEvent, payload: ProcedureRestarted) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    await move(uow, row, event, domain.key_of(payload.event_type), backwards=True)


@subscriptions.on(ProjectTerminated)
async def on_terminated(uow: UnitOfWork, event: CloudEvent, payload: ProjectTerminated) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    row.rejected_on = payload.terminated_on
    await move(uow, row, event, domain.key_of(payload.event_type), backwards=True)


# --- acceptance -----------------------------------------------------------------------------------------


@subscriptions.on(TrialStarted)
async def on_trial(uow: UnitOfWork, event: CloudEvent, payload: TrialStarted) -> None:
    row = await project(uow, event, payload.project_id)
    row.trial_started_on = payload.started_on
    await close_deadlines(uow, row.project_id, CONSTRUCTION_DUE)
    await move(uow, row, event, domain.key_of(payload.event_type), step_done="trial_run")


@subscriptions.on(StepCompleted)
async def on_acceptance_step(uow: UnitOfWork, event: CloudEvent, payload: StepCompleted) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    row.secret = row.secret or payload.secret
    before_trial = row.trial_started_on is None and payload.step != "trial_run"
    key = domain.key_of(payload.event_type, "before_trial" if before_trial else None)
    await move(uow, row, event, key, step_done=payload.step, next_step=payload.next_step)


@subscriptions.on(ProjectFailed)
async def on_failed(uow: UnitOfWork, event: CloudEvent, payload: ProjectFailed) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    await move(uow, row, event, domain.key_of(payload.event_type, "reapply" if payload.may_reapply else "final"))


@subscriptions.on(ProjectAccepted)
async def on_accepted(uow: UnitOfWork, event: CloudEvent, payload: ProjectAccepted) -> None:
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    row.secret = row.secret or payload.secret
    row.accepted_on = payload.accepted_on
    await close_deadlines(uow, row.project_id, CONSTRUCTION_DUE)
    await move(uow, row, event, domain.key_of(payload.event_type))
    await sync_own_deadlines(uow, row)
