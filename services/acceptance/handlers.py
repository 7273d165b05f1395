"""Acceptance's commands and consumed events."""

from __future__ import annotations

from services.acceptance import domain
from services.acceptance.metrics import ACCEPTANCES
from services.acceptance.schemas import PerformanceAcceptance
from services.acceptance.tables import AcceptanceProject
from shared import clock
from shared.auth import Principal
from shared.bus import Subscriptions
from shared.contracts.acceptance import AcceptanceItem, ProjectAccepted, ProjectFailed, TrialStarted
from shared.contracts.envelope import CloudEvent
from shared.contracts.procurement import ContractSigned
from shared.errors import Problem, Violation, not_found, rule_violations, wrong_stage
from shared.policy import packs
from shared.uow import UnitOfWork

subscriptions = Subscriptions()

PRE_ACCEPTANCE_APPROVAL = "pre_acceptance_approval_letter"  # 验收前置核准复函
ACCEPTANCE_REPORT = "acceptance_report"  # 履约验收报告


@subscriptions.on(ContractSigned)
async def on_contract_signed(uow: UnitOfWork, event: CloudEvent, payload: ContractSigned) -> None:
    if await uow.session.get(AcceptanceProject, payload.project_id) is not None:
        return
    now = clock.now()
    uow.session.add(
        AcceptanceProject(
            project_id=payload.project_id,
            unit=payload.unit,
            jurisdiction=payload.jurisdiction,
            contract_signed_on=payload.signed_on,
            created_at=now,
            updated_at=now,
        )
    )


async def load(uow: UnitOfWork, project_id: str, *, for_update: bool = False) -> AcceptanceProject:
    project = await uow.session.get(AcceptanceProject, project_id, with_for_update=for_update)
    if project is None:
        raise not_found("acceptance project (project with a signed contract)", project_id)
    return project


async def start_trial_run(uow: UnitOfWork, project_id: str, started_on, principal: Principal) -> AcceptanceProject:
    project = await load(uow, project_id, for_update=True)
    if project.stage != "contracted":
        raise wrong_stage(project_id, project.stage, "contracted", "start trial run")
    if started_on < project.contract_signed_on or started_on > clock.today():
        raise Problem(
            422,
            "validation",
            "试运行开始日期无效 / Invalid trial-run start date",
            f"started_on must be between the contract date {project.contract_signed_on} and today",
            field="started_on",
        )
    project.trial_started_on = started_on
    project.stage = "trial_run"
    project.updated_at = clock.now()
    await uow.audit(subject=project_id, action="trial.started", actor=principal, detail={"on": started_on.isoformat()})
    await uow.emit(TrialStarted(project_id=project_id, started_on=started_on))
    return project


async def approve_pre_acceptance(uow: UnitOfWork, project_id: str, principal: Principal) -> AcceptanceProject:
    """The bureau's pre-acceptance approval (验收前置核准), only after the trial run (dazhou:第四十七条)."""
    project = await load(uow, project_id, for_update=True)
    if project.stage != "trial_run":
        raise wrong_stage(project_id, project.stage, "trial_run", "pre-acceptance approval")
    decision = domain.trial_run_decision(packs.get(project.jurisdiction), project.trial_started_on, clock.today())
    if decision.outcome == "fail":
        raise rule_violations([Violation.from_decision(decision)])
    await uow.record_decision(decision, subject=project_id, action="pre_acceptance", actor=principal)
    project.pre_accepted_on = clock.today()
    project.documents = [*project.documents, PRE_ACCEPTANCE_APPROVAL]
    project.stage = "pre_accepted"
    project.updated_at = clock.now()
    await uow.audit(subject=project_id, action="pre_acceptance.approved", actor=principal)
    return project


async def record_acceptance(
    uow: UnitOfWork, project_id: str, command: PerformanceAcceptance, principal: Principal
) -> AcceptanceProject:
    project = await load(uow, project_id, for_update=True)
    if project.stage != "pre_accepted":
        raise wrong_stage(project_id, project.stage, "pre_accepted", "performance acceptance")
    items = [AcceptanceItem(**item.model_dump()) for item in command.items]
    today = clock.today()
    project.updated_at = clock.now()
    if not command.passed or not all(item.passed for item in items):
        project.stage = "failed"
        await uow.audit(subject=project_id, action="acceptance.failed", actor=principal)
        await uow.emit(
            ProjectFailed(
                project_id=project_id,
                unit=project.unit,
                jurisdiction=project.jurisdiction,
                path="dazhou",
                failed_on=today,
                items=items,
            )
        )
        ACCEPTANCES.labels("dazhou", "failed").inc()
        return project
    project.stage = "accepted"
    project.accepted_on = today
    project.system_name = command.system_name
    project.documents = [*project.documents, ACCEPTANCE_REPORT]
    await uow.audit(subject=project_id, action="acceptance.passed", actor=principal)
    await uow.emit(
        ProjectAccepted(
            project_id=project_id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            path="dazhou",
            accepted_on=today,
            documents=project.documents,
            items=items,
            system_name=command.system_name,
        )
    )
    ACCEPTANCES.labels("dazhou", "accepted").inc()
    return project
