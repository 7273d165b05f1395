"""Procurement's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from services.procurement import handlers
from services.procurement.schemas import ContractCreate, ContractPublic, ProcurementProjectPublic
from shared import idempotency
from shared.auth import Principal, Role, ensure_unit_access, require
from shared.service import Runtime

router = APIRouter(prefix="/api/procurement", tags=["procurement 采购与合同"])

Buyers = require(Role.UNIT, Role.PROCUREMENT_CENTER)
Readers = require(Role.UNIT, Role.DATA_BUREAU, Role.FINANCE, Role.PROCUREMENT_CENTER, Role.AUDIT, Role.PLATFORM)


def contract_public(contract) -> ContractPublic:
    return ContractPublic(**contract.model_dump(include=set(ContractPublic.model_fields)))


@router.get("/projects/{project_id}", response_model=ProcurementProjectPublic, summary="The project's procurement")
async def get_project(project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]):
    async with runtime.unit_of_work() as uow:
        project = await handlers.load(uow, project_id)
        ensure_unit_access(principal, project.unit)
        contracts = await handlers.contracts_of(uow, project_id)
        return ProcurementProjectPublic(
            **project.model_dump(include=set(ProcurementProjectPublic.model_fields) - {"contracts"}),
            contracts=[contract_public(c) for c in contracts],
        )


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
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    request = {"project_id": project_id, **body.model_dump(mode="json")}
    async with runtime.unit_of_work() as uow:
        replayed = await idempotency.replay(uow, idempotency_key, principal.subject, request)
        if replayed is not None:
            return JSONResponse(replayed[1], status_code=replayed[0])
        project = await handlers.load(uow, project_id)
        ensure_unit_access(principal, project.unit)
        contract = await handlers.register_contract(uow, project_id, body, principal)
        result = contract_public(contract).model_dump(mode="json")
        await idempotency.remember(uow, idempotency_key, principal.subject, request, 201, result)
    return JSONResponse(result, status_code=201)
