"""Routes of public data-operation payments (the contract with catalog)."""

from __future__ import annotations

from typing import Annotated

from fastapi.responses import JSONResponse

from services.budget import handlers, queries
from services.budget.api.common import DataOperationPayers, IdempotencyKey, router
from services.budget.schemas import (
    DataOperationPaymentPublic,
    DataOperationPaymentRequest,
)
from shared.auth import Principal, Role, require
from shared.errors import forbidden
from shared.idempotency import run_once as idempotent
from shared.service import Runtime
from shared.uow import UnitOfWork

# --- public data-operation payments (the contract with catalog) ---------------------------------------------


@router.post(
    "/data-operation-payments",
    status_code=201,
    response_model=DataOperationPaymentPublic,
    summary="支付公共数据运营服务费 Pay a data-operation task once, after acceptance and the third-party check",
    description=(
        "Called by the catalog service (role `platform`) or the bureau/finance once a public data-operation "
        "service task is accepted and a third-party reviewer confirmed its amount (先用后付、按实结算, "
        "fengxian:第三十五条,第三十六条). Requires `Idempotency-Key` (the same key replays the first answer). "
        "A task is paid at most once: another request for a paid task is 409 with the first `payment_id`. "
        "Refusals are 422 `rule_violations` citing budget.data_operation_payment (not accepted / no check) and "
        "budget.data_operation_actual_amount (more than confirmed). Jurisdictions whose pack has no such rule "
        "answer 422 `not-applicable`. On success budget emits `budget.data_operation.paid.v1` (subject = task id)."
    ),
)
async def pay_data_operation_task(
    body: DataOperationPaymentRequest,
    runtime: Runtime,
    principal: Annotated[Principal, DataOperationPayers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        payment = await handlers.pay_data_operation_task(
            uow,
            task_id=body.task_id,
            operator_id=body.operator_id,
            jurisdiction=body.jurisdiction,
            amount_fen=body.amount_fen,
            accepted_on=body.accepted_on,
            check=body.third_party_check.model_dump() if body.third_party_check else None,
            principal=principal,
        )
        return DataOperationPaymentPublic(**payment.model_dump()).model_dump(mode="json")

    return await idempotent(
        runtime, idempotency_key, principal, body.model_dump(mode="json"), action, key_required=True
    )


@router.get(
    "/data-operation-payments/{task_id}",
    response_model=DataOperationPaymentPublic,
    summary="The payment of a data-operation task (404 while unpaid)",
)
async def get_data_operation_payment(
    task_id: str,
    runtime: Runtime,
    principal: Annotated[
        Principal, require(Role.DATA_BUREAU, Role.FINANCE, Role.PLATFORM, Role.AUDIT, Role.DATA_OPERATOR)
    ],
) -> DataOperationPaymentPublic:
    async with runtime.reading() as uow:
        payment = await queries.data_operation_payment(uow, task_id)
        if principal.roles == {Role.DATA_OPERATOR} and principal.unit != payment.operator_id:
            raise forbidden("an operator sees only its own payments")
        return DataOperationPaymentPublic(**payment.model_dump())
