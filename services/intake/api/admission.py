"""Intake's admission (受理): submit, admit to the library or refuse, a unit's ranking and its standing."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body
from fastapi.responses import JSONResponse

from services.intake import handlers, queries
from services.intake.api.common import REFUSALS_DOC, Bureau, IdempotencyKey, Readers, UnitStaff, public, router
from services.intake.schemas import (
    AdmissionRequest,
    ApplicationPublic,
    BarPublic,
    EligibilityPublic,
    PriorityOrder,
    RefusalRequest,
)
from shared import clock, idempotency
from shared.auth import Principal, ensure_unit_access
from shared.service import Runtime
from shared.uow import UnitOfWork


@router.post(
    "/applications/{project_id}/submit",
    response_model=ApplicationPublic,
    summary="提交申报 Submit",
    responses=REFUSALS_DOC,
)
async def submit_application(
    project_id: str,
    runtime: Runtime,
    principal: Annotated[Principal, UnitStaff],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        application = await handlers.submit_application(uow, project_id, principal)
        return public(application, principal).model_dump(mode="json")

    body = {"project_id": project_id, "action": "submit"}
    return await idempotency.run_once(runtime, idempotency_key, principal, body, action, status=200)


@router.post(
    "/applications/{project_id}/admit",
    response_model=ApplicationPublic,
    summary="入库 Admit to the library",
    responses=REFUSALS_DOC,
)
async def admit_application(
    project_id: str,
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
    command: Annotated[AdmissionRequest | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    findings = command.findings if command else []
    approval = command.non_sharing_approval if command else None

    async def action(uow: UnitOfWork) -> dict:
        application = await handlers.admit_application(
            uow, project_id, principal, findings, non_sharing_approval=approval
        )
        return public(application, principal).model_dump(mode="json")

    body = {"project_id": project_id, "action": "admit", "findings": findings, "non_sharing_approval": approval}
    return await idempotency.run_once(runtime, idempotency_key, principal, body, action, status=200)


@router.post(
    "/applications/{project_id}/refuse",
    response_model=ApplicationPublic,
    summary="不予入库 Refuse",
    responses=REFUSALS_DOC,
)
async def refuse_application(
    project_id: str,
    command: RefusalRequest,
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        application = await handlers.refuse_application(uow, project_id, command.reason, principal, command.findings)
        return public(application, principal).model_dump(mode="json")

    body = {"project_id": project_id, "action": "refuse", **command.model_dump(mode="json")}
    return await idempotency.run_once(runtime, idempotency_key, principal, body, action, status=200)


@router.post(
    "/units/{unit}/priorities", response_model=list[ApplicationPublic], summary="本单位申报排序 Rank applications"
)
async def rank_applications(
    unit: str,
    command: PriorityOrder,
    runtime: Runtime,
    principal: Annotated[Principal, UnitStaff],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> list[dict]:
        ranked = await handlers.rank_applications(uow, unit, command.order, principal)
        return [public(a, principal).model_dump(mode="json") for a in ranked]

    body = {"unit": unit, "order": command.order}
    return await idempotency.run_once(runtime, idempotency_key, principal, body, action, status=200)


@router.get("/units/{unit}/eligibility", response_model=EligibilityPublic, summary="单位申报资格 Unit standing")
async def unit_eligibility(unit: str, runtime: Runtime, principal: Annotated[Principal, Readers]) -> EligibilityPublic:
    ensure_unit_access(principal, unit)
    today = clock.today()
    async with runtime.reading() as uow:
        rows = await queries.unit_bars(uow, unit)
        failed = [
            {
                "system_id": s.system_id,
                "project_id": s.project_id,
                "since": s.evaluation_failed_on.isoformat() if s.evaluation_failed_on else None,
                "rule_id": s.evaluation_rule_id,
                "citation": s.evaluation_citation,
                "blocks": "related upgrades (fengxian:第三十二条)",
            }
            for s in await queries.failed_evaluations(uow, unit)
        ]
        findings = await queries.open_findings(uow, unit)
    bars = [
        BarPublic(
            rule_id=r.rule_id,
            citation=r.citation,
            cause=r.cause,
            since=r.since,
            until=r.until,
            bars=list(r.bars or []),
            subject=r.subject,
            source_event=r.source_event,
            cleared_on=r.cleared_on,
            active=r.cleared_on is None and queries.as_bar(r).active_on(today),
        )
        for r in rows
    ]
    supervision = [
        f.model_dump(
            mode="json", include={"finding_id", "subject", "area", "step", "rule_id", "citation", "escalated_on"}
        )
        for f in findings
    ]
    return EligibilityPublic(
        unit=unit,
        eligible=not any(b.active for b in bars),
        bars=bars,
        failed_evaluations=failed,
        supervision=supervision,
    )
