"""Budget's payment event marks the task paid even when budget's HTTP answer never reached catalog."""

from __future__ import annotations

from services.catalog.data_operations import handlers
from services.catalog.handlers import subscriptions
from shared.contracts.budget import DataOperationPaid
from shared.contracts.envelope import CloudEvent
from shared.uow import UnitOfWork


@subscriptions.on(DataOperationPaid)
async def on_paid(uow: UnitOfWork, event: CloudEvent, payload: DataOperationPaid) -> None:
    await handlers.mark_paid(
        uow,
        payload.task_id,
        payment_id=payload.payment_id,
        amount_fen=payload.amount_fen,
        paid_on=payload.paid_on,
        actor="budget",
    )
