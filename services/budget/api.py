"""Budget's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from services.budget import handlers
from services.budget.schemas import BudgetProjectPublic, EstimateApproval, ReleasePublic, ReleaseRequest
from services.budget.tables import BudgetProject
from shared import idempotency
from shared.auth import Principal, Role, ensure_unit_access, require
from shared.errors import bad_request
from shared.service import Runtime

router = APIRouter(prefix="/api/budget", tags=["budget 概算与资金"])

Bureau = require(Role.DATA_BUREAU)
Finance = require(Role.FINANCE)
Readers = require(Role.UNIT, Role.DATA_BUREAU, Role.DRC, Role.FINANCE, Role.AUDIT, Role.PLATFORM)


async def public(uow, project: BudgetProject) -> BudgetProjectPublic:
    history = await handlers.estimate_history(uow, project.project_id)
    return BudgetProjectPublic(
        **project.model_dump(exclude={"created_at", "updated_at", "secret"}),
        estimate_history=[
            {"revision": r.revision, "estimate_fen": r.estimate_fen, "approved_on": r.approved_on.isoformat()}
            for r in history
        ],
    )


@router.get("/projects/{project_id}", response_model=BudgetProjectPublic, summary="The project's budget stage")
async def get_project(project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]):
    async with runtime.unit_of_work() as uow:
        project = await handlers.load(uow, project_id)
        ensure_unit_access(principal, project.unit)
        return await public(uow, project)


@router.post(
    "/projects/{project_id}/estimate", response_model=BudgetProjectPublic, summary="批复概算 Approve the estimate"
)
async def approve_estimate(
    project_id: str, body: EstimateApproval, runtime: Runtime, principal: Annotated[Principal, Bureau]
):
    async with runtime.unit_of_work() as uow:
        project = await handlers.approve_estimate(uow, project_id, body.estimate_fen, principal)
        return await public(uow, project)


@router.post("/projects/{project_id}/releases", status_code=201, response_model=ReleasePublic, summary="拨付资金")
async def release_funds(
    project_id: str,
    body: ReleaseRequest,
    runtime: Runtime,
    principal: Annotated[Principal, Finance],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    """A retried request with the same Idempotency-Key returns the first release; it never pays twice."""
    if not idempotency_key:
        raise bad_request(
            "fund releases need an Idempotency-Key header so a retry never pays twice", field="Idempotency-Key"
        )
    request = {"project_id": project_id, **body.model_dump()}
    async with runtime.unit_of_work() as uow:
        replayed = await idempotency.replay(uow, idempotency_key, principal.subject, request)
        if replayed is not None:
            return JSONResponse(replayed[1], status_code=replayed[0])
        release = await handlers.release_funds(uow, project_id, body.contract_id, body.amount_fen, principal)
        project = await handlers.load(uow, project_id)
        result = ReleasePublic(
            id=release.id,
            project_id=project_id,
            contract_id=release.contract_id,
            amount_fen=release.amount_fen,
            released_total_fen=project.released_fen,
        ).model_dump(mode="json")
        await idempotency.remember(uow, idempotency_key, principal.subject, request, 201, result)
    return JSONResponse(result, status_code=201)
