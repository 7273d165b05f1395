"""Routes of money out: fund releases (资金拨付), surplus returned and funding shares."""

from __future__ import annotations

from typing import Annotated

from fastapi.responses import JSONResponse

from services.budget import handlers, queries
from services.budget.api.common import Finance, IdempotencyKey, public, router
from services.budget.schemas import (
    BudgetProjectPublic,
    ReleasePublic,
    ReleaseRequest,
    SharesRequest,
    SurplusPublic,
    SurplusRequest,
)
from shared.auth import Principal
from shared.idempotency import run_once as idempotent
from shared.service import Runtime
from shared.uow import UnitOfWork

# --- money out ----------------------------------------------------------------------------------------------


@router.post("/projects/{project_id}/releases", status_code=201, response_model=ReleasePublic, summary="拨付资金")
async def release_funds(
    project_id: str,
    body: ReleaseRequest,
    runtime: Runtime,
    principal: Annotated[Principal, Finance],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A retried request with the same Idempotency-Key returns the first release; it never pays twice."""

    async def action(uow: UnitOfWork) -> dict:
        release = await handlers.release_funds(
            uow,
            project_id,
            body.contract_id,
            body.amount_fen,
            principal,
            payer=body.payer,
            adjustment_id=body.adjustment_id,
            progress_percent=body.progress_percent,
        )
        project = await queries.load(uow, project_id)
        return ReleasePublic(
            id=release.id,
            project_id=project_id,
            contract_id=release.contract_id,
            amount_fen=release.amount_fen,
            released_total_fen=project.released_fen,
            payer=release.payer,
        ).model_dump(mode="json")

    request = {"project_id": project_id, **body.model_dump()}
    return await idempotent(runtime, idempotency_key, principal, request, action, key_required=True)


@router.post(
    "/projects/{project_id}/surplus-return",
    response_model=SurplusPublic,
    summary="结余资金退回 Return the surplus of an accepted project (dazhou:第三十一条)",
)
async def return_surplus(
    project_id: str, body: SurplusRequest, runtime: Runtime, principal: Annotated[Principal, Finance]
) -> SurplusPublic:
    async with runtime.unit_of_work() as uow:
        decision = await handlers.return_surplus(uow, project_id, body.goals_unchanged, principal)
        project = await queries.load(uow, project_id)
        return SurplusPublic(
            project_id=project_id,
            route=decision.value,
            amount_fen=project.surplus_returned_fen,
            rule_id=decision.rule_id,
            citation=decision.citation,
            stage=project.stage,
        )


@router.put(
    "/projects/{project_id}/shares",
    response_model=BudgetProjectPublic,
    summary="市县分级负担 Split a jointly built project's estimate by level (quzhou:三(二)3)",
)
async def set_shares(
    project_id: str, body: SharesRequest, runtime: Runtime, principal: Annotated[Principal, Finance]
) -> BudgetProjectPublic:
    async with runtime.unit_of_work() as uow:
        await handlers.set_shares(uow, project_id, [s.model_dump() for s in body.shares], principal)
        project = await queries.load(uow, project_id)
        return await public(uow, project)
