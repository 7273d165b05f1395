"""Events oversight listens to: a signed contract schedules Quzhou's mid-term supervision round, and one signed
before the project's approval is recorded as building before approval (未批先建)."""

from __future__ import annotations

from services.catalog.handlers import subscriptions
from services.catalog.oversight import accountability, handlers
from shared.contracts.envelope import CloudEvent
from shared.contracts.procurement import ContractSigned
from shared.uow import UnitOfWork


@subscriptions.on(ContractSigned)
async def schedule_supervision(uow: UnitOfWork, event: CloudEvent, payload: ContractSigned) -> None:
    await handlers.schedule_midterm_round(
        uow,
        project_id=payload.project_id,
        unit=payload.unit,
        jurisdiction=payload.jurisdiction,
        signed_on=payload.signed_on,
        planned_completion=payload.planned_completion,
    )
    await accountability.detect_built_before_approval(
        uow, project_id=payload.project_id, jurisdiction=payload.jurisdiction, signed_on=payload.signed_on
    )
