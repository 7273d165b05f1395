"""Routes of contracts (合同) and supplementary contracts (补充合同)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import JSONResponse

from services.procurement import handlers, queries
from services.procurement.api.common import (
    Buyers,
    IdempotencyKey,
    Leaders,
    Readers,
    contract_public,
    created,
    router,
    scope,
    supplement_public,
)
from services.procurement.schemas import (
    ApprovalAct,
    ContractCreate,
    ContractPublic,
    SupplementCreate,
    SupplementPublic,
)
from shared.auth import Principal, ensure_unit_access
from shared.service import Runtime
from shared.uow import UnitOfWork

# --- contracts and supplements -------------------------------------------------------------------


@router.post(
    "/projects/{project_id}/contracts",
    status_code=201,
    response_model=ContractPublic,
    summary="登记合同 Register a signed contract",
)
async def register_contract(
    project_id: str,
    body: ContractCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Buyers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        # under the lock the handler takes anyway (shared.locking: its second `locked` costs no statement)
        project = await queries.load(uow, project_id, for_update=True)
        ensure_unit_access(principal, project.unit)
        registered = await handlers.register_contract(uow, project_id, body, principal)
        return 201, contract_public(registered.contract, warnings=registered.warnings).model_dump(mode="json")

    request = {"project_id": project_id, **body.model_dump(mode="json")}
    return await created(runtime, principal, idempotency_key, request, work)


@router.post(
    "/contracts/{contract_id}/supplements",
    status_code=201,
    response_model=SupplementPublic,
    summary="补充合同 Request a supplementary contract (over the cap: 422 and the procedure restarts)",
)
async def request_supplement(
    contract_id: str,
    body: SupplementCreate,
    request: Request,
    runtime: Runtime,
    principal: Annotated[Principal, Buyers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        contract = await queries.contract(uow, contract_id)
        if contract is not None:
            ensure_unit_access(principal, (await queries.load(uow, contract.project_id)).unit)
        outcome = await handlers.request_supplement(uow, contract_id, body, principal)
        if outcome.refusal is not None:
            # committed on purpose: the refusal opened a new cycle (dazhou:第四十三条)
            return outcome.refusal.status, outcome.refusal.body(str(request.url.path))
        return 201, supplement_public(outcome.supplement, outcome.steps).model_dump(mode="json")

    body_key = {"contract_id": contract_id, **body.model_dump(mode="json")}
    return await created(runtime, principal, idempotency_key, body_key, work)


@router.get("/supplements/{supplement_id}", response_model=SupplementPublic, summary="A supplementary contract")
async def get_supplement(
    supplement_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> SupplementPublic:
    async with runtime.reading() as uow:
        supplement = await handlers.load_supplement(uow, supplement_id)
        await scope.ensure(uow, principal, supplement.project_id, content=False, what="supplement")
        return supplement_public(supplement, await queries.steps_of(uow, supplement_id))


@router.post(
    "/supplements/{supplement_id}/approval",
    response_model=SupplementPublic,
    summary="A leader acts on the supplement's next authority step (dazhou:第四十三条)",
)
async def decide_supplement(
    supplement_id: str, body: ApprovalAct, runtime: Runtime, principal: Annotated[Principal, Leaders]
) -> SupplementPublic:
    async with runtime.unit_of_work() as uow:
        outcome = await handlers.decide_supplement_step(uow, supplement_id, body.approve, body.comment, principal)
        return supplement_public(outcome.supplement, outcome.steps)
