"""Routes of O&M (运维): plans and yearly reports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from services.catalog.api.common import PREFIX, TAGS, Readers, UnitOrBureau, idempotent, read_system
from services.catalog.handlers import operations as handlers
from services.catalog.schemas import (
    OmAcceptanceCreate,
    OmAcceptancePart,
    OmAcceptancePublic,
    OmPlanCreate,
    OmPlanPublic,
    OmReportCreate,
    OmReportPublic,
)
from shared.auth import Principal, Role, require
from shared.service import Runtime
from shared.uow import UnitOfWork

router = APIRouter(prefix=PREFIX, tags=TAGS)
OmAcceptors = require(Role.DATA_BUREAU, Role.FINANCE)


@router.post(
    "/systems/{system_id}/om-plans",
    status_code=201,
    response_model=OmPlanPublic,
    summary="运维方案 File O&M plans (fengxian:第二十八条)",
)
async def file_om_plan(
    system_id: str,
    command: OmPlanCreate,
    runtime: Runtime,
    principal: Annotated[Principal, UnitOrBureau],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        plan = await handlers.file_om_plan(uow, system_id, command, principal)
        return OmPlanPublic.model_validate(plan, from_attributes=True).model_dump(mode="json")

    body = {"system": system_id, **command.model_dump(mode="json")}
    return await idempotent(runtime, idempotency_key, principal, body, 201, action)


@router.post(
    "/systems/{system_id}/om-reports",
    status_code=201,
    response_model=OmReportPublic,
    summary="运维服务情况报表 Yearly O&M report (suqian:(八))",
)
async def file_om_report(
    system_id: str,
    command: OmReportCreate,
    runtime: Runtime,
    principal: Annotated[Principal, UnitOrBureau],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        report = await handlers.file_om_report(uow, system_id, command, principal)
        return OmReportPublic.model_validate(report, from_attributes=True).model_dump(mode="json")

    body = {"system": system_id, **command.model_dump(mode="json")}
    return await idempotent(runtime, idempotency_key, principal, body, 201, action)


@router.post(
    "/systems/{system_id}/om-acceptances",
    status_code=201,
    response_model=OmAcceptancePublic,
    summary="运维验收和评估 Record one authority's part of a year's O&M acceptance (fengxian:第三十一条)",
)
async def record_om_acceptance(
    system_id: str,
    command: OmAcceptanceCreate,
    runtime: Runtime,
    principal: Annotated[Principal, OmAcceptors],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        parts = await handlers.record_om_acceptance(uow, system_id, command, principal)
        steps = [OmAcceptancePart.model_validate(part, from_attributes=True) for part in parts]
        return OmAcceptancePublic(system_id=system_id, year=command.year, parts=steps).model_dump(mode="json")

    body = {"system": system_id, **command.model_dump(mode="json")}
    return await idempotent(runtime, idempotency_key, principal, body, 201, action)


@router.get(
    "/systems/{system_id}/om-reports", response_model=list[OmReportPublic], summary="A system's yearly O&M reports"
)
async def om_reports(
    system_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> list[OmReportPublic]:
    async with runtime.reading() as uow:
        await read_system(uow, principal, system_id)
        rows = await handlers.om_reports_of(uow, system_id)
    return [OmReportPublic.model_validate(r, from_attributes=True) for r in rows]
