"""Routes of the oversight of public data operation: the bureau's supervision of operators and finance's
performance evaluation (fengxian:第三十六条, 第三十七条). Mounted beside `api.router`, same prefix."""

# no `from __future__ import annotations`: FastAPI reads the route annotations at import
from typing import Annotated, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.catalog.api.common import PREFIX, idempotent
from services.catalog.data_operations import oversight
from services.catalog.data_operations.api import Bureau, Finance, IdempotencyKey, Readers
from services.catalog.data_operations.schemas import OversightPublic, PerformanceEvaluationCreate, SupervisionCreate
from shared.auth import Principal
from shared.limits import Filter
from shared.service import Runtime
from shared.uow import UnitOfWork

router = APIRouter(prefix=f"{PREFIX}/data-operations", tags=["data operations 公共数据运营"])


@router.post(
    "/operators/{operator_id}/supervision",
    status_code=201,
    response_model=OversightPublic,
    summary="指导监督数据运营商的服务人员和场地管理 (fengxian:第三十六条)",
)
async def supervise_operator(
    operator_id: str,
    command: SupervisionCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        row = await oversight.supervise_operator(uow, operator_id, principal, **command.model_dump())
        return OversightPublic(**row.model_dump()).model_dump(mode="json")

    body = {"operator": operator_id, **command.model_dump(mode="json")}
    return await idempotent(runtime, idempotency_key, principal, body, 201, action)


@router.post(
    "/performance-evaluations",
    status_code=201,
    response_model=OversightPublic,
    summary="区财政局开展公共数据运营绩效评估 (fengxian:第三十七条)",
)
async def evaluate_performance(
    command: PerformanceEvaluationCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Finance],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        row = await oversight.evaluate_performance(uow, principal, **command.model_dump())
        return OversightPublic(**row.model_dump()).model_dump(mode="json")

    return await idempotent(runtime, idempotency_key, principal, command.model_dump(mode="json"), 201, action)


@router.get(
    "/oversight",
    response_model=list[OversightPublic],
    summary="Supervisions of operators and performance evaluations (fengxian:第三十六条,第三十七条)",
)
async def list_oversight(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    jurisdiction: Filter = None,
    kind: Literal["operator_supervision", "performance_evaluation"] | None = None,
) -> list[OversightPublic]:
    async with runtime.reading() as uow:
        rows = await oversight.oversight(uow, jurisdiction=jurisdiction, kind=kind)
        return [OversightPublic(**row.model_dump()) for row in rows]
