"""Events the catalog consumes: each only translates an event into a command."""

from __future__ import annotations

from services.catalog.handlers import evaluations, subscriptions, systems
from shared.contracts.acceptance import ProjectAccepted
from shared.contracts.envelope import CloudEvent
from shared.contracts.procurement import ContractSigned
from shared.uow import UnitOfWork


@subscriptions.on(ProjectAccepted)
async def on_project_accepted(uow: UnitOfWork, event: CloudEvent, payload: ProjectAccepted) -> None:
    await evaluations.close_construction_reports(uow, payload.project_id)
    await systems.register_accepted(
        uow,
        project_id=payload.project_id,
        unit=payload.unit,
        jurisdiction=payload.jurisdiction,
        name=payload.system_name,
        secret=payload.secret,
        accepted_on=payload.accepted_on,
        event_id=event.id,
    )


@subscriptions.on(ContractSigned)
async def on_contract_signed(uow: UnitOfWork, event: CloudEvent, payload: ContractSigned) -> None:
    """Construction starts: the yearly performance monitoring report is owed (dazhou:第五十一条)."""
    if await evaluations.construction_report_open(uow, payload.project_id):
        return  # a supplementary contract of a project already under construction
    await evaluations.open_construction_report(
        uow,
        project_id=payload.project_id,
        unit=payload.unit,
        jurisdiction=payload.jurisdiction,
        year=payload.signed_on.year,
    )
