"""Routes of the bureau's unified annual O&M tender (jiyuan:运行维护 统一运维招投标)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse

from services.procurement.api.common import IdempotencyKey, Readers, created, router
from services.procurement.handlers import om_tenders as handlers
from services.procurement.schemas import (
    OmTenderCreate,
    OmTenderLinePublic,
    OmTenderYearPublic,
    OmUnifiedTenderPublic,
)
from shared.auth import Principal, Role, require
from shared.service import Runtime
from shared.uow import UnitOfWork

#: the departments that might try; the handler checks the rule's own steps (the data bureau), citing the article
Publishers = require(Role.DATA_BUREAU, Role.FINANCE, Role.PROCUREMENT_CENTER, Role.UNIT)


@router.get(
    "/om-tenders",
    response_model=OmTenderYearPublic,
    summary="统一运维招投标: the year's approved O&M budgets and their unified tender (jiyuan:运行维护)",
)
async def om_tender_year(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    jurisdiction: str = Query(min_length=1, max_length=40),
    year: int = Query(ge=2000, le=2100),
) -> dict[str, Any]:
    async with runtime.reading() as uow:
        rows = await handlers.lines(uow, jurisdiction, year)
        tender = await handlers.tender_of(uow, jurisdiction, year)
        return OmTenderYearPublic(
            jurisdiction=jurisdiction,
            funding_year=year,
            lines=[OmTenderLinePublic(**row.model_dump()) for row in rows],
            total_fen=sum(row.amount_fen for row in rows),
            tender=OmUnifiedTenderPublic(**tender.model_dump()) if tender else None,
        ).model_dump(mode="json")


@router.post(
    "/om-tenders",
    status_code=201,
    response_model=OmUnifiedTenderPublic,
    summary="统一运维招投标: the bureau tenders the year's O&M for all units at once (jiyuan:运行维护)",
)
async def publish_om_tender(
    body: OmTenderCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Publishers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork) -> tuple[int, dict]:
        tender = await handlers.publish(
            uow,
            principal,
            jurisdiction=body.jurisdiction,
            year=body.funding_year,
            title=body.title,
            published_on=body.published_on,
        )
        return 201, OmUnifiedTenderPublic(**tender.model_dump()).model_dump(mode="json")

    return await created(runtime, principal, idempotency_key, body.model_dump(mode="json"), work)
