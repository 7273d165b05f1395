"""Routes of performance evaluation (绩效评价) and construction monitoring reports (绩效监控报告)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse

from services.catalog import queries
from services.catalog.api.common import (
    PREFIX,
    TAGS,
    Bureau,
    Evaluators,
    Readers,
    UnitOrBureau,
    idempotent,
    read_system,
)
from services.catalog.handlers import evaluations as handlers
from services.catalog.schemas import EvaluationCreate, EvaluationPublic, MonitoringReportCreate
from services.catalog.tables import Evaluation
from shared.auth import Principal
from shared.limits import FILTER_MAX, Filter
from shared.pagination import IntCursor
from shared.service import Runtime
from shared.uow import UnitOfWork

router = APIRouter(prefix=PREFIX, tags=TAGS)


def public(evaluation: Evaluation) -> EvaluationPublic:
    return EvaluationPublic(**evaluation.model_dump(include=set(EvaluationPublic.model_fields)))


@router.get("/systems/{system_id}/evaluations", response_model=list[EvaluationPublic])
async def list_evaluations(
    system_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> list[EvaluationPublic]:
    async with runtime.reading() as uow:
        await read_system(uow, principal, system_id)
        return [public(e) for e in await handlers.list_for(uow, system_id)]


@router.post(
    "/systems/{system_id}/evaluations",
    status_code=201,
    response_model=EvaluationPublic,
    summary="File an evaluation's result (self-evaluation, post-evaluation, Quzhou's 1-year evaluation)",
)
async def file_evaluation(
    system_id: str,
    command: EvaluationCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Evaluators],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        evaluation = await handlers.complete(uow, system_id, principal=principal, **command.model_dump())
        return public(evaluation).model_dump(mode="json")

    body = {"system": system_id, **command.model_dump(mode="json")}
    return await idempotent(runtime, idempotency_key, principal, body, 201, action)


@router.post(
    "/systems/{system_id}/key-project",
    status_code=201,
    response_model=EvaluationPublic,
    summary="重点信息化项目: the bureau names a key project, which owes a third-party special evaluation (suqian:(八))",
)
async def designate_key_project(
    system_id: str,
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        evaluation = await handlers.designate_key_project(uow, system_id, principal)
        return public(evaluation).model_dump(mode="json")

    return await idempotent(runtime, idempotency_key, principal, {"key_project": system_id}, 201, action)


@router.post(
    "/projects/{project_id}/monitoring-reports",
    status_code=201,
    response_model=EvaluationPublic,
    summary="File the yearly performance monitoring report during construction (dazhou:第五十一条)",
)
async def file_monitoring_report(
    project_id: str,
    command: MonitoringReportCreate,
    runtime: Runtime,
    principal: Annotated[Principal, UnitOrBureau],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        evaluation = await handlers.file_construction_report(
            uow, project_id, command.report_year, command.report_ref, principal
        )
        return public(evaluation).model_dump(mode="json")

    body = {"project": project_id, **command.model_dump(mode="json")}
    return await idempotent(runtime, idempotency_key, principal, body, 201, action)


@router.get("/evaluations", response_model=list[EvaluationPublic], summary="Evaluations due (or all), oldest due first")
async def evaluations_due(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    status: str = Query(default="due", max_length=FILTER_MAX),
    kind: Filter = None,
    limit: int = Query(default=100, ge=1, le=500),
    cursor: IntCursor = None,
) -> list[EvaluationPublic]:
    unit = None if principal.can_see_unit("") else principal.unit
    async with runtime.reading() as uow:
        rows = await queries.evaluations_page(uow, status=status, kind=kind, unit=unit, limit=limit, cursor=cursor)
    return [public(e) for e in rows]
