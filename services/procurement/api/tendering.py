"""Routes of projects in procurement, plans (采购计划), tenders (招标), bids, awards and suppliers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import JSONResponse, Response

from services.procurement import handlers, queries
from services.procurement.api.common import (
    Buyers,
    IdempotencyKey,
    Organisers,
    PlanReviewers,
    Readers,
    award_public,
    created,
    plan_public,
    project_public,
    router,
    scope,
    supplier_name,
    tender_public,
    visible_title,
)
from services.procurement.schemas import (
    AwardCreate,
    AwardPublic,
    BidCreate,
    BidPublic,
    PlanCreate,
    PlanPublic,
    PlanReview,
    ProcurementProjectPublic,
    ProjectListItem,
    ProjectsPublic,
    SupplierCreate,
    SupplierPublic,
    TenderCreate,
    TenderPublic,
)
from shared.auth import Principal, Role, ensure_unit_access
from shared.limits import Filter
from shared.pagination import IdCursor
from shared.service import Runtime
from shared.uow import UnitOfWork
from shared.watch import WATCH_DESCRIPTION, watched

# --- projects ------------------------------------------------------------------------------------


@router.get("/projects", response_model=ProjectsPublic, summary="Projects in procurement (cursor pagination)")
async def list_projects(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    stage: Filter = None,
    jurisdiction: Filter = None,
    cursor: IdCursor = None,
    limit: int = Query(default=50, ge=1, le=200),
) -> ProjectsPublic:
    async with runtime.reading() as uow:
        rows = await queries.project_page(
            uow,
            unit=principal.unit if principal.roles <= {Role.UNIT} else None,
            stage=stage,
            jurisdiction=jurisdiction,
            cursor=cursor,
            limit=limit,
        )
        items = []
        for p in rows[:limit]:
            active = await queries.active_sanctions(uow, p.project_id)
            items.append(
                ProjectListItem(
                    **p.model_dump(include=set(ProjectListItem.model_fields) - {"title", "status"}),
                    title=visible_title(p, principal),
                    status=queries.status_of(p, active),
                )
            )
    return ProjectsPublic(items=items, next_cursor=rows[limit - 1].project_id if len(rows) > limit else None)


@router.get(
    "/projects/{project_id}",
    response_model=ProcurementProjectPublic,
    summary="The project's procurement",
    description=WATCH_DESCRIPTION,
)
async def get_project(
    project_id: str, request: Request, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> Response:
    async def read() -> ProcurementProjectPublic:
        async with runtime.reading() as uow:
            await scope.ensure(uow, principal, project_id, content=False)
            return await project_public(uow, await queries.load(uow, project_id), principal)

    return await watched(request, runtime.arrivals, project_id, read)


@router.post(
    "/projects/{project_id}/plan", status_code=201, response_model=PlanPublic, summary="采购计划备案 File the plan"
)
async def file_plan(
    project_id: str,
    body: PlanCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Buyers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        # under the lock the handler takes anyway (shared.locking: its second `locked` costs no statement)
        project = await queries.load(uow, project_id, for_update=True)
        ensure_unit_access(principal, project.unit)
        plan = await handlers.file_plan(uow, project_id, body, principal)
        return 201, plan_public(plan).model_dump(mode="json")

    request = {"project_id": project_id, **body.model_dump(mode="json")}
    return await created(runtime, principal, idempotency_key, request, work)


@router.post(
    "/projects/{project_id}/plan/review", summary="Review the plan (a step the pack names, e.g. jiyuan's office)"
)
async def review_plan(
    project_id: str, body: PlanReview, runtime: Runtime, principal: Annotated[Principal, PlanReviewers]
) -> dict[str, Any]:
    async with runtime.unit_of_work() as uow:
        plan = await handlers.review_plan(uow, project_id, body.approve, body.comment, principal, body.method)
        return {"plan": plan_public(plan).model_dump(mode="json") if plan else None, "returned": plan is None}


@router.post(
    "/projects/{project_id}/tenders", status_code=201, response_model=TenderPublic, summary="发布招标 Publish a tender"
)
async def publish_tender(
    project_id: str,
    body: TenderCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Organisers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        # under the lock the handler takes anyway (shared.locking: its second `locked` costs no statement)
        project = await queries.load(uow, project_id, for_update=True)
        ensure_unit_access(principal, project.unit)
        tender = await handlers.publish_tender(uow, project_id, body, principal)
        return 201, (await tender_public(uow, tender, detail=False)).model_dump(mode="json")

    request = {"project_id": project_id, **body.model_dump(mode="json")}
    return await created(runtime, principal, idempotency_key, request, work)


@router.get("/tenders/{tender_id}", response_model=TenderPublic, summary="A tender with its bids and award")
async def get_tender(tender_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]) -> TenderPublic:
    async with runtime.reading() as uow:
        tender = await queries.tender(uow, tender_id)
        await scope.ensure(uow, principal, tender.project_id, content=False, what="tender")
        return await tender_public(uow, tender)


@router.post("/tenders/{tender_id}/bids", status_code=201, response_model=BidPublic, summary="投标 Record a bid")
async def record_bid(
    tender_id: str,
    body: BidCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Organisers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        bid = await handlers.record_bid(uow, tender_id, body, principal)
        name = await supplier_name(uow, bid.supplier_id)
        public = BidPublic(**bid.model_dump(include=set(BidPublic.model_fields) - {"supplier"}), supplier=name)
        return 201, public.model_dump(mode="json")

    request = {"tender_id": tender_id, **body.model_dump(mode="json")}
    return await created(runtime, principal, idempotency_key, request, work)


@router.post("/tenders/{tender_id}/award", status_code=201, response_model=AwardPublic, summary="定标 Award the tender")
async def award_tender(
    tender_id: str,
    body: AwardCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Organisers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        award = await handlers.award_tender(uow, tender_id, body, principal)
        return 201, (await award_public(uow, award)).model_dump(mode="json")

    request = {"tender_id": tender_id, **body.model_dump(mode="json")}
    return await created(runtime, principal, idempotency_key, request, work)


@router.get("/suppliers", response_model=list[SupplierPublic], summary="供应商名录 Suppliers, by name")
async def list_suppliers(
    runtime: Runtime,
    principal: Annotated[Principal, Organisers],
    limit: int = Query(default=200, ge=1, le=500),
) -> list[SupplierPublic]:
    """What a bid or an award picks its supplier from in the workbench (issue 17)."""
    async with runtime.reading() as uow:
        rows = await queries.suppliers(uow, limit)
    return [SupplierPublic(**row.model_dump(include=set(SupplierPublic.model_fields))) for row in rows]


@router.post("/suppliers", status_code=201, response_model=SupplierPublic, summary="登记供应商 Register a supplier")
async def register_supplier(
    body: SupplierCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Organisers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        row = await handlers.register_supplier(uow, body, principal)
        return 201, SupplierPublic(**row.model_dump(include=set(SupplierPublic.model_fields))).model_dump(mode="json")

    return await created(runtime, principal, idempotency_key, body.model_dump(mode="json"), work)
