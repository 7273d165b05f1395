"""Feeds the portfolio read model from the services' events: each consumer records the facts an event
carries, then lets `domain.PENDING` say the stage and the to-dos now waiting."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from services.catalog.handlers import subscriptions
from services.catalog.portfolio import domain
from services.catalog.portfolio.domain import Action, Stage
from services.catalog.portfolio.tables import (
    PortfolioDeadline,
    PortfolioMoney,
    PortfolioNotification,
    PortfolioProject,
    PortfolioTodo,
)
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
from shared.contracts.catalog import FindingRecorded, FindingResolved, SystemRegistered, SystemRetired
from shared.contracts.common import DEADLINE_OVERDUE
from shared.contracts.envelope import CloudEvent
from shared.contracts.intake import ApplicationAdmitted, ApplicationRejected, ApplicationSubmitted, ProjectSummary
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
    ProjectApproved,
    ProjectPrescreened,
    ProjectRejected,
    ProjectScored,
)
from shared.policy import Pack, PolicyError, packs
from shared.uow import UnitOfWork

CONSTRUCTION_DUE = "procurement.construction_due"


def day_of(event: CloudEvent) -> date:
    return event.time.astimezone(clock.CHINA).date()


def pack_for(jurisdiction: str) -> Pack | None:
    try:
        return packs.get(jurisdiction)
    except PolicyError:
        return None


async def project(
    uow: UnitOfWork, event: CloudEvent, project_id: str, *, unit: str | None = None, jurisdiction: str | None = None
) -> PortfolioProject:
    row = await uow.session.get(PortfolioProject, project_id, with_for_update=True)
    if row is None:
        # a project first heard of past submission (events reordered, or stock from before the read model)
        row = PortfolioProject(
            project_id=project_id,
            unit=unit or "",
            jurisdiction=jurisdiction or "",
            stage=Stage.DRAFT,
            stage_at=event.time,
            created_at=event.time,
            updated_at=event.time,
        )
        uow.session.add(row)
    row.unit = row.unit or unit or ""
    row.jurisdiction = row.jurisdiction or jurisdiction or ""
    row.updated_at = clock.now()
    return row


def summarise(row: PortfolioProject, summary: ProjectSummary) -> None:
    row.unit, row.jurisdiction, row.secret = summary.unit, summary.jurisdiction, summary.secret
    row.title = None if summary.secret else summary.title
    row.plan_year, row.total_investment_fen = summary.plan_year, summary.total_investment_fen


async def notify(uow: UnitOfWork, row: PortfolioProject, role: str, kind: str, text: str, due_on=None) -> None:
    uow.session.add(
        PortfolioNotification(
            project_id=row.project_id,
            role=role,
            unit=row.unit if role == Role.UNIT else None,
            kind=kind,
            text_zh=text[:300],
            due_on=due_on,
            created_at=clock.now(),
        )
    )


def name_of(row: PortfolioProject) -> str:
    """How a notification names a project: never the title of a secret one."""
    return f"涉密项目 {row.project_id}" if row.secret or not row.title else f"「{row.title}」"


async def open_todo(
    uow: UnitOfWork,
    row: PortfolioProject,
    action: Action,
    since: datetime,
    *,
    ref: str = "",
    due_on=None,
    announce: bool = True,
) -> None:
    uow.session.add(
        PortfolioTodo(
            project_id=row.project_id,
            service=action.service,
            action=action.action,
            action_label_zh=action.action_label_zh,
            role=action.role,
            unit=row.unit if action.role == Role.UNIT else None,
            ref=ref,
            due_on=due_on,
            since=since,
        )
    )
    if announce:
        await notify(uow, row, action.role, "todo", f"新待办：{name_of(row)} {action.action_label_zh}", due_on)


async def close_todos(uow: UnitOfWork, project_id: str, **where) -> None:
    query = sa.update(PortfolioTodo).where(PortfolioTodo.project_id == project_id, PortfolioTodo.status == "open")
    for column, value in where.items():
        query = query.where(getattr(PortfolioTodo, column) == value)
    await uow.session.execute(query.values(status="done", closed_at=clock.now()))


async def move(
    uow: UnitOfWork,
    row: PortfolioProject,
    event: CloudEvent,
    key: str,
    *,
    step_done: str | None = None,
    next_step: str | None = None,
    due_on: date | None = None,
    backwards: bool = False,
) -> None:
    """Put the project in the event's stage and replace its stage to-dos with the ones now waiting; an
    event behind the project's stage (or older than the one that set it) changes nothing here."""
    pending = domain.PENDING[key]
    same = domain.Stage(row.stage) == pending.stage
    if not backwards and not domain.moves(row.stage, pending.stage):
        return
    if same and event.time < row.stage_at:
        return
    advanced = domain.rank(pending.stage) > domain.rank(row.stage)
    row.stage, row.stage_at = pending.stage.value, event.time
    if step_done is not None:
        row.review_step_done = step_done
    pack = pack_for(row.jurisdiction)
    actions: tuple[Action, ...] = ()
    if pack is not None:
        actions = domain.resolve(
            pending,
            pack,
            amount_fen=row.total_investment_fen or 0,
            secret=row.secret,
            step_done=step_done,
            next_step=next_step,
        )
    else:  # an unknown jurisdiction: only the actions that need no pack
        actions = tuple(a for a in pending.actions if not a.action.startswith("{"))
    wanted = {(a.service, a.action, a.role) for a in actions}
    current = list(
        await uow.session.scalars(
            sa.select(PortfolioTodo).where(
                PortfolioTodo.project_id == row.project_id,
                PortfolioTodo.status == "open",
                PortfolioTodo.ref == "",
            )
        )
    )
    kept = set()
    for todo in current:
        if (todo.service, todo.action, todo.role) in wanted:
            kept.add((todo.service, todo.action, todo.role))
        else:
            todo.status, todo.closed_at = "done", clock.now()
    for action in actions:
        if (action.service, action.action, action.role) not in kept:
            await open_todo(uow, row, action, event.time, due_on=due_on)
    # The service that announced a deadline overdue moved the project on: the late step was taken.
    # Only a project with a live deadline can have one (refresh_due keeps the earliest live one on the
    # row, and a chase to-do opens only with an overdue deadline): most moves skip three statements.
    if advanced and row.next_due_on is not None:
        await close_todos(uow, row.project_id, action=domain.CHASE_OVERDUE.action, service=event.service)
        await uow.session.execute(
            sa.update(PortfolioDeadline)
            .where(
                PortfolioDeadline.project_id == row.project_id,
                PortfolioDeadline.service == event.service,
                PortfolioDeadline.status == "overdue",
            )
            .values(status="met")
        )
        await refresh_due(uow, row.project_id)


async def money(uow: UnitOfWork, project_id: str, kind: str, ref: str, amount_fen: int) -> bool:
    """False when this (kind, ref) was already counted (the same amount announced twice)."""
    exists = await uow.session.scalar(
        sa.select(PortfolioMoney.id).where(
            PortfolioMoney.project_id == project_id, PortfolioMoney.kind == kind, PortfolioMoney.ref == ref
        )
    )
    if exists is not None:
        return False
    uow.session.add(PortfolioMoney(project_id=project_id, kind=kind, ref=ref, amount_fen=amount_fen))
    return True


async def deadline(
    uow: UnitOfWork,
    row: PortfolioProject,
    *,
    service: str,
    rule_id: str,
    due_on: date,
    role: str,
    citation: str = "",
    description: str = "",
    status: str = "open",
) -> tuple[PortfolioDeadline, str | None]:
    """Insert or update one deadline; returns it and its previous status (None when new)."""
    found = await uow.session.scalar(
        sa.select(PortfolioDeadline).where(
            PortfolioDeadline.project_id == row.project_id,
            PortfolioDeadline.service == service,
            PortfolioDeadline.rule_id == rule_id,
        )
    )
    if found is None:
        found = PortfolioDeadline(
            project_id=row.project_id,
            service=service,
            rule_id=rule_id,
            citation=citation,
            description=description[:300],
            due_on=due_on,
            status=status,
            role=role,
        )
        uow.session.add(found)
        await refresh_due(uow, row.project_id)
        return found, None
    previous = found.status
    found.due_on, found.status = due_on, status
    found.citation = citation or found.citation
    found.description = (description or found.description)[:300]
    await refresh_due(uow, row.project_id)
    return found, previous


async def refresh_due(uow: UnitOfWork, project_id: str) -> None:
    """Keep the project's earliest live deadline on its row (the list sorts and filters on it)."""
    row = await uow.session.get(PortfolioProject, project_id)
    if row is None:
        return
    await uow.session.flush()
    row.next_due_on = await uow.session.scalar(
        sa.select(sa.func.min(PortfolioDeadline.due_on)).where(
            PortfolioDeadline.project_id == project_id, PortfolioDeadline.status.in_(("open", "overdue"))
        )
    )


async def close_deadlines(uow: UnitOfWork, project_id: str, rule_id: str) -> None:
    """The deadline was met (or its step taken late): no longer live, nobody chases it."""
    services = list(
        await uow.session.scalars(
            sa.select(PortfolioDeadline.service).where(
                PortfolioDeadline.project_id == project_id, PortfolioDeadline.rule_id == rule_id
            )
        )
    )
    await uow.session.execute(
        sa.update(PortfolioDeadline)
        .where(PortfolioDeadline.project_id == project_id, PortfolioDeadline.rule_id == rule_id)
        .values(status="met")
    )
    for service in services:
        await close_todos(uow, project_id, action=domain.CHASE_OVERDUE.action, ref=f"{service}:{rule_id}")
    await refresh_due(uow, project_id)


async def turned_overdue(uow: UnitOfWork, row: PortfolioProject, found: PortfolioDeadline) -> None:
    """Once per deadline, however it was learnt (a service's announcement, catalog's own sweeper, or the
    portfolio's sweep): the bureau gets a 督办 to-do and the unit is told."""
    chase = Action(
        found.service, domain.CHASE_OVERDUE.action, domain.CHASE_OVERDUE.role, domain.CHASE_OVERDUE.action_label_zh
    )
    await open_todo(uow, row, chase, clock.now(), ref=f"{found.service}:{found.rule_id}", due_on=found.due_on)
    text = f"已逾期：{name_of(row)} {found.description}（应于 {found.due_on.isoformat()} 前完成）"
    await notify(uow, row, Role.UNIT.value, "deadline_overdue", text, found.due_on)


def rule_title(jurisdiction: str, rule_id: str) -> str:
    pack = pack_for(jurisdiction)
    if pack is not None and pack.has(rule_id):
        return pack.rule(rule_id).title_zh
    return rule_id


async def sync_own_deadlines(uow: UnitOfWork, row: PortfolioProject) -> None:
    """Catalog's own deadlines of the project (e.g. the yearly performance monitoring report, dazhou:第五十一条)
    are in this service's `deadlines` table; the portfolio keeps a copy so one query serves every list."""
    table = uow.schema.deadlines
    for own in (await uow.session.execute(sa.select(table).where(table.c.subject == row.project_id))).all():
        status = {"open": "open", "overdue": "overdue"}.get(own.status, "met")  # late = done late
        found, previous = await deadline(
            uow,
            row,
            service="catalog",
            rule_id=own.rule_id,
            due_on=own.due_on,
            role=Role.UNIT.value,
            citation=own.citation,
            description=rule_title(row.jurisdiction, own.rule_id),
            status=status,
        )
        if status == "overdue" and previous != "overdue":
            await turned_overdue(uow, row, found)
        elif status == "met" and previous in ("open", "overdue"):
            await close_todos(uow, row.project_id, action=domain.CHASE_OVERDUE.action, ref=f"catalog:{own.rule_id}")


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
    query = sa.update(PortfolioTodo).where(
        PortfolioTodo.project_id == project_id,
        PortfolioTodo.status == "open",
        PortfolioTodo.role == Role.EXPERT.value,
    )
    if subjects is not None:
        query = query.where(PortfolioTodo.ref.in_([domain.expert_ref(s) for s in subjects]))
    await uow.session.execute(query.values(status="done", closed_at=clock.now()))


@subscriptions.on(ExpertsDrawn)
async def on_experts_drawn(uow: UnitOfWork, event: CloudEvent, payload: ExpertsDrawn) -> None:
    """Each drawn expert with a sign-in gets a to-do addressed to them alone (the ref names the sign-in);
    a decliner's closes. No notification: the feed addresses roles, and all experts share one."""
    row = await project(uow, event, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    gone = [e.subject for e in payload.declined if e.subject]
    if gone:
        await close_expert_todos(uow, row.project_id, gone)
    action = domain.expert_action(payload.purpose, row.stage)
    for expert in payload.experts:
        if not expert.subject:
            continue  # no account on the platform: nobody to show a to-do to
        ref = domain.expert_ref(expert.subject)
        exists = await uow.session.scalar(
            sa.select(PortfolioTodo.id).where(
                PortfolioTodo.project_id == row.project_id,
                PortfolioTodo.status == "open",
                PortfolioTodo.role == Role.EXPERT.value,
                PortfolioTodo.ref == ref,
            )
        )
        if exists is None:
            await open_todo(uow, row, action, event.time, ref=ref, announce=False)


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
    await move(uow, row, event, domain.key_of(payload.event_type))


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
        await deadline(
            uow,
            row,
            service="procurement",
            rule_id=CONSTRUCTION_DUE,
            due_on=payload.construction_due,
            role=Role.UNIT.value,
            description="建设工期届满，完成建设并开始试运行",
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


# --- catalog's own events (heard back from its topic like any other consumer) -----------------------------


@subscriptions.on(SystemRegistered)
async def on_registered(uow: UnitOfWork, event: CloudEvent, payload: SystemRegistered) -> None:
    if await uow.session.get(PortfolioProject, payload.project_id) is None:
        return  # a stock system with no project behind it
    row = await project(uow, event, payload.project_id)
    row.registered_on = payload.registered_on
    await move(uow, row, event, domain.key_of(payload.event_type))


@subscriptions.on(SystemRetired)
async def on_retired(uow: UnitOfWork, event: CloudEvent, payload: SystemRetired) -> None:
    if await uow.session.get(PortfolioProject, payload.project_id) is None:
        return
    row = await project(uow, event, payload.project_id)
    row.retired_on = payload.retired_on
    await move(uow, row, event, domain.key_of(payload.event_type))


@subscriptions.on(FindingRecorded)
async def on_finding(uow: UnitOfWork, event: CloudEvent, payload: FindingRecorded) -> None:
    if await uow.session.get(PortfolioProject, payload.project_id) is None:
        return  # a finding against a unit, not a project
    row = await project(uow, event, payload.project_id)
    ref = f"finding:{payload.finding_id}"
    await deadline(
        uow,
        row,
        service="catalog",
        rule_id=ref,
        due_on=payload.rectify_by,
        role=Role.UNIT.value,
        citation=payload.citation,
        description="督查问题限期整改",
    )
    await open_todo(uow, row, domain.RECTIFY, event.time, ref=ref, due_on=payload.rectify_by)


@subscriptions.on(FindingResolved)
async def on_finding_resolved(uow: UnitOfWork, event: CloudEvent, payload: FindingResolved) -> None:
    ref = f"finding:{payload.finding_id}"
    await close_deadlines(uow, payload.project_id, ref)
    await close_todos(uow, payload.project_id, ref=ref)


# --- deadlines the other services announced overdue ------------------------------------------------------


def _overdue_consumer(service: str):
    async def on_overdue(uow: UnitOfWork, event: CloudEvent, payload) -> None:
        if await uow.session.get(PortfolioProject, payload.project_id) is None:
            return  # a deadline of something that is not a project (a system, a task)
        row = await project(uow, event, payload.project_id)
        found, previous = await deadline(
            uow,
            row,
            service=service,
            rule_id=payload.rule_id,
            due_on=payload.due_on,
            role=Role.UNIT.value if service == "catalog" else Role.DATA_BUREAU.value,
            citation=payload.citation,
            description=rule_title(row.jurisdiction, payload.rule_id),
            status="overdue",
        )
        if previous != "overdue":  # announced again, or already known from catalog's own table
            await turned_overdue(uow, row, found)

    on_overdue.__name__ = f"on_{service}_deadline_overdue_portfolio"
    return on_overdue


for _service, _payload_type in DEADLINE_OVERDUE.items():
    subscriptions.on(_payload_type)(_overdue_consumer(_service))


# --- the sweep: catalog's own deadlines copied, approaching and overdue ones notified ---------------------


async def remind(uow: UnitOfWork, today: date) -> int:
    """Raise each deadline's notifications once: approaching (within the local setting's days), then
    overdue when its day has passed and nobody announced it."""
    raised = 0
    horizon = today + timedelta(days=domain.LOCAL_SETTINGS["notify_before_days"])
    due = await uow.session.scalars(
        sa.select(PortfolioDeadline).where(PortfolioDeadline.status == "open", PortfolioDeadline.due_on <= horizon)
    )
    for found in list(due):
        row = await uow.session.get(PortfolioProject, found.project_id)
        if row is None:
            continue
        if found.due_on < today:
            found.status = "overdue"
            await turned_overdue(uow, row, found)
            raised += 1
        elif not found.reminded:
            found.reminded = True
            text = f"即将到期：{name_of(row)} {found.description}（{found.due_on.isoformat()} 前）"
            await notify(uow, row, found.role, "deadline_approaching", text, found.due_on)
            raised += 1
    return raised


async def sweep_own_deadlines(uow: UnitOfWork) -> int:
    """Refresh the copies of catalog's own deadlines (its sweeper marks them overdue or met)."""
    table = uow.schema.deadlines
    subjects = await uow.session.scalars(
        sa.select(table.c.subject).distinct().where(table.c.subject.in_(sa.select(PortfolioProject.project_id)))
    )
    count = 0
    for subject in list(subjects):
        row = await uow.session.get(PortfolioProject, subject)
        if row is not None:
            await sync_own_deadlines(uow, row)
            count += 1
    return count
