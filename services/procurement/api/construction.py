"""Routes of construction supervision: incidents, rectification, suspension, resumption, termination."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi.responses import JSONResponse

from services.procurement import handlers, queries
from services.procurement.api.common import Bureau, IdempotencyKey, Reporters, created, project_public, router
from services.procurement.schemas import (
    IncidentCreate,
    IncidentPublic,
    ProcurementProjectPublic,
    RectificationOrder,
    SuspensionOrder,
    TerminationApproval,
)
from shared.auth import Principal, ensure_unit_access
from shared.service import Runtime
from shared.uow import UnitOfWork

# --- construction --------------------------------------------------------------------------------


@router.post(
    "/projects/{project_id}/incidents",
    status_code=201,
    response_model=IncidentPublic,
    summary="报告严重逾期、重大损失或难以继续 (dazhou:第四十六条)",
)
async def report_incident(
    project_id: str,
    body: IncidentCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Reporters],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        # under the lock the handler takes anyway (shared.locking: its second `locked` costs no statement)
        project = await queries.load(uow, project_id, for_update=True)
        ensure_unit_access(principal, project.unit)
        incident = await handlers.report_incident(uow, project_id, body, principal)
        return 201, IncidentPublic(**incident.model_dump(include=set(IncidentPublic.model_fields))).model_dump(
            mode="json"
        )

    request = {"project_id": project_id, **body.model_dump(mode="json")}
    return await created(runtime, principal, idempotency_key, request, work)


@router.post(
    "/projects/{project_id}/rectification", response_model=IncidentPublic, summary="责令整改 Order rectification"
)
async def order_rectification(
    project_id: str, body: RectificationOrder, runtime: Runtime, principal: Annotated[Principal, Bureau]
) -> IncidentPublic:
    async with runtime.unit_of_work() as uow:
        incident = await handlers.order_rectification(uow, project_id, body, principal)
        return IncidentPublic(**incident.model_dump(include=set(IncidentPublic.model_fields)))


@router.post("/projects/{project_id}/suspension", response_model=ProcurementProjectPublic, summary="暂停项目建设")
async def suspend(
    project_id: str, body: SuspensionOrder, runtime: Runtime, principal: Annotated[Principal, Bureau]
) -> ProcurementProjectPublic:
    async with runtime.unit_of_work() as uow:
        project = await handlers.suspend(uow, project_id, body.reason, principal)
        return await project_public(uow, project, principal)


@router.post("/projects/{project_id}/resumption", response_model=ProcurementProjectPublic, summary="恢复建设")
async def resume(
    project_id: str, runtime: Runtime, principal: Annotated[Principal, Bureau]
) -> ProcurementProjectPublic:
    async with runtime.unit_of_work() as uow:
        project = await handlers.resume(uow, project_id, principal)
        return await project_public(uow, project, principal)


@router.post(
    "/projects/{project_id}/termination",
    response_model=ProcurementProjectPublic,
    summary="终止项目建设 with the city's approval (dazhou:第四十六条)",
)
async def terminate(
    project_id: str, body: TerminationApproval, runtime: Runtime, principal: Annotated[Principal, Bureau]
) -> ProcurementProjectPublic:
    async with runtime.unit_of_work() as uow:
        project = await handlers.approve_termination(uow, project_id, body, principal)
        return await project_public(uow, project, principal)
