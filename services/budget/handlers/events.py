"""Budget's consumed events: approvals, contracts, acceptance, catalog's systems, supervision findings."""

from __future__ import annotations

from services.budget import domain
from services.budget.domain import Action
from services.budget.tables import (
    BudgetProject,
    CatalogSystem,
    ContractRef,
    SupervisionFinding,
)
from shared import clock, supervision
from shared.bus import Subscriptions
from shared.contracts.acceptance import ProjectAccepted, ProjectFailed
from shared.contracts.catalog import FindingEscalated, FindingResolved, SystemRegistered, SystemRetired
from shared.contracts.envelope import CloudEvent
from shared.contracts.procurement import ContractSigned
from shared.contracts.review import ProjectApproved
from shared.locking import locked
from shared.uow import UnitOfWork

subscriptions = Subscriptions()


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
    await supervision.on_escalated(uow, SupervisionFinding, event, payload, project_id=payload.project_id)


@subscriptions.on(FindingResolved)
async def on_finding_resolved(uow: UnitOfWork, event: CloudEvent, payload: FindingResolved) -> None:
    await supervision.on_resolved(uow, SupervisionFinding, payload, subject="project_id")
