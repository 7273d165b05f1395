"""Intake's routes: parse, call the handler in a unit of work, map the result. No rules here."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from services.intake import attachments, domain, handlers, queries
from services.intake.queries import READER_ROLES, may_read, scope
from services.intake.schemas import (
    AdmissionRequest,
    ApplicationCreate,
    ApplicationPublic,
    ApplicationsPublic,
    ApplicationUpdate,
    AttachmentPublic,
    BarPublic,
    EligibilityPublic,
    MaterialCreate,
    MaterialPublic,
    NeedCreate,
    NeedMerge,
    NeedPublic,
    NeedReview,
    NeedsPublic,
    PriorityOrder,
    RefusalRequest,
)
from services.intake.tables import Application, Need
from shared import clock, idempotency
from shared.auth import Principal, Role, ensure_unit_access, require
from shared.limits import FILTER_MAX, Filter
from shared.pagination import OpaqueCursor
from shared.service import Runtime
from shared.uow import UnitOfWork
from shared.watch import WATCH_DESCRIPTION, watched

router = APIRouter(prefix="/api/intake", tags=["intake 申报"])

UnitStaff = require(Role.UNIT)
Bureau = require(Role.DATA_BUREAU)
Planners = require(Role.DATA_BUREAU, Role.LEADING_OFFICE)
Readers = require(*READER_ROLES)
Attachers = require(Role.UNIT, Role.DATA_BUREAU)

PROBLEM_EXAMPLE = {
    "type": "https://govproj.example.gov.cn/problems/rule-violation",
    "title": "请求违反项目管理规定 / The request breaks a project-management rule",
    "status": 422,
    "violations": [
        {
            "rule_id": "intake.required_materials",
            "citation": "dazhou:第九条",
            "message_zh": "项目申报材料：不符合（缺少：密码应用方案）",
            "message_en": "Required application materials: fail (missing: cryptography application plan)",
            "field": "materials",
        }
    ],
}
REFUSALS_DOC: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "违反规定（列出全部违反的规则）或不属于管理范围 / rule violations or not a managed project",
        "content": {"application/problem+json": {"example": PROBLEM_EXAMPLE}},
    },
    409: {"description": "当前阶段不允许此操作 / wrong stage"},
}


def public(application: Application, principal: Principal | None) -> ApplicationPublic:
    stage = domain.stage_of(application.status)
    if not may_read(application, principal):
        # the flagged minimal record: id, unit, secret flag, stage
        return ApplicationPublic(
            id=application.id,
            unit=application.unit,
            jurisdiction=application.jurisdiction,
            title=None,
            category=None,
            construction_type=None,
            implementation_mode=None,
            total_investment_fen=None,
            plan_year=None,
            secret=True,
            status=application.status,
            stage=stage,
            details=None,
            created_at=None,
            updated_at=None,
            submitted_at=None,
            decided_at=None,
            minimal=True,
        )
    return ApplicationPublic(
        stage=stage,
        **{
            name: getattr(application, name)
            for name in ApplicationPublic.model_fields
            if name not in ("stage", "minimal") and hasattr(application, name)
        },
    )


def need_public(need: Need) -> NeedPublic:
    return NeedPublic.model_validate(need, from_attributes=True)


IdempotencyKey = Annotated[str | None, Header(max_length=200)]


# --- applications ---------------------------------------------------------------------------------


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationPublic,
    summary="创建申报草稿 Create a draft",
    responses=REFUSALS_DOC,
)
async def create_application(
    command: ApplicationCreate,
    runtime: Runtime,
    principal: Annotated[Principal, UnitStaff],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        application = await handlers.create_application(uow, command, principal)
        return public(application, principal).model_dump(mode="json")

    return await idempotency.run_once(runtime, idempotency_key, principal, command.model_dump(mode="json"), action)


@router.get("/applications/{project_id}", response_model=ApplicationPublic, summary="申报详情 One application")
async def get_application(project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]):
    async with runtime.reading() as uow:
        await scope.ensure(uow, principal, project_id, content=False, what="application")
        return public(await queries.load(uow, project_id), principal)


@router.get(
    "/projects/{project_id}",
    response_model=ApplicationPublic,
    summary="The project's intake stage",
    description=WATCH_DESCRIPTION,
)
async def get_project(project_id: str, request: Request, runtime: Runtime, principal: Annotated[Principal, Readers]):
    return await watched(request, runtime.arrivals, project_id, lambda: get_application(project_id, runtime, principal))


@router.patch(
    "/applications/{project_id}",
    response_model=ApplicationPublic,
    summary="修改草稿 Edit a draft",
    responses=REFUSALS_DOC,
)
async def update_application(
    project_id: str,
    command: ApplicationUpdate,
    runtime: Runtime,
    principal: Annotated[Principal, UnitStaff],
    idempotency_key: IdempotencyKey = None,
):
    async def action(uow: UnitOfWork) -> dict:
        application = await handlers.update_application(uow, project_id, command, principal)
        return public(application, principal).model_dump(mode="json")

    body = {"project_id": project_id, "update": command.model_dump(mode="json", exclude_unset=True)}
    return await idempotency.run_once(runtime, idempotency_key, principal, body, action, status=200)


@router.post(
    "/applications/{project_id}/materials",
    status_code=201,
    response_model=MaterialPublic,
    summary="上传申报材料 Attach a material",
    responses=REFUSALS_DOC,
)
async def attach_material(
    project_id: str,
    command: MaterialCreate,
    runtime: Runtime,
    principal: Annotated[Principal, UnitStaff],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        material = await handlers.attach_material(uow, project_id, command, principal)
        return MaterialPublic.model_validate(material, from_attributes=True).model_dump(mode="json")

    body = {"project_id": project_id, **command.model_dump(mode="json")}
    return await idempotency.run_once(runtime, idempotency_key, principal, body, action)


@router.get("/applications/{project_id}/materials", response_model=list[MaterialPublic], summary="申报材料 Materials")
async def list_materials(project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]):
    async with runtime.reading() as uow:
        await scope.ensure(uow, principal, project_id, what="materials")
        await queries.load(uow, project_id)  # a need's id has no materials
        rows = await queries.materials_of(uow, project_id)
        return [MaterialPublic.model_validate(m, from_attributes=True) for m in rows]


# --- attachments (附件) ---------------------------------------------------------------------------------

#: The upload route, as the body limits name it (main.py, the gateway): its body may carry a whole file.
ATTACHMENTS_PATH = "/api/intake/applications/{project_id}/attachments"
ATTACHMENT_REFUSALS: dict[int | str, dict[str, Any]] = {
    422: {"description": "文件类型、内容或文件名不符合要求（errors 列出字段）/ type, content or name refused"},
    413: {"description": "文件过大 / over the size cap"},
    409: {"description": "当前阶段不允许，或附件数已达上限 / wrong stage or too many attachments"},
}


@router.post(
    "/applications/{project_id}/attachments",
    status_code=201,
    response_model=AttachmentPublic,
    summary="上传附件 Upload an attachment",
    description="multipart/form-data, field `file`. Allowed: "
    + ", ".join(attachments.ALLOWED_EXTENSIONS)
    + " (checked by extension, declared type and the file's leading bytes); size, count and name length capped.",
    responses=ATTACHMENT_REFUSALS,
)
async def upload_attachment(
    project_id: str,
    runtime: Runtime,
    principal: Annotated[Principal, Attachers],
    file: Annotated[UploadFile, File(description="the file (附件)")],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    settings = runtime.settings
    data = await file.read(settings.attachment_max_bytes + 1)
    upload = handlers.Upload(file.filename, file.content_type, data)

    async def action(uow: UnitOfWork) -> dict:
        attachment = await handlers.upload_attachment(
            uow,
            project_id,
            upload,
            principal,
            max_bytes=settings.attachment_max_bytes,
            max_count=settings.attachment_max_count,
        )
        return AttachmentPublic.model_validate(attachment, from_attributes=True).model_dump(mode="json")

    # A retried upload (the same key) replays the first answer instead of storing the file twice; the
    # file stands in the key's request by its name, declared type and digest, not its bytes.
    request = {
        "project_id": project_id,
        "name": file.filename,
        "content_type": file.content_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    return await idempotency.run_once(runtime, idempotency_key, principal, request, action)


@router.get(
    "/applications/{project_id}/attachments", response_model=list[AttachmentPublic], summary="附件列表 Attachments"
)
async def list_attachments(project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]):
    async with runtime.reading() as uow:
        await scope.ensure(uow, principal, project_id, what="attachments")
        await queries.load(uow, project_id)  # a need's id has no attachments
        rows = await queries.attachments_of(uow, project_id)
        return [AttachmentPublic.model_validate(row._mapping) for row in rows]


@router.get(
    "/applications/{project_id}/attachments/{attachment_id}",
    response_class=Response,
    summary="下载或预览附件 Download an attachment",
    description="PDF and images are served inline (the browser previews them), others as a download; "
    "`Content-Disposition` carries the UTF-8 file name. Every download is audited.",
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the file's bytes"}},
)
async def download_attachment(
    project_id: str, attachment_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> Response:
    async with runtime.reading() as uow:
        await scope.ensure(uow, principal, project_id, what="attachment")
        attachment = await queries.load_attachment(uow, project_id, attachment_id)
        await uow.audit_read(
            subject=project_id,
            action="attachment.downloaded",
            actor=principal,
            detail={"attachment": attachment.id, "name": attachment.name, "sha256": attachment.sha256},
        )
        kind = attachments.BY_CONTENT_TYPE.get(attachment.content_type)
        inline = kind is not None and kind.inline
        content = attachment.content
    return Response(
        content,
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": attachments.disposition(attachment.name, inline),
            "X-Content-Type-Options": "nosniff",
            # a previewed file runs nothing and reaches nothing (an image's links, a document's scripts); the
            # browser's PDF viewer refuses a sandboxed document, so a PDF gets the fetch restrictions only
            "Content-Security-Policy": attachments.content_policy(attachment.content_type),
            "Cache-Control": "private, no-store",
        },
    )


@router.delete(
    "/applications/{project_id}/attachments/{attachment_id}",
    status_code=204,
    response_class=Response,
    summary="删除附件 Delete an attachment (draft only)",
    responses={409: {"description": "申报已提交，附件不能删除 / not a draft"}},
)
async def delete_attachment(
    project_id: str, attachment_id: str, runtime: Runtime, principal: Annotated[Principal, Attachers]
) -> Response:
    async with runtime.unit_of_work() as uow:
        await handlers.delete_attachment(uow, project_id, attachment_id, principal)
    return Response(status_code=204)


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
):
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

    async def action(uow: UnitOfWork) -> dict:
        application = await handlers.admit_application(uow, project_id, principal, findings)
        return public(application, principal).model_dump(mode="json")

    body = {"project_id": project_id, "action": "admit", "findings": findings}
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
async def unit_eligibility(unit: str, runtime: Runtime, principal: Annotated[Principal, Readers]):
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


# --- the library: list and search (项目库查询) -------------------------------------------------------


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
):
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


# --- needs pool (需求库) ----------------------------------------------------------------------------


@router.post(
    "/needs", status_code=201, response_model=NeedPublic, summary="提交需求 File a need", responses=REFUSALS_DOC
)
async def file_need(
    command: NeedCreate,
    runtime: Runtime,
    principal: Annotated[Principal, UnitStaff],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    ensure_unit_access(principal, command.unit)

    async def action(uow: UnitOfWork) -> dict:
        return need_public(await handlers.file_need(uow, command, principal)).model_dump(mode="json")

    return await idempotency.run_once(runtime, idempotency_key, principal, command.model_dump(mode="json"), action)


@router.get("/needs/{need_id}", response_model=NeedPublic, summary="需求详情 One need")
async def get_need(need_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]):
    async with runtime.reading() as uow:
        await scope.ensure(uow, principal, need_id, what="need")
        return need_public(await queries.load_need(uow, need_id))


@router.post("/needs/{need_id}/review", response_model=NeedPublic, summary="审核需求 Review a need")
async def review_need(
    need_id: str,
    command: NeedReview,
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        return need_public(await handlers.review_need(uow, need_id, command, principal)).model_dump(mode="json")

    body = {"need_id": need_id, **command.model_dump(mode="json")}
    return await idempotency.run_once(runtime, idempotency_key, principal, body, action, status=200)


@router.post(
    "/needs/merge",
    status_code=201,
    response_model=ApplicationPublic,
    summary="需求归并为跨部门项目 Merge needs into one project",
    responses=REFUSALS_DOC,
)
async def merge_needs(
    command: NeedMerge,
    runtime: Runtime,
    principal: Annotated[Principal, Planners],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        return public(await handlers.merge_needs(uow, command, principal), principal).model_dump(mode="json")

    return await idempotency.run_once(runtime, idempotency_key, principal, command.model_dump(mode="json"), action)


@router.get("/needs", response_model=NeedsPublic, summary="需求库查询 Search the needs pool")
async def list_needs(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    unit: Filter = None,
    jurisdiction: Filter = None,
    status: Filter = None,
    plan_year: int | None = None,
    category: Filter = None,
    q: str | None = Query(default=None, max_length=100, description="需求标题或描述关键字"),
    limit: int = Query(default=50, ge=1, le=500),
    cursor: OpaqueCursor = None,
):
    where = queries.NeedFilter(
        unit=unit, jurisdiction=jurisdiction, status=status, plan_year=plan_year, category=category, q=q
    )
    async with runtime.reading() as uow:
        page, next_cursor = await queries.needs_page(uow, principal, where, limit=limit, cursor=cursor)
    return NeedsPublic(items=[need_public(n) for n in page], next_cursor=next_cursor)
