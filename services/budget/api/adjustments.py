"""Routes of budget adjustments (预算调整): requested, listed, decided."""

from __future__ import annotations

from typing import Annotated

from fastapi.responses import JSONResponse

from services.budget import handlers, queries
from services.budget.api.common import Bureau, IdempotencyKey, Readers, Unit, router, scope
from services.budget.schemas import (
    AdjustmentDecision,
    AdjustmentPublic,
    AdjustmentRequest,
    Reason,
)
from services.budget.tables import Adjustment
from shared.auth import Principal
from shared.idempotency import run_once as idempotent
from shared.service import Runtime
from shared.uow import UnitOfWork

# --- adjustments --------------------------------------------------------------------------------------------


def adjustment_public(adjustment: Adjustment, reasons: list | None = None) -> AdjustmentPublic:
    return AdjustmentPublic(
        **adjustment.model_dump(
            include={
                "id",
                "project_id",
                "amount_fen",
                "adjusted_total_fen",
                "approved_total_fen",
                "case",
                "major",
                "goals_unchanged",
                "route",
                "status",
                "requested_at",
            }
        ),
        reasons=[
            Reason(rule_id=d.rule_id, citation=d.citation, message_zh=d.message_zh, message_en=d.message_en)
            for d in reasons or []
        ],
    )


@router.post(
    "/projects/{project_id}/adjustments",
    status_code=201,
    response_model=AdjustmentPublic,
    summary="调整 File an adjustment (≤15%, dazhou:第四十五条) or ask prior approval (dazhou:第四十四条)",
)
async def request_adjustment(
    project_id: str,
    body: AdjustmentRequest,
    runtime: Runtime,
    principal: Annotated[Principal, Unit],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        adjustment, route = await handlers.request_adjustment(uow, project_id, principal=principal, **body.model_dump())
        return adjustment_public(adjustment, route.reasons).model_dump(mode="json")

    return await idempotent(
        runtime, idempotency_key, principal, {"project_id": project_id, **body.model_dump()}, action
    )


@router.get(
    "/projects/{project_id}/adjustments", response_model=list[AdjustmentPublic], summary="A project's adjustments"
)
async def list_adjustments(
    project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> list[AdjustmentPublic]:
    async with runtime.reading() as uow:
        await scope.ensure(uow, principal, project_id, content=False, what="adjustments")
        return [adjustment_public(a) for a in await queries.adjustments_of(uow, project_id)]


@router.post(
    "/projects/{project_id}/adjustments/{adjustment_id}/decision",
    response_model=AdjustmentPublic,
    summary="调整审批 The bureau approves or rejects an adjustment beforehand (dazhou:第四十四条)",
)
async def decide_adjustment(
    project_id: str,
    adjustment_id: str,
    body: AdjustmentDecision,
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
) -> AdjustmentPublic:
    async with runtime.unit_of_work() as uow:
        adjustment = await handlers.decide_adjustment(uow, project_id, adjustment_id, body.approve, principal)
        return adjustment_public(adjustment)
