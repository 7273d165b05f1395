"""Intake's applications: create a draft, read it (and the project's intake stage), edit it, attach materials."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from services.intake import handlers, queries
from services.intake.api.common import REFUSALS_DOC, IdempotencyKey, Readers, UnitStaff, public, router
from services.intake.queries import scope
from services.intake.schemas import (
    ApplicationCreate,
    ApplicationPublic,
    ApplicationUpdate,
    MaterialCreate,
    MaterialPublic,
)
from shared import idempotency
from shared.auth import Principal
from shared.service import Runtime
from shared.uow import UnitOfWork
from shared.watch import WATCH_DESCRIPTION, watched


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationPublic,
    summary="创建申报草稿 Create a draft",
    responses=REFUSALS_DOC,
)
async def create_application(
    command: ApplicationCreate,
    runtime: Runtime,
    principal: Annotated[Principal, UnitStaff],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        application = await handlers.create_application(uow, command, principal)
        return public(application, principal).model_dump(mode="json")

    return await idempotency.run_once(runtime, idempotency_key, principal, command.model_dump(mode="json"), action)


@router.get("/applications/{project_id}", response_model=ApplicationPublic, summary="申报详情 One application")
async def get_application(
    project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> ApplicationPublic:
    async with runtime.reading() as uow:
        await scope.ensure(uow, principal, project_id, content=False, what="application")
        return public(await queries.load(uow, project_id), principal)


@router.get(
    "/projects/{project_id}",
    response_model=ApplicationPublic,
    summary="The project's intake stage",
    description=WATCH_DESCRIPTION,
)
async def get_project(
    project_id: str, request: Request, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> Response:
    return await watched(request, runtime.arrivals, project_id, lambda: get_application(project_id, runtime, principal))


@router.patch(
    "/applications/{project_id}",
    response_model=ApplicationPublic,
    summary="修改草稿 Edit a draft",
    responses=REFUSALS_DOC,
)
async def update_application(
    project_id: str,
    command: ApplicationUpdate,
    runtime: Runtime,
    principal: Annotated[Principal, UnitStaff],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        application = await handlers.update_application(uow, project_id, command, principal)
        return public(application, principal).model_dump(mode="json")

    body = {"project_id": project_id, "update": command.model_dump(mode="json", exclude_unset=True)}
    return await idempotency.run_once(runtime, idempotency_key, principal, body, action, status=200)


@router.post(
    "/applications/{project_id}/materials",
    status_code=201,
    response_model=MaterialPublic,
    summary="上传申报材料 Attach a material",
    responses=REFUSALS_DOC,
)
async def attach_material(
    project_id: str,
    command: MaterialCreate,
    runtime: Runtime,
    principal: Annotated[Principal, UnitStaff],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        material = await handlers.attach_material(uow, project_id, command, principal)
        return MaterialPublic.model_validate(material, from_attributes=True).model_dump(mode="json")

    body = {"project_id": project_id, **command.model_dump(mode="json")}
    return await idempotency.run_once(runtime, idempotency_key, principal, body, action)


@router.get("/applications/{project_id}/materials", response_model=list[MaterialPublic], summary="申报材料 Materials")
async def list_materials(
    project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> list[MaterialPublic]:
    async with runtime.reading() as uow:
        await scope.ensure(uow, principal, project_id, what="materials")
        await queries.load(uow, project_id)  # a need's id has no materials
        rows = await queries.materials_of(uow, project_id)
        return [MaterialPublic.model_validate(m, from_attributes=True) for m in rows]
