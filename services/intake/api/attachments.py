"""Intake's attachments (附件): upload a file to an application, list, download (audited) or delete one."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import File, UploadFile
from fastapi.responses import JSONResponse, Response

from services.intake import attachments, handlers, queries
from services.intake.api.common import Attachers, IdempotencyKey, Readers, router
from services.intake.queries import scope
from services.intake.schemas import AttachmentPublic
from shared import idempotency
from shared.auth import Principal
from shared.service import Runtime
from shared.uow import UnitOfWork

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
async def list_attachments(
    project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> list[AttachmentPublic]:
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
