"""Budget's consumed events: approvals, contracts, acceptance, catalog's systems, supervision findings."""

from __future__ import annotations

from services.budget import domain
from services.budget.domain import Action, Stage
from services.budget.handlers.budgets import stop_om_budgets
from services.budget.tables import (
    BudgetProject,
    CatalogSystem,
    ContractRef,
    SupervisionFinding,
)
from shared import catalog_systems, clock, supervision
from shared.bus import Subscriptions
from shared.contracts.acceptance import ProjectAccepted, ProjectFailed
from shared.contracts.catalog import (
    EvaluationCompleted,
    FindingEscalated,
    FindingResolved,
    SystemRegistered,
    SystemRetired,
    SystemSecurityChanged,
    SystemStateChanged,
)
from shared.contracts.envelope import CloudEvent
from shared.contracts.procurement import ContractSigned, ProcedureRestarted
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
    """The register's copy, fed as intake's (shared.catalog_systems): a stale registration changes nothing."""
    system, applied = await catalog_systems.record_registration(
        uow, CatalogSystem, payload, jurisdiction=payload.jurisdiction
    )
    if applied:
        system.state = "registered"


@subscriptions.on(SystemRetired)
async def on_system_retired(uow: UnitOfWork, event: CloudEvent, payload: SystemRetired) -> None:
    system = await catalog_systems.record_retirement(uow, CatalogSystem, payload, jurisdiction="")
    system.state = "retired"
    await stop_om_budgets(uow, system, reason="retired", stopped_on=payload.retired_on)


@subscriptions.on(SystemStateChanged)
async def on_system_state_changed(uow: UnitOfWork, event: CloudEvent, payload: SystemStateChanged) -> None:
    """A system suspended (因故停止使用) stops its O&M project where the pack says so (fengxian:第二十二条)."""
    if payload.state != "suspended":
        return
    system = await locked(uow.session, CatalogSystem, payload.system_id)
    if system is not None:
        await stop_om_budgets(uow, system, reason="suspended", stopped_on=payload.changed_on)


#: catalog's live statuses → the items of budget.om_requires_security they fail (dazhou:第五十七条)
SECURITY_FAILURES = {
    ("crypto", "failed"): "crypto_review",
    ("security", "failed"): "mlps_test",
    ("security", "hazard"): "major_security_risk",
}


@subscriptions.on(SystemSecurityChanged)
async def on_system_security_changed(uow: UnitOfWork, event: CloudEvent, payload: SystemSecurityChanged) -> None:
    """A security problem found after acceptance stops O&M money like one found at it (dazhou:第五十七条); the
    status carries the whole current state, so a redelivery or a later 'passed' simply replaces it. An older
    status arriving late is recorded (audited) but replaces nothing."""
    system = await locked(uow.session, CatalogSystem, payload.system_id)
    if system is None:
        return  # not catalogued for budget (yet): O&M money needs the catalog entry anyway (第二十一条)
    held = (
        (system.security_changed_on, system.security_event_at)
        if system.security_changed_on is not None and system.security_event_at is not None
        else None
    )
    if catalog_systems.stale_status(held, payload.changed_on, event.time):
        await uow.audit(
            subject=payload.project_id,
            action="system.security_changed.stale",
            actor="system",
            detail={"system_id": payload.system_id, "changed_on": payload.changed_on.isoformat(), "event": event.id},
        )
        return
    system.security_changed_on, system.security_event_at = payload.changed_on, event.time
    failures = [
        item
        for (kind, status), item in SECURITY_FAILURES.items()
        if (payload.crypto_status if kind == "crypto" else payload.security_status) == status
    ]
    system.security_failures = failures
    await uow.audit(
        subject=payload.project_id,
        action="system.security_changed",
        actor="system",
        detail={"system_id": payload.system_id, "failures": failures, "event": event.id},
    )


#: evaluations of a system in operation; the construction-period monitoring report is not one (dazhou:第五十一条)
NOT_AN_OPERATION_EVALUATION = {"construction_monitoring"}


@subscriptions.on(EvaluationCompleted)
async def on_evaluation_completed(uow: UnitOfWork, event: CloudEvent, payload: EvaluationCompleted) -> None:
    """Keep each system's latest evaluation: a failed one limits next year's O&M money until a later one passes
    (dazhou:第五十二条; quzhou:三(四); fengxian:第三十一条,第三十二条; suqian:(八)). An older result arriving late
    never replaces a newer one."""
    if payload.system_id is None or payload.kind in NOT_AN_OPERATION_EVALUATION:
        return
    system = await locked(uow.session, CatalogSystem, payload.system_id)
    if system is None:
        return  # not catalogued for budget: no O&M money is arranged for it anyway (第二十一条)
    if catalog_systems.stale_evaluation(system.evaluation_completed_on, payload):
        return
    system.evaluation_kind, system.evaluation_passed = payload.kind, payload.passed
    system.evaluation_completed_on, system.evaluation_citation = payload.completed_on, payload.citation
    await uow.audit(
        subject=payload.project_id,
        action="system.evaluation_completed",
        actor="system",
        detail={"system_id": payload.system_id, "kind": payload.kind, "passed": payload.passed, "event": event.id},
    )


@subscriptions.on(FindingEscalated)
async def on_finding_escalated(uow: UnitOfWork, event: CloudEvent, payload: FindingEscalated) -> None:
    """Keep the step each finding reached; a release checks the active ones (dazhou:第五十三条)."""
    await supervision.on_escalated(uow, SupervisionFinding, event, payload, project_id=payload.project_id)


@subscriptions.on(FindingResolved)
async def on_finding_resolved(uow: UnitOfWork, event: CloudEvent, payload: FindingResolved) -> None:
    await supervision.on_resolved(uow, SupervisionFinding, payload, subject="project_id")


#: the budget steps a restart makes the unit run again (dazhou:第四十三条: 建设技术方案及概算审查、财政预算评审)
RESTARTED_DEADLINES = (domain.TECHNICAL_PLAN_DUE, domain.TECHNICAL_REVIEW_DUE, domain.CONTROL_PRICE_REVIEW_DUE)


@subscriptions.on(ProcedureRestarted)
async def on_procedure_restarted(uow: UnitOfWork, event: CloudEvent, payload: ProcedureRestarted) -> None:
    """Supplements above the cap (dazhou:第四十三条): the basic procedure runs again. Budget's part is the
    technical plan with the estimate (概算审查) and finance's review of the control price (财政预算评审): the
    project goes back to 'approved' for the new cycle, the old cycle's timeline and control price no longer count.
    The approved estimates stay in the history; the next approval is a new revision, which procurement takes as
    the opening of its new cycle (budget.estimate.approved.v1)."""
    project = await locked(uow.session, BudgetProject, payload.project_id)
    if project is None or project.stage in (Stage.CLOSED, Stage.APPROVED):
        return  # unknown, finished, or already waiting for the new cycle's estimate (a redelivery)
    previous = project.stage
    project.stage = Stage.APPROVED
    project.consultation_published_on = project.consultation_ends_on = None
    project.technical_plan_submitted_on = project.technical_review_completed_on = None
    project.control_price_fen = None
    project.control_price_submitted_on = project.control_price_approved_on = None
    project.updated_at = clock.now()
    for rule_id in RESTARTED_DEADLINES:
        await uow.close_deadline(subject=project.project_id, rule_id=rule_id, status="superseded")
    await uow.audit(
        subject=project.project_id,
        action="procedure.restarted",
        actor="system",
        detail={
            "cycle": payload.cycle,
            "previous_stage": previous,
            "rule_id": payload.rule_id,
            "citation": payload.citation,
            "event": event.id,
        },
    )
