"""Catalog's routes."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query

from services.catalog import handlers
from services.catalog.schemas import SystemPublic, SystemsPublic
from services.catalog.tables import System
from shared.auth import Principal, Role, require
from shared.errors import not_found
from shared.service import Runtime

router = APIRouter(prefix="/api/catalog", tags=["catalog 系统目录"])

Readers = require(Role.UNIT, Role.DATA_BUREAU, Role.FINANCE, Role.DRC, Role.AUDIT, Role.PLATFORM)


def public(system: System) -> SystemPublic:
    return SystemPublic(**system.model_dump(include=set(SystemPublic.model_fields)))


@router.get("/projects/{project_id}", summary="The project's systems in the catalog")
async def get_project(project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]) -> dict:
    async with runtime.unit_of_work() as uow:
        systems = await handlers.systems_of_project(uow, project_id)
    visible = [s for s in systems if principal.can_see_unit(s.unit)]
    if not visible:
        raise not_found("catalogued project", project_id)
    return {"project_id": project_id, "stage": "in_catalog", "systems": [public(s) for s in visible]}


@router.get("/systems/{system_id}", response_model=SystemPublic)
async def get_system(system_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]):
    async with runtime.unit_of_work() as uow:
        system = await handlers.load(uow, system_id)
    if not principal.can_see_unit(system.unit):
        raise not_found("system", system_id)
    return public(system)


@router.get("/systems", response_model=SystemsPublic, summary="系统目录 List the catalog")
async def list_systems(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    jurisdiction: str | None = None,
    unit: str | None = None,
    state: str | None = None,
    limit: int = Query(default=50, ge=1, le=500),
    cursor: str | None = Query(default=None, description="the last id of the previous page"),
):
    query = sa.select(System).order_by(System.id).limit(limit + 1)
    if not principal.can_see_unit(unit or ""):
        unit = principal.unit
    for name, value in {"jurisdiction": jurisdiction, "unit": unit, "state": state}.items():
        if value is not None:
            query = query.where(getattr(System, name) == value)
    if cursor:
        query = query.where(System.id > cursor)
    async with runtime.unit_of_work() as uow:
        rows = list((await uow.session.scalars(query)).all())
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return SystemsPublic(items=[public(s) for s in rows[:limit]], next_cursor=next_cursor)
