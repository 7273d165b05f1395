"""Review's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from services.review import handlers
from services.review.schemas import ApprovalStepPublic, ReviewCasePublic, SchemeReviewResult, StepDecision
from services.review.tables import ReviewCase
from shared.auth import Principal, Role, ensure_unit_access, require
from shared.service import Runtime

router = APIRouter(prefix="/api/review", tags=["review 联审与立项"])

Bureau = require(Role.DATA_BUREAU)
Leaders = require(
    Role.VICE_MAYOR_UNIT,
    Role.VICE_MAYOR_DIGITAL,
    Role.VICE_MAYOR_FINANCE,
    Role.MAYOR,
    Role.EXECUTIVE_MEETING,
    Role.STANDING_COMMITTEE,
)
Readers = require(
    Role.UNIT,
    Role.DATA_BUREAU,
    Role.DRC,
    Role.FINANCE,
    Role.AUDIT,
    Role.PLATFORM,
    Role.VICE_MAYOR_UNIT,
    Role.VICE_MAYOR_DIGITAL,
    Role.VICE_MAYOR_FINANCE,
    Role.MAYOR,
    Role.EXECUTIVE_MEETING,
    Role.STANDING_COMMITTEE,
)


async def public(uow, case: ReviewCase) -> ReviewCasePublic:
    steps = await handlers.steps_of(uow, case.project_id)
    return ReviewCasePublic(
        **case.model_dump(exclude={"created_at", "updated_at", "pack_version"}),
        steps=[ApprovalStepPublic(**s.model_dump(include=set(ApprovalStepPublic.model_fields))) for s in steps],
    )


@router.get("/projects/{project_id}", response_model=ReviewCasePublic, summary="The project's review stage")
async def get_case(project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]):
    async with runtime.unit_of_work() as uow:
        case = await handlers.load(uow, project_id)
        ensure_unit_access(principal, case.unit)
        return await public(uow, case)


@router.post("/projects/{project_id}/scheme-review", response_model=ReviewCasePublic, summary="方案评审结果")
async def scheme_review(
    project_id: str, body: SchemeReviewResult, runtime: Runtime, principal: Annotated[Principal, Bureau]
):
    async with runtime.unit_of_work() as uow:
        case = await handlers.record_scheme_review(uow, project_id, body.passed, body.comment, principal)
        return await public(uow, case)


@router.post("/projects/{project_id}/approval", response_model=ReviewCasePublic, summary="审批 (按权限顺序)")
async def approval_step(
    project_id: str, body: StepDecision, runtime: Runtime, principal: Annotated[Principal, Leaders]
):
    async with runtime.unit_of_work() as uow:
        case = await handlers.decide_step(uow, project_id, body.approve, body.comment, principal)
        return await public(uow, case)
