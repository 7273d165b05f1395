"""Routes of monthly monitoring (每月监测) and unit sanctions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse

from services.catalog import queries
from services.catalog.api.common import PREFIX, TAGS, MonitoringPlatforms, Readers, idempotent, read_system
from services.catalog.handlers import monitoring as handlers
from services.catalog.schemas import (
    MonitoringBatch,
    MonitoringReport,
    MonthlyFigurePublic,
    SanctionPublic,
    SystemFiguresPublic,
)
from shared.auth import Principal
from shared.limits import FILTER_MAX, Filter
from shared.pagination import IntCursor
from shared.service import Runtime
from shared.uow import UnitOfWork

router = APIRouter(prefix=PREFIX, tags=TAGS)


@router.post(
    "/monitoring",
    status_code=200,
    response_model=MonitoringReport,
    summary="每月监测数据 Push monthly figures (bulk; idempotent per system and month)",
)
async def push_figures(
    batch: MonitoringBatch,
    runtime: Runtime,
    principal: Annotated[Principal, MonitoringPlatforms],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        return await handlers.ingest(uow, batch.figures, principal)

    return await idempotent(runtime, idempotency_key, principal, batch.model_dump(mode="json"), 200, action)


@router.get(
    "/systems/{system_id}/monitoring",
    response_model=SystemFiguresPublic,
    summary="A system's monthly figures, newest first",
)
async def system_figures(
    system_id: str, runtime: Runtime, principal: Annotated[Principal, Readers], limit: int = Query(24, ge=1, le=120)
) -> SystemFiguresPublic:
    async with runtime.reading() as uow:
        system = await read_system(uow, principal, system_id)
        rows = await queries.monthly_figures(uow, system_id, limit)
    return SystemFiguresPublic(
        system_id=system_id,
        abnormal_since=system.abnormal_since,
        zombie_since=system.zombie_since,
        figures=[
            MonthlyFigurePublic(month=r.month, usage_count=r.usage_count, availability_bp=r.availability_bp)
            for r in rows
        ],
    )


@router.get("/sanctions", response_model=list[SanctionPublic], summary="Units barred by a catalog rule")
async def list_sanctions(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    unit: Filter = None,
    status: str | None = Query(default="active", max_length=FILTER_MAX, description="active, cleared, or all"),
    limit: int = Query(default=100, ge=1, le=500),
    cursor: IntCursor = None,
) -> list[SanctionPublic]:
    if not principal.can_see_unit(unit or ""):
        unit = principal.unit
    async with runtime.reading() as uow:
        rows = await queries.sanctions_page(uow, unit=unit, status=status, limit=limit, cursor=cursor)
    return [SanctionPublic(**row.model_dump()) for row in rows]
