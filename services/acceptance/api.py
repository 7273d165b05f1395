"""Acceptance's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from services.acceptance import handlers
from services.acceptance.schemas import AcceptanceProjectPublic, PerformanceAcceptance, TrialRunStart
from shared.auth import Principal, Role, ensure_unit_access, require
from shared.service import Runtime

router = APIRouter(prefix="/api/acceptance", tags=["acceptance 试运行与验收"])

UnitStaff = require(Role.UNIT)
Bureau = require(Role.DATA_BUREAU)
Readers = require(Role.UNIT, Role.DATA_BUREAU, Role.FINANCE, Role.DRC, Role.AUDIT, Role.PLATFORM)


def public(project) -> AcceptanceProjectPublic:
    return AcceptanceProjectPublic(**project.model_dump(include=set(AcceptanceProjectPublic.model_fields)))


@router.get("/projects/{project_id}", response_model=AcceptanceProjectPublic, summary="The project's acceptance")
async def get_project(project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]):
    async with runtime.unit_of_work() as uow:
        project = await handlers.load(uow, project_id)
        ensure_unit_access(principal, project.unit)
        return public(project)


@router.post("/projects/{project_id}/trial-run", response_model=AcceptanceProjectPublic, summary="开始试运行")
async def start_trial_run(
    project_id: str, body: TrialRunStart, runtime: Runtime, principal: Annotated[Principal, UnitStaff]
):
    async with runtime.unit_of_work() as uow:
        project = await handlers.load(uow, project_id)
        ensure_unit_access(principal, project.unit)
        return public(await handlers.start_trial_run(uow, project_id, body.started_on, principal))


@router.post("/projects/{project_id}/pre-acceptance", response_model=AcceptanceProjectPublic, summary="验收前置核准")
async def pre_acceptance(project_id: str, runtime: Runtime, principal: Annotated[Principal, Bureau]):
    async with runtime.unit_of_work() as uow:
        return public(await handlers.approve_pre_acceptance(uow, project_id, principal))


@router.post("/projects/{project_id}/acceptance", response_model=AcceptanceProjectPublic, summary="履约验收")
async def performance_acceptance(
    project_id: str, body: PerformanceAcceptance, runtime: Runtime, principal: Annotated[Principal, UnitStaff]
):
    async with runtime.unit_of_work() as uow:
        project = await handlers.load(uow, project_id)
        ensure_unit_access(principal, project.unit)
        return public(await handlers.record_acceptance(uow, project_id, body, principal))
