"""Intake's routes: parse, call the handler in a unit of work, map the result. No rules here."""

from __future__ import annotations

import base64
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse

from services.intake import domain, handlers
from services.intake.schemas import (
    ApplicationCreate,
    ApplicationPublic,
    ApplicationsPublic,
    ApplicationUpdate,
    RefusalRequest,
)
from services.intake.tables import Application
from shared import idempotency
from shared.auth import CurrentPrincipal, Principal, Role, ensure_unit_access, require
from shared.errors import bad_request
from shared.service import Runtime

router = APIRouter(prefix="/api/intake", tags=["intake 申报"])

UnitStaff = require(Role.UNIT)
Bureau = require(Role.DATA_BUREAU)
Readers = require(Role.UNIT, Role.DATA_BUREAU, Role.DRC, Role.FINANCE, Role.AUDIT, Role.PLATFORM)


def public(application: Application, principal: Principal | None) -> ApplicationPublic:
    """A secret project's content is shown only to its unit and cleared bureau staff."""
    may_read = not application.secret or (
        principal is not None and (principal.unit == application.unit or principal.cleared)
    )
    return ApplicationPublic(
        id=application.id,
        unit=application.unit,
        jurisdiction=application.jurisdiction,
        title=application.title if may_read else None,
        category=application.category if may_read else None,
        construction_type=application.construction_type if may_read else None,
        implementation_mode=application.implementation_mode if may_read else None,
        total_investment_fen=application.total_investment_fen,
        plan_year=application.plan_year,
        secret=application.secret,
        status=application.status,
        stage=domain.stage_of(application.status),
        details=application.details if may_read else None,
        created_at=application.created_at,
        updated_at=application.updated_at,
        submitted_at=application.submitted_at,
        decided_at=application.decided_at,
    )


@router.post("/applications", status_code=201, response_model=ApplicationPublic, summary="创建申报草稿 Create a draft")
async def create_application(
    command: ApplicationCreate,
    runtime: Runtime,
    principal: Annotated[Principal, UnitStaff],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    ensure_unit_access(principal, command.unit)
    body = command.model_dump(mode="json")
    async with runtime.unit_of_work() as uow:
        replayed = await idempotency.replay(uow, idempotency_key, principal.subject, body)
        if replayed is not None:
            return JSONResponse(replayed[1], status_code=replayed[0])
        application = await handlers.create_application(uow, command, principal)
        result = public(application, principal).model_dump(mode="json")
        await idempotency.remember(uow, idempotency_key, principal.subject, body, 201, result)
    return JSONResponse(result, status_code=201)


@router.get("/applications/{project_id}", response_model=ApplicationPublic)
async def get_application(project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]):
    async with runtime.unit_of_work() as uow:
        application = await handlers.load(uow, project_id)
        ensure_unit_access(principal, application.unit)
        return public(application, principal)


@router.get("/projects/{project_id}", response_model=ApplicationPublic, summary="The project's intake stage")
async def get_project(project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]):
    return await get_application(project_id, runtime, principal)


@router.patch("/applications/{project_id}", response_model=ApplicationPublic)
async def update_application(
    project_id: str, command: ApplicationUpdate, runtime: Runtime, principal: Annotated[Principal, UnitStaff]
):
    async with runtime.unit_of_work() as uow:
        application = await handlers.load(uow, project_id)
        ensure_unit_access(principal, application.unit)
        application = await handlers.update_application(uow, project_id, command, principal)
        return public(application, principal)


@router.post("/applications/{project_id}/submit", response_model=ApplicationPublic, summary="提交申报 Submit")
async def submit_application(project_id: str, runtime: Runtime, principal: Annotated[Principal, UnitStaff]):
    async with runtime.unit_of_work() as uow:
        application = await handlers.load(uow, project_id)
        ensure_unit_access(principal, application.unit)
        application = await handlers.submit_application(uow, project_id, principal)
        return public(application, principal)


@router.post("/applications/{project_id}/admit", response_model=ApplicationPublic, summary="入库 Admit to the library")
async def admit_application(project_id: str, runtime: Runtime, principal: Annotated[Principal, Bureau]):
    async with runtime.unit_of_work() as uow:
        return public(await handlers.admit_application(uow, project_id, principal), principal)


@router.post("/applications/{project_id}/refuse", response_model=ApplicationPublic, summary="不予入库 Refuse")
async def refuse_application(
    project_id: str, command: RefusalRequest, runtime: Runtime, principal: Annotated[Principal, Bureau]
):
    async with runtime.unit_of_work() as uow:
        return public(await handlers.refuse_application(uow, project_id, command.reason, principal), principal)


def _cursor(created_at, project_id: str) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{project_id}".encode()).decode()


@router.get("/applications", response_model=ApplicationsPublic, summary="项目库查询 List the library")
async def list_applications(
    runtime: Runtime,
    principal: CurrentPrincipal,
    response: Response,
    jurisdiction: str | None = None,
    unit: str | None = None,
    plan_year: int | None = None,
    status: str | None = None,
    category: str | None = None,
    min_investment_fen: int | None = Query(default=None, ge=0),
    max_investment_fen: int | None = Query(default=None, ge=0),
    limit: int = Query(default=50, ge=1, le=500),
    cursor: str | None = None,
):
    if not principal.has(Role.UNIT, Role.DATA_BUREAU, Role.DRC, Role.FINANCE, Role.AUDIT, Role.PLATFORM):
        from shared.errors import forbidden

        raise forbidden("experts and other roles do not read the project library")
    query = sa.select(Application).order_by(Application.created_at, Application.id).limit(limit + 1)
    if not principal.can_see_unit(unit or ""):
        unit = principal.unit  # unit staff see only their own unit's applications
    filters = {
        "jurisdiction": jurisdiction,
        "unit": unit,
        "plan_year": plan_year,
        "status": status,
        "category": category,
    }
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(Application, name) == value)
    if min_investment_fen is not None:
        query = query.where(Application.total_investment_fen >= min_investment_fen)
    if max_investment_fen is not None:
        query = query.where(Application.total_investment_fen < max_investment_fen)
    if cursor:
        try:
            created_raw, last_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
            from datetime import datetime

            created = datetime.fromisoformat(created_raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_request("cursor is not one this API returned", field="cursor") from exc
        query = query.where(
            sa.or_(
                Application.created_at > created,
                sa.and_(Application.created_at == created, Application.id > last_id),
            )
        )
    async with runtime.unit_of_work() as uow:
        rows = list((await uow.session.scalars(query)).all())
    next_cursor = _cursor(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return ApplicationsPublic(items=[public(a, principal) for a in rows[:limit]], next_cursor=next_cursor)
