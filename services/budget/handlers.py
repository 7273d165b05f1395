"""Budget's commands and consumed events, each in one unit of work."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from services.budget import domain
from services.budget.metrics import ESTIMATES_YUAN, REFUSED_RELEASES, RELEASED_YUAN
from services.budget.tables import BudgetProject, ContractRef, EstimateRevision, FundRelease
from shared import clock
from shared.auth import Principal
from shared.bus import Subscriptions
from shared.contracts.acceptance import ProjectAccepted, ProjectFailed
from shared.contracts.budget import EstimateApproved, FundsReleased
from shared.contracts.envelope import CloudEvent
from shared.contracts.procurement import ContractSigned
from shared.contracts.review import ProjectApproved
from shared.errors import Violation, not_found, rule_violations, wrong_stage
from shared.policy import packs
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
    project = await uow.session.get(BudgetProject, payload.project_id, with_for_update=True)
    if project is None:
        raise LookupError(f"acceptance of {payload.project_id}, which budget never saw approved")
    project.accepted = True
    project.acceptance_documents = list(payload.documents)
    project.stage = "accepted"
    project.updated_at = clock.now()
    await uow.audit(subject=payload.project_id, action="project.accepted", actor="system", detail={"event": event.id})


@subscriptions.on(ProjectFailed)
async def on_project_failed(uow: UnitOfWork, event: CloudEvent, payload: ProjectFailed) -> None:
    project = await uow.session.get(BudgetProject, payload.project_id, with_for_update=True)
    if project is not None:
        project.accepted = False
        project.updated_at = clock.now()


async def load(uow: UnitOfWork, project_id: str, *, for_update: bool = False) -> BudgetProject:
    project = await uow.session.get(BudgetProject, project_id, with_for_update=for_update)
    if project is None:
        raise not_found("budget project (approved project)", project_id)
    return project


async def estimate_history(uow: UnitOfWork, project_id: str) -> list[EstimateRevision]:
    rows = await uow.session.scalars(
        sa.select(EstimateRevision).where(EstimateRevision.project_id == project_id).order_by(EstimateRevision.revision)
    )
    return list(rows.all())


async def approve_estimate(uow: UnitOfWork, project_id: str, estimate_fen: int, principal: Principal) -> BudgetProject:
    project = await load(uow, project_id, for_update=True)
    if project.stage not in ("approved", "estimate_approved"):
        raise wrong_stage(project_id, project.stage, ["approved", "estimate_approved"], "approve estimate")
    history = await estimate_history(uow, project_id)
    revision = len(history) + 1
    today = clock.today()
    uow.session.add(
        EstimateRevision(
            project_id=project_id,
            revision=revision,
            estimate_fen=estimate_fen,
            approved_on=today,
            approved_by=principal.subject,
        )
    )
    project.estimate_fen = estimate_fen
    project.stage = "estimate_approved"
    project.updated_at = clock.now()
    rule = packs.get(project.jurisdiction).rule("budget.estimate_ceiling")
    await uow.audit(
        subject=project_id,
        action="estimate.approved",
        actor=principal,
        detail={"estimate_fen": estimate_fen, "revision": revision, "citation": rule.citation},
    )
    await uow.emit(
        EstimateApproved(
            project_id=project_id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            estimate_fen=estimate_fen,
            approved_on=today,
            revision=revision,
        )
    )
    ESTIMATES_YUAN.labels(project.jurisdiction).inc(estimate_fen / 100)
    return project


async def release_funds(
    uow: UnitOfWork, project_id: str, contract_id: str, amount_fen: int, principal: Principal
) -> FundRelease:
    project = await load(uow, project_id, for_update=True)
    contract = await uow.session.get(ContractRef, contract_id)
    if contract is None or contract.project_id != project_id:
        raise not_found("contract of this project", contract_id)
    decisions = domain.release_decisions(packs.get(project.jurisdiction), project, amount_fen)
    failed = [d for d in decisions if d.outcome == "fail"]
    if failed:
        for decision in failed:
            REFUSED_RELEASES.labels(decision.rule_id).inc()
        raise rule_violations([Violation.from_decision(d) for d in failed])
    for decision in decisions:
        await uow.record_decision(decision, subject=project_id, action="release", actor=principal)
    release = FundRelease(
        id=f"R-{uuid.uuid4().hex[:16]}",
        project_id=project_id,
        contract_id=contract_id,
        amount_fen=amount_fen,
        released_by=principal.subject,
        released_at=clock.now(),
    )
    uow.session.add(release)
    project.released_fen += amount_fen
    project.updated_at = release.released_at
    await uow.audit(subject=project_id, action="funds.released", actor=principal, detail={"amount_fen": amount_fen})
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
