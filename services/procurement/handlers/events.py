"""Procurement's consumed events: approval, estimate, control price, trial run, supervision findings."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from services.procurement import domain
from services.procurement.domain import Action, Stage
from services.procurement.handlers import om_tenders
from services.procurement.handlers.construction import terminate
from services.procurement.metrics import (
    PROJECT_EVENTS,
)
from services.procurement.queries import (
    active_sanctions,
)
from services.procurement.tables import (
    ProcurementProject,
    Sanction,
)
from shared import clock
from shared.bus import Subscriptions
from shared.contracts.acceptance import TrialStarted
from shared.contracts.budget import ControlPriceApproved, EstimateApproved, OmBudgetApproved
from shared.contracts.catalog import FindingEscalated, FindingResolved
from shared.contracts.envelope import CloudEvent
from shared.contracts.procurement import (
    ProjectResumed,
    ProjectSuspended,
)
from shared.contracts.review import ProjectApproved
from shared.locking import locked
from shared.uow import UnitOfWork

subscriptions = Subscriptions()


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


@subscriptions.on(OmBudgetApproved)
async def on_om_budget_approved(uow: UnitOfWork, event: CloudEvent, payload: OmBudgetApproved) -> None:
    """An O&M budget the bureau tenders with the year's others (jiyuan:运行维护) joins that year's unified tender."""
    if not payload.unified_tender:
        return
    await om_tenders.collect(
        uow,
        om_budget_id=payload.om_budget_id,
        system_id=payload.system_id,
        unit=payload.unit,
        jurisdiction=payload.jurisdiction,
        year=payload.funding_year,
        amount_fen=payload.amount_fen,
    )


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
        sa.select(col(ProcurementProject.project_id)).where(
            col(ProcurementProject.unit) == unit, col(ProcurementProject.stage).not_in(domain.TERMINAL)
        )
    )
    return list(rows.all())


async def _apply_finding(uow: UnitOfWork, event: CloudEvent, payload: FindingEscalated, project_id: str) -> None:
    project = await locked(uow.session, ProcurementProject, project_id)
    today = clock.today()
    if payload.step == domain.FINDING_SUSPENDS:
        existing = await uow.session.scalar(
            sa.select(Sanction).where(
                col(Sanction.project_id) == project_id,
                col(Sanction.finding_id) == payload.finding_id,
                col(Sanction.lifted_on).is_(None),
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
            sa.select(Sanction).where(col(Sanction.finding_id) == payload.finding_id, col(Sanction.lifted_on).is_(None))
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
