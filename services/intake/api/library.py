"""The project library (项目库查询): list and search the applications a caller may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from services.intake import queries
from services.intake.api.common import Readers, public, router
from services.intake.schemas import ApplicationsPublic
from shared.auth import Principal
from shared.limits import FILTER_MAX, Filter
from shared.pagination import OpaqueCursor
from shared.service import Runtime


@router.get("/applications", response_model=ApplicationsPublic, summary="项目库查询 List the library")
async def list_applications(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    jurisdiction: Filter = None,
    unit: Filter = None,
    plan_year: int | None = None,
    status: Filter = None,
    stage: str | None = Query(default=None, max_length=FILTER_MAX, description="application | library | refused"),
    category: Filter = None,
    construction_type: Filter = None,
    off_plan: bool | None = None,
    priority_flag: str | None = Query(default=None, max_length=FILTER_MAX, description="只看命中该优先情形的申报"),
    q: str | None = Query(default=None, max_length=100, description="项目名称关键字"),
    min_investment_fen: int | None = Query(default=None, ge=0, description="总投资下限（含）, fen"),
    max_investment_fen: int | None = Query(default=None, ge=0, description="总投资上限（不含）, fen"),
    sort: str = Query(default="created", pattern="^(created|priority)$", description="created | priority"),
    limit: int = Query(default=50, ge=1, le=500),
    cursor: OpaqueCursor = None,
) -> ApplicationsPublic:
    where = queries.LibraryFilter(
        jurisdiction=jurisdiction,
        unit=unit,
        plan_year=plan_year,
        status=status,
        stage=stage,
        category=category,
        construction_type=construction_type,
        off_plan=off_plan,
        priority_flag=priority_flag,
        q=q,
        min_investment_fen=min_investment_fen,
        max_investment_fen=max_investment_fen,
    )
    async with runtime.reading() as uow:
        page, next_cursor = await queries.library_page(uow, principal, where, sort=sort, limit=limit, cursor=cursor)
    return ApplicationsPublic(items=[public(a, principal) for a in page], next_cursor=next_cursor)
