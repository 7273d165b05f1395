"""Procurement's commands and consumed events."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from services.procurement import domain
from services.procurement.metrics import CONTRACTS
from services.procurement.schemas import ContractCreate
from services.procurement.tables import Contract, ProcurementProject
from shared import clock
from shared.auth import Principal
from shared.bus import Subscriptions
from shared.contracts.budget import EstimateApproved
from shared.contracts.envelope import CloudEvent
from shared.contracts.procurement import ContractSigned
from shared.errors import Violation, not_found, rule_violations
from shared.policy import packs
from shared.uow import UnitOfWork

subscriptions = Subscriptions()


@subscriptions.on(EstimateApproved)
async def on_estimate_approved(uow: UnitOfWork, event: CloudEvent, payload: EstimateApproved) -> None:
    """The estimate is the tender ceiling; a revised estimate moves it."""
    project = await uow.session.get(ProcurementProject, payload.project_id, with_for_update=True)
    now = clock.now()
    if project is None:
        uow.session.add(
            ProcurementProject(
                project_id=payload.project_id,
                unit=payload.unit,
                jurisdiction=payload.jurisdiction,
                ceiling_fen=payload.estimate_fen,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        project.ceiling_fen = payload.estimate_fen
        project.updated_at = now


async def load(uow: UnitOfWork, project_id: str, *, for_update: bool = False) -> ProcurementProject:
    project = await uow.session.get(ProcurementProject, project_id, with_for_update=for_update)
    if project is None:
        raise not_found("procurement project (project with an approved estimate)", project_id)
    return project


async def contracts_of(uow: UnitOfWork, project_id: str) -> list[Contract]:
    rows = await uow.session.scalars(
        sa.select(Contract).where(Contract.project_id == project_id).order_by(Contract.signed_on, Contract.id)
    )
    return list(rows.all())


async def register_contract(
    uow: UnitOfWork, project_id: str, command: ContractCreate, principal: Principal
) -> Contract:
    project = await load(uow, project_id, for_update=True)
    pack = packs.get(project.jurisdiction)
    decisions = domain.contract_decisions(
        pack, project.ceiling_fen, command.amount_fen, command.signed_on, command.planned_completion
    )
    failed = [d for d in decisions if d.outcome == "fail"]
    if failed:
        CONTRACTS.labels(project.jurisdiction, "refused").inc()
        raise rule_violations([Violation.from_decision(d) for d in failed])
    contract = Contract(
        id=f"C-{uuid.uuid4().hex[:16]}",
        project_id=project_id,
        registered_by=principal.subject,
        registered_at=clock.now(),
        **command.model_dump(),
    )
    uow.session.add(contract)
    for decision in decisions:
        await uow.record_decision(decision, subject=project_id, action="contract", actor=principal)
    project.stage = "contracted"
    project.updated_at = contract.registered_at
    await uow.audit(subject=project_id, action="contract.signed", actor=principal, detail={"contract_id": contract.id})
    await uow.emit(
        ContractSigned(
            project_id=project_id,
            contract_id=contract.id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            supplier=contract.supplier,
            amount_fen=contract.amount_fen,
            signed_on=contract.signed_on,
            planned_completion=contract.planned_completion,
        )
    )
    CONTRACTS.labels(project.jurisdiction, "signed").inc()
    return contract
