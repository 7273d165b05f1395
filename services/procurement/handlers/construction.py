"""Commands during construction (dazhou:第四十六条): incidents, rectification, suspension, termination."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from services.procurement import domain
from services.procurement.domain import Action
from services.procurement.handlers.common import (
    date_problem,
    pack_of,
)
from services.procurement.metrics import (
    PROJECT_EVENTS,
)
from services.procurement.queries import (
    active_sanctions,
    load,
)
from services.procurement.schemas import (
    IncidentCreate,
    RectificationOrder,
    TerminationApproval,
)
from services.procurement.tables import (
    Incident,
    ProcurementProject,
    Sanction,
)
from shared import clock
from shared.auth import Principal
from shared.contracts.procurement import (
    ProjectDelayed,
    ProjectResumed,
    ProjectSuspended,
    ProjectTerminated,
)
from shared.errors import conflict
from shared.ids import new_id
from shared.uow import UnitOfWork


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
        col(Incident.project_id) == project.project_id, col(Incident.handling) == "report_rectify_or_suspend"
    )
    if incident_id is not None:
        query = query.where(col(Incident.id) == incident_id)
    incident = await uow.session.scalar(query.order_by(col(Incident.reported_on).desc()))
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
    actor: Principal | str,
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
