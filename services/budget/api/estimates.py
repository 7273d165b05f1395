"""Routes of projects at the budget stage and the technical-plan timeline: price consultation, technical
plan review, estimate (概算) and control price (控制价) approval."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from fastapi.responses import Response

from services.budget import handlers, queries
from services.budget.api.common import Bureau, Finance, Limit, Readers, Unit, public, router, scope
from services.budget.schemas import (
    BudgetProjectPublic,
    BudgetProjectsPublic,
    ConsultationPublish,
    ControlPriceApproval,
    ControlPriceSubmission,
    EstimateApproval,
    TechnicalPlanDelivery,
    TechnicalReview,
)
from shared.auth import Principal
from shared.limits import Filter
from shared.pagination import IdCursor
from shared.service import Runtime
from shared.watch import WATCH_DESCRIPTION, watched

# --- projects and the technical-plan timeline ---------------------------------------------------------------


@router.get("/projects", response_model=BudgetProjectsPublic, summary="Projects at the budget stage (cursor pages)")
async def list_projects(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    jurisdiction: Filter = None,
    stage: Filter = None,
    cursor: IdCursor = None,
    limit: Limit = 50,
) -> BudgetProjectsPublic:
    unit = principal.unit if not principal.can_see_unit("") and principal.unit else None
    async with runtime.reading() as uow:
        rows = await queries.project_page(
            uow, unit=unit, jurisdiction=jurisdiction, stage=stage, cursor=cursor, limit=limit
        )
        items = [await public(uow, p) for p in rows[:limit]]
    return BudgetProjectsPublic(items=items, next_cursor=rows[limit - 1].project_id if len(rows) > limit else None)


@router.get(
    "/projects/{project_id}",
    response_model=BudgetProjectPublic,
    summary="The project's budget stage",
    description=WATCH_DESCRIPTION,
)
async def get_project(
    project_id: str, request: Request, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> Response:
    async def read() -> BudgetProjectPublic:
        async with runtime.reading() as uow:
            await scope.ensure(uow, principal, project_id, content=False)
            return await public(uow, await queries.load(uow, project_id))

    return await watched(request, runtime.arrivals, project_id, read)


@router.post(
    "/projects/{project_id}/consultation",
    response_model=BudgetProjectPublic,
    summary="功能清单公示 The unit publishes the function list for price consultation (dazhou:第三十五条)",
)
async def publish_consultation(
    project_id: str, body: ConsultationPublish, runtime: Runtime, principal: Annotated[Principal, Unit]
) -> BudgetProjectPublic:
    async with runtime.unit_of_work() as uow:
        project = await handlers.publish_consultation(uow, project_id, body.published_on, body.ends_on, principal)
        return await public(uow, project)


@router.post(
    "/projects/{project_id}/technical-plan",
    response_model=BudgetProjectPublic,
    summary="报送技术方案 The unit delivers the technical plan (dazhou:第三十六条)",
)
async def submit_technical_plan(
    project_id: str,
    runtime: Runtime,
    principal: Annotated[Principal, Unit],
    body: TechnicalPlanDelivery | None = None,
) -> BudgetProjectPublic:
    async with runtime.unit_of_work() as uow:
        contents: list[str] = list(body.contents) if body is not None else []
        project = await handlers.submit_technical_plan(uow, project_id, principal, contents=contents)
        return await public(uow, project)


@router.post(
    "/projects/{project_id}/technical-review",
    response_model=BudgetProjectPublic,
    summary="技术方案审查 The bureau reviews the plan; passed approves the estimate (dazhou:第三十七条)",
)
async def review_technical_plan(
    project_id: str, body: TechnicalReview, runtime: Runtime, principal: Annotated[Principal, Bureau]
) -> BudgetProjectPublic:
    async with runtime.unit_of_work() as uow:
        project = await handlers.review_technical_plan(
            uow, project_id, body.passed, body.estimate_fen, body.opinion, principal
        )
        return await public(uow, project)


@router.post(
    "/projects/{project_id}/estimate",
    response_model=BudgetProjectPublic,
    summary="批复概算 Approve the estimate (the technical review's outcome in one step)",
)
async def approve_estimate(
    project_id: str, body: EstimateApproval, runtime: Runtime, principal: Annotated[Principal, Bureau]
) -> BudgetProjectPublic:
    async with runtime.unit_of_work() as uow:
        project = await handlers.approve_estimate(uow, project_id, body.estimate_fen, principal)
        return await public(uow, project)


@router.post(
    "/projects/{project_id}/control-price",
    response_model=BudgetProjectPublic,
    summary="申报招标控制价预算评审 The unit submits the control price (dazhou:第三十八条)",
)
async def submit_control_price(
    project_id: str, body: ControlPriceSubmission, runtime: Runtime, principal: Annotated[Principal, Unit]
) -> BudgetProjectPublic:
    async with runtime.unit_of_work() as uow:
        project = await handlers.submit_control_price(uow, project_id, body.control_price_fen, principal)
        return await public(uow, project)


@router.post(
    "/projects/{project_id}/control-price/approval",
    response_model=BudgetProjectPublic,
    summary="完成预算评审 Finance approves the control price, never above the estimate (dazhou:第三十八条)",
)
async def approve_control_price(
    project_id: str, body: ControlPriceApproval, runtime: Runtime, principal: Annotated[Principal, Finance]
) -> BudgetProjectPublic:
    async with runtime.unit_of_work() as uow:
        project = await handlers.approve_control_price(uow, project_id, body.control_price_fen, principal)
        return await public(uow, project)
