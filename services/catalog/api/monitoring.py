"""Routes of monthly monitoring (每月监测) and unit sanctions."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Header, Query

from services.catalog.api.common import PREFIX, TAGS, MonitoringPlatforms, Readers, idempotent, read_system
from services.catalog.handlers import monitoring as handlers
from services.catalog.schemas import MonitoringBatch, MonitoringReport, SanctionPublic
from services.catalog.tables import MonthlyFigure, Sanction
from shared.auth import Principal
from shared.limits import FILTER_MAX, Filter
from shared.pagination import IntCursor
from shared.service import Runtime

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
):
    async def action(uow):
        return await handlers.ingest(uow, batch.figures, principal)

    return await idempotent(runtime, idempotency_key, principal, batch.model_dump(mode="json"), 200, action)


@router.get("/systems/{system_id}/monitoring", summary="A system's monthly figures, newest first")
async def system_figures(
    system_id: str, runtime: Runtime, principal: Annotated[Principal, Readers], limit: int = Query(24, ge=1, le=120)
) -> dict:
    async with runtime.reading() as uow:
        system = await read_system(uow, principal, system_id)
        rows = await uow.session.scalars(
            sa.select(MonthlyFigure)
            .where(MonthlyFigure.system_id == system_id)
            .order_by(MonthlyFigure.month.desc())
            .limit(limit)
        )
        figures = [{"month": r.month, "usage_count": r.usage_count, "availability_bp": r.availability_bp} for r in rows]
    return {
        "system_id": system_id,
        "abnormal_since": system.abnormal_since,
        "zombie_since": system.zombie_since,
        "figures": figures,
    }


@router.get("/sanctions", response_model=list[SanctionPublic], summary="Units barred by a catalog rule")
async def list_sanctions(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    unit: Filter = None,
    status: str | None = Query(default="active", max_length=FILTER_MAX, description="active, cleared, or all"),
    limit: int = Query(default=100, ge=1, le=500),
    cursor: IntCursor = None,
):
    if not principal.can_see_unit(unit or ""):
        unit = principal.unit
    query = sa.select(Sanction).order_by(Sanction.id).limit(limit)
    if unit is not None:
        query = query.where(Sanction.unit == unit)
    if status and status != "all":
        query = query.where(Sanction.status == status)
    if cursor is not None:
        query = query.where(Sanction.id > cursor)
    async with runtime.reading() as uow:
        rows = list(await uow.session.scalars(query))
    return [SanctionPublic(**row.model_dump()) for row in rows]
