"""Routes of annual budget lines (年度预算) and their totals, and of O&M budgets (运维预算)."""

from __future__ import annotations

from typing import Annotated

from fastapi.responses import JSONResponse

from services.budget import handlers, queries
from services.budget.api.common import Finance, IdempotencyKey, Limit, OmReviewers, Readers, Unit, router
from services.budget.schemas import (
    BudgetLineCreate,
    BudgetLinePublic,
    BudgetLinesPublic,
    OmBudgetCreate,
    OmBudgetPublic,
    OmBudgetsPublic,
)
from services.budget.tables import AnnualBudgetLine, OmBudget
from shared.auth import Principal, Role, require
from shared.idempotency import run_once as idempotent
from shared.limits import Filter
from shared.pagination import IdCursor
from shared.service import Runtime
from shared.uow import UnitOfWork

# --- annual budgets -----------------------------------------------------------------------------------------


def line_public(line: AnnualBudgetLine) -> BudgetLinePublic:
    return BudgetLinePublic(**line.model_dump(exclude={"created_by"}))


@router.post(
    "/annual-budgets",
    status_code=201,
    response_model=BudgetLinePublic,
    summary="年度预算 Add a line to a year's budget (dazhou:第二十九条,第三十四条)",
)
async def add_budget_line(
    body: BudgetLineCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Finance],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        line = await handlers.add_budget_line(uow, principal=principal, **body.model_dump())
        return line_public(line).model_dump(mode="json")

    return await idempotent(runtime, idempotency_key, principal, body.model_dump(mode="json"), action)


@router.get("/annual-budgets", response_model=BudgetLinesPublic, summary="Budget lines (cursor pages)")
async def list_budget_lines(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    year: int | None = None,
    jurisdiction: Filter = None,
    unit: Filter = None,
    cursor: IdCursor = None,
    limit: Limit = 50,
) -> BudgetLinesPublic:
    if not principal.can_see_unit("") and principal.unit:
        unit = principal.unit
    async with runtime.reading() as uow:
        rows = await queries.budget_line_page(
            uow, year=year, jurisdiction=jurisdiction, unit=unit, cursor=cursor, limit=limit
        )
    return BudgetLinesPublic(
        items=[line_public(r) for r in rows[:limit]], next_cursor=rows[limit - 1].id if len(rows) > limit else None
    )


@router.get("/annual-budgets/totals", summary="A year's budget totals per jurisdiction (by kind) and per unit")
async def budget_totals(
    year: int,
    runtime: Runtime,
    principal: Annotated[Principal, require(Role.FINANCE, Role.DATA_BUREAU, Role.DRC, Role.AUDIT)],
    jurisdiction: Filter = None,
) -> dict:
    async with runtime.reading() as uow:
        return await queries.budget_totals(uow, year, jurisdiction)


# --- O&M budgets --------------------------------------------------------------------------------------------


def om_public(budget: OmBudget) -> OmBudgetPublic:
    return OmBudgetPublic(**budget.model_dump())


@router.post(
    "/om-budgets",
    status_code=201,
    response_model=OmBudgetPublic,
    summary="运维经费申报 Request O&M money for a catalogued system (dazhou:第二十一条,第三十二条,第五十七条)",
)
async def request_om_budget(
    body: OmBudgetCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Unit],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        budget = await handlers.request_om_budget(uow, principal=principal, **body.model_dump())
        return om_public(budget).model_dump(mode="json")

    return await idempotent(runtime, idempotency_key, principal, body.model_dump(mode="json"), action)


@router.post(
    "/om-budgets/{om_budget_id}/approval",
    response_model=OmBudgetPublic,
    summary="运维经费审核 The next reviewer on the pack's route approves an O&M budget: finance (dazhou:第三十三条), "
    "or the data bureau first and finance after (fengxian:第二十九条; jiyuan:职责,运行维护)",
)
async def approve_om_budget(
    om_budget_id: str, runtime: Runtime, principal: Annotated[Principal, OmReviewers]
) -> OmBudgetPublic:
    async with runtime.unit_of_work() as uow:
        return om_public(await handlers.approve_om_budget(uow, om_budget_id, principal))


@router.get("/om-budgets", response_model=OmBudgetsPublic, summary="O&M budget requests (cursor pages)")
async def list_om_budgets(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    funding_year: int | None = None,
    status: Filter = None,
    cursor: IdCursor = None,
    limit: Limit = 50,
) -> OmBudgetsPublic:
    unit = principal.unit if not principal.can_see_unit("") and principal.unit else None
    async with runtime.reading() as uow:
        rows = await queries.om_budget_page(
            uow, funding_year=funding_year, status=status, unit=unit, cursor=cursor, limit=limit
        )
    return OmBudgetsPublic(
        items=[om_public(r) for r in rows[:limit]], next_cursor=rows[limit - 1].id if len(rows) > limit else None
    )
