"""Acceptance's routes: parse, check the role, run the handler in a unit of work, answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, params
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from services.acceptance import handlers, queries
from services.acceptance.domain import STEPS
from services.acceptance.experts import ExpertPool, ReviewExpertPool
from services.acceptance.schemas import (
    AcceptanceApplication,
    AcceptanceProjectPublic,
    AcceptanceProjectsPublic,
    AssetRegistrationIn,
    AssetRegistrationPublic,
    CompletionAcceptance,
    DocumentFilingIn,
    DocumentFilingPublic,
    FinalAcceptance,
    FinalApplication,
    HigherLevelFiling,
    OrganiseAcceptance,
    PerformanceAcceptance,
    PreliminaryAcceptance,
    SecrecyApproval,
    TrialRunStart,
)
from services.acceptance.tables import AcceptanceProject, StepRecord
from shared.auth import Principal, Role, outbound_authorization, require
from shared.errors import Problem, not_found
from shared.idempotency import replay, run_once
from shared.limits import Identifier
from shared.pagination import OpaqueCursor, Position, decode_cursor, encode_cursor
from shared.scope import ProjectScope
from shared.service import Runtime, ServiceRuntime
from shared.uow import UnitOfWork
from shared.watch import WATCH_DESCRIPTION, watched

router = APIRouter(prefix="/api/acceptance", tags=["acceptance 试运行与验收"])

READER_ROLES = (
    Role.UNIT,
    Role.DATA_BUREAU,
    Role.FINANCE,
    Role.DRC,
    Role.AUDIT,
    Role.PLATFORM,
    Role.LEADING_OFFICE,
    Role.CONFIDENTIALITY_OFFICE,
    Role.PROCUREMENT_CENTER,
)
Readers = require(*READER_ROLES)
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


#: Who reads a project in acceptance (shared/scope.py): every read of a project's data goes through it.
scope = ProjectScope.of("acceptance", queries.project_owner, readers=READER_ROLES)


def acting(step: str) -> params.Depends:
    """Only the roles that take `step` (e.g. the bureau organises, the unit applies)."""
    return require(*STEPS[step].roles)


async def present(uow: UnitOfWork, project: AcceptanceProject, principal: Principal) -> AcceptanceProjectPublic:
    data = project.model_dump(include=set(AcceptanceProjectPublic.model_fields))
    for name in ("steps", "done_steps", "modules"):
        data[name] = data.get(name) or []
    for name in ("dates", "module_results", "items"):
        data[name] = data.get(name) or {}
    data["panel"] = data.get("panel") or []
    data["next_step"] = handlers.next_step_of(project)
    data["deadlines"] = await queries.deadlines_of(uow, project.project_id)
    if project.secret and not principal.cleared:
        # dazhou:第六十五条 — a secret system's content is for cleared readers only
        data |= {"system_name": None, "items": {}, "panel": [], "module_results": {}}
    return AcceptanceProjectPublic(**data)


async def _step(
    runtime: ServiceRuntime,
    request: Request,
    project_id: str,
    principal: Principal,
    key: str | None,
    body: Any,
    run: Callable[[UnitOfWork], Awaitable[Any]],
) -> Any:
    """One step in one unit of work; a repeated or racing Idempotency-Key gets the first answer. The
    handler checks the caller may act on the project where it loads it under its lock."""

    async def action(uow: UnitOfWork) -> dict:
        result = await run(uow)
        return (await present(uow, result, principal)).model_dump(mode="json")

    fingerprint = {"path": request.url.path, "body": body}
    return await run_once(runtime, key, principal, fingerprint, action, status=200)


def _dump(body: BaseModel | None) -> Any:
    return body.model_dump(mode="json") if body is not None else {}


# --- reading ------------------------------------------------------------------------------------------


class _AfterProject(Position):
    project_id: Identifier


@router.get("/projects", response_model=AcceptanceProjectsPublic, summary="Projects in acceptance (cursor pages)")
async def list_projects(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    stage: str | None = Query(default=None, max_length=30),
    jurisdiction: str | None = Query(default=None, max_length=40),
    cursor: OpaqueCursor = None,
    limit: int = Query(default=50, ge=1, le=200),
) -> AcceptanceProjectsPublic:
    after = decode_cursor(cursor, _AfterProject)
    async with runtime.reading() as uow:
        rows = await queries.projects_page(
            uow,
            principal,
            stage=stage,
            jurisdiction=jurisdiction,
            after=after.project_id if after is not None else None,
            limit=limit,
        )
        items = [await present(uow, project, principal) for project in rows[:limit]]
    more = len(rows) > limit
    return AcceptanceProjectsPublic(
        items=items, next_cursor=encode_cursor(_AfterProject(project_id=rows[limit - 1].project_id)) if more else None
    )


@router.get(
    "/projects/{project_id}",
    response_model=AcceptanceProjectPublic,
    summary="The project's acceptance",
    description=WATCH_DESCRIPTION,
)
async def get_project(
    project_id: str, request: Request, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> Response:
    async def read() -> AcceptanceProjectPublic:
        async with runtime.reading() as uow:
            await scope.ensure(uow, principal, project_id, content=False)
            return await present(uow, await queries.load(uow, project_id), principal)

    return await watched(request, runtime.arrivals, project_id, read)


# --- steps --------------------------------------------------------------------------------------------


@router.post("/projects/{project_id}/trial-run", response_model=AcceptanceProjectPublic, summary="开始试运行")
async def start_trial_run(
    project_id: str,
    body: TrialRunStart,
    runtime: Runtime,
    request: Request,
    principal: Annotated[Principal, acting("trial_run")],
    key: IdempotencyKey = None,
) -> AcceptanceProjectPublic:
    return await _step(
        runtime, request, project_id, principal, key, _dump(body),
        lambda uow: handlers.start_trial_run(uow, project_id, body.started_on, principal),
    )  # fmt: skip


@router.post("/projects/{project_id}/pre-acceptance", response_model=AcceptanceProjectPublic, summary="验收前置核准")
async def pre_acceptance(
    project_id: str,
    runtime: Runtime,
    request: Request,
    principal: Annotated[Principal, acting("pre_acceptance_approval")],
    key: IdempotencyKey = None,
) -> AcceptanceProjectPublic:
    return await _step(
        runtime, request, project_id, principal, key, {},
        lambda uow: handlers.approve_pre_acceptance(uow, project_id, principal),
    )  # fmt: skip


@router.post("/projects/{project_id}/acceptance", response_model=AcceptanceProjectPublic, summary="履约验收")
async def performance_acceptance(
    project_id: str,
    body: PerformanceAcceptance,
    runtime: Runtime,
    request: Request,
    principal: Annotated[Principal, acting("performance_acceptance")],
    key: IdempotencyKey = None,
) -> AcceptanceProjectPublic:
    return await _step(
        runtime, request, project_id, principal, key, _dump(body),
        lambda uow: handlers.record_result(
            uow, project_id, "performance_acceptance", body, principal, "performance acceptance"
        ),
    )  # fmt: skip


@router.post(
    "/projects/{project_id}/preliminary-acceptance", response_model=AcceptanceProjectPublic, summary="初验（可分模块）"
)
async def preliminary_acceptance(
    project_id: str,
    body: PreliminaryAcceptance,
    runtime: Runtime,
    request: Request,
    principal: Annotated[Principal, acting("preliminary_acceptance")],
    key: IdempotencyKey = None,
) -> AcceptanceProjectPublic:
    return await _step(
        runtime, request, project_id, principal, key, _dump(body),
        lambda uow: handlers.record_preliminary(uow, project_id, body, principal),
    )  # fmt: skip


@router.post(
    "/projects/{project_id}/final-acceptance/application", response_model=AcceptanceProjectPublic, summary="终验申请"
)
async def final_application(
    project_id: str,
    runtime: Runtime,
    request: Request,
    principal: Annotated[Principal, acting("final_acceptance_application")],
    body: FinalApplication | None = None,
    key: IdempotencyKey = None,
) -> AcceptanceProjectPublic:
    return await _step(
        runtime, request, project_id, principal, key, _dump(body),
        lambda uow: handlers.apply_for_final(uow, project_id, principal),
    )  # fmt: skip


@router.post(
    "/projects/{project_id}/final-acceptance", response_model=AcceptanceProjectPublic, summary="终验（出具验收报告）"
)
async def final_acceptance(
    project_id: str,
    body: FinalAcceptance,
    runtime: Runtime,
    request: Request,
    principal: Annotated[Principal, acting("final_acceptance")],
    key: IdempotencyKey = None,
) -> AcceptanceProjectPublic:
    return await _step(
        runtime, request, project_id, principal, key, _dump(body),
        lambda uow: handlers.record_result(uow, project_id, "final_acceptance", body, principal, "final acceptance"),
    )  # fmt: skip


@router.post(
    "/projects/{project_id}/final-acceptance/filing",
    response_model=AcceptanceProjectPublic,
    summary="国家、省级终验备案（视为通过终验）",
)
async def higher_level_filing(
    project_id: str,
    body: HigherLevelFiling,
    runtime: Runtime,
    request: Request,
    principal: Annotated[Principal, require(Role.UNIT, Role.LEADING_OFFICE)],
    key: IdempotencyKey = None,
) -> AcceptanceProjectPublic:
    return await _step(
        runtime, request, project_id, principal, key, _dump(body),
        lambda uow: handlers.file_higher_level(uow, project_id, body, principal),
    )  # fmt: skip


@router.post("/projects/{project_id}/application", response_model=AcceptanceProjectPublic, summary="验收申请")
async def acceptance_application(
    project_id: str,
    body: AcceptanceApplication,
    runtime: Runtime,
    request: Request,
    principal: Annotated[Principal, acting("acceptance_application")],
    key: IdempotencyKey = None,
) -> AcceptanceProjectPublic:
    return await _step(
        runtime, request, project_id, principal, key, _dump(body),
        lambda uow: handlers.apply_for_acceptance(uow, project_id, body, principal),
    )  # fmt: skip


async def expert_pool(request: Request) -> ExpertPool:
    """Review's expert pool, called as this service (its client-credentials token) or, in local runs, with
    the caller's dev token (tests override this dependency)."""
    runtime = request.app.state.runtime
    return ReviewExpertPool(runtime.settings.service_urls["review"], await outbound_authorization(request))


@router.post(
    "/projects/{project_id}/organise", response_model=AcceptanceProjectPublic, summary="确认并组织验收（验收小组）"
)
async def organise(
    project_id: str,
    body: OrganiseAcceptance,
    runtime: Runtime,
    request: Request,
    principal: Annotated[Principal, acting("acceptance_organised")],
    pool: Annotated[ExpertPool, Depends(expert_pool)],
    key: IdempotencyKey = None,
) -> JSONResponse:
    fingerprint = {"path": request.url.path, "body": _dump(body)}
    # 1. order and panel checked before any expert is drawn; 2. the draw (HTTP, outside a transaction);
    # 3. the step written, checked again under the row lock.
    # A racing twin draws too (review's draw is idempotent on draw_key) and then waits on the key in
    # step 3, where it gets the first answer.
    try:
        async with runtime.unit_of_work() as uow:
            if (stored := await replay(uow, key, principal.subject, fingerprint)) is not None:
                return stored
            project = await handlers.check_organisation(uow, project_id, body, principal)
            draw_key = f"acceptance-{project_id}-{project.attempts or 0}"
            draw_request = handlers.draw_request(project, body, draw_key)
    except Problem:
        # A twin with the same key may have finished between the replay check and the stage check (its
        # answer and the stage it moved to commit together): it is that answer the caller is owed.
        if key is not None:
            async with runtime.unit_of_work() as uow:
                if (stored := await replay(uow, key, principal.subject, fingerprint)) is not None:
                    return stored
        raise
    draw = await handlers.draw_experts(pool, draw_request)

    async def action(uow: UnitOfWork) -> dict:
        result = await handlers.organise_acceptance(uow, project_id, body, draw, principal)
        return (await present(uow, result, principal)).model_dump(mode="json")

    return await run_once(runtime, key, principal, fingerprint, action, status=200)


@router.post("/projects/{project_id}/completion-acceptance", response_model=AcceptanceProjectPublic, summary="竣工验收")
async def completion_acceptance(
    project_id: str,
    body: CompletionAcceptance,
    runtime: Runtime,
    request: Request,
    principal: Annotated[Principal, acting("completion_acceptance")],
    key: IdempotencyKey = None,
) -> AcceptanceProjectPublic:
    return await _step(
        runtime, request, project_id, principal, key, _dump(body),
        lambda uow: handlers.record_result(
            uow, project_id, "completion_acceptance", body, principal, "completion acceptance"
        ),
    )  # fmt: skip


@router.post(
    "/projects/{project_id}/secrecy-approval", response_model=AcceptanceProjectPublic, summary="保密办审批（涉密系统）"
)
async def secrecy_approval(
    project_id: str,
    body: SecrecyApproval,
    runtime: Runtime,
    request: Request,
    principal: Annotated[Principal, acting("secrecy_approval")],
    key: IdempotencyKey = None,
) -> AcceptanceProjectPublic:
    return await _step(
        runtime, request, project_id, principal, key, _dump(body),
        lambda uow: handlers.approve_secrecy(uow, project_id, body, principal),
    )  # fmt: skip


@router.post(
    "/projects/{project_id}/asset-registration",
    response_model=AssetRegistrationPublic,
    status_code=201,
    summary="国有资产登记",
)
async def asset_registration(
    project_id: str,
    body: AssetRegistrationIn,
    runtime: Runtime,
    request: Request,
    principal: Annotated[Principal, require(Role.UNIT, Role.DATA_BUREAU)],
    key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        registration = await handlers.register_assets(uow, project_id, body, principal)
        return AssetRegistrationPublic(**registration.model_dump()).model_dump(mode="json")

    fingerprint = {"path": request.url.path, "body": _dump(body)}
    return await run_once(runtime, key, principal, fingerprint, action)


def _filing_public(record: StepRecord) -> DocumentFilingPublic:
    return DocumentFilingPublic(
        project_id=record.project_id,
        filed_on=record.taken_on,
        documents=list(record.detail.get("documents", [])),
        filed_by=record.actor,
        rule_id=record.detail.get("rule_id", ""),
        citation=record.detail.get("citation", ""),
    )


@router.post(
    "/projects/{project_id}/document-filing",
    response_model=DocumentFilingPublic,
    status_code=201,
    summary="验收后资料备案 (suqian:(七))",
)
async def document_filing(
    project_id: str,
    body: DocumentFilingIn,
    runtime: Runtime,
    request: Request,
    principal: Annotated[Principal, require(Role.UNIT, Role.DATA_BUREAU)],
    key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        record = await handlers.file_documents(uow, project_id, body, principal)
        return _filing_public(record).model_dump(mode="json")

    fingerprint = {"path": request.url.path, "body": _dump(body)}
    return await run_once(runtime, key, principal, fingerprint, action)


@router.get("/projects/{project_id}/document-filing", response_model=DocumentFilingPublic, summary="验收后资料备案")
async def get_document_filing(
    project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> DocumentFilingPublic:
    async with runtime.reading() as uow:
        await scope.ensure(uow, principal, project_id, content=False, what="document filing")
        record = await queries.document_filing(uow, project_id)
        if record is None:
            raise not_found("document filing", project_id)
        return _filing_public(record)


@router.get("/projects/{project_id}/asset-registration", response_model=AssetRegistrationPublic, summary="国有资产登记")
async def get_asset_registration(
    project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> AssetRegistrationPublic:
    async with runtime.reading() as uow:
        await scope.ensure(uow, principal, project_id, content=False, what="asset registration")
        registration = await queries.asset_registration(uow, project_id)
        return AssetRegistrationPublic(**registration.model_dump())
