"""The needs pool (需求库): file, read, review and merge needs, and search them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.responses import JSONResponse

from services.intake import handlers, queries
from services.intake.api.common import (
    REFUSALS_DOC,
    Bureau,
    IdempotencyKey,
    Planners,
    Readers,
    UnitStaff,
    need_public,
    public,
    router,
)
from services.intake.queries import scope
from services.intake.schemas import ApplicationPublic, NeedCreate, NeedMerge, NeedPublic, NeedReview, NeedsPublic
from shared import idempotency
from shared.auth import Principal, ensure_unit_access
from shared.limits import Filter
from shared.pagination import OpaqueCursor
from shared.service import Runtime
from shared.uow import UnitOfWork


@router.post(
    "/needs", status_code=201, response_model=NeedPublic, summary="提交需求 File a need", responses=REFUSALS_DOC
)
async def file_need(
    command: NeedCreate,
    runtime: Runtime,
    principal: Annotated[Principal, UnitStaff],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    ensure_unit_access(principal, command.unit)

    async def action(uow: UnitOfWork) -> dict:
        return need_public(await handlers.file_need(uow, command, principal)).model_dump(mode="json")

    return await idempotency.run_once(runtime, idempotency_key, principal, command.model_dump(mode="json"), action)


@router.get("/needs/{need_id}", response_model=NeedPublic, summary="需求详情 One need")
async def get_need(need_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]) -> NeedPublic:
    async with runtime.reading() as uow:
        await scope.ensure(uow, principal, need_id, what="need")
        return need_public(await queries.load_need(uow, need_id))


@router.post("/needs/{need_id}/review", response_model=NeedPublic, summary="审核需求 Review a need")
async def review_need(
    need_id: str,
    command: NeedReview,
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        return need_public(await handlers.review_need(uow, need_id, command, principal)).model_dump(mode="json")

    body = {"need_id": need_id, **command.model_dump(mode="json")}
    return await idempotency.run_once(runtime, idempotency_key, principal, body, action, status=200)


@router.post(
    "/needs/merge",
    status_code=201,
    response_model=ApplicationPublic,
    summary="需求归并为跨部门项目 Merge needs into one project",
    responses=REFUSALS_DOC,
)
async def merge_needs(
    command: NeedMerge,
    runtime: Runtime,
    principal: Annotated[Principal, Planners],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        return public(await handlers.merge_needs(uow, command, principal), principal).model_dump(mode="json")

    return await idempotency.run_once(runtime, idempotency_key, principal, command.model_dump(mode="json"), action)


@router.get("/needs", response_model=NeedsPublic, summary="需求库查询 Search the needs pool")
async def list_needs(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    unit: Filter = None,
    jurisdiction: Filter = None,
    status: Filter = None,
    plan_year: int | None = None,
    category: Filter = None,
    q: str | None = Query(default=None, max_length=100, description="需求标题或描述关键字"),
    limit: int = Query(default=50, ge=1, le=500),
    cursor: OpaqueCursor = None,
) -> NeedsPublic:
    where = queries.NeedFilter(
        unit=unit, jurisdiction=jurisdiction, status=status, plan_year=plan_year, category=category, q=q
    )
    async with runtime.reading() as uow:
        page, next_cursor = await queries.needs_page(uow, principal, where, limit=limit, cursor=cursor)
    return NeedsPublic(items=[need_public(n) for n in page], next_cursor=next_cursor)
