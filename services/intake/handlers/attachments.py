"""Attachments (附件) on an application: upload and delete, each with its audit row.

Who: the unit that owns the application, while it is a draft (the stage materials are attached in,
`domain.Action.ATTACH_MATERIAL`), and the data bureau at any stage (its review documents). Both pass the
same scope as every read (another unit: 404; a secret project: its unit and cleared bureau staff)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from services.intake import attachments, domain, queries
from services.intake.domain import Action
from services.intake.tables import Application, Attachment
from shared import clock
from shared.auth import Principal, Role
from shared.ids import new_id
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class Upload:
    name: str | None
    declared_type: str | None
    data: bytes  # at most max_bytes + 1 bytes were read


async def _open(uow: UnitOfWork, project_id: str, principal: Principal, action: str) -> Application:
    """The application locked, after the scope check; unit staff only while it is a draft."""
    await queries.scope.ensure(uow, principal, project_id, what=action)
    application = await queries.load(uow, project_id, for_update=True)
    if not principal.has(Role.DATA_BUREAU):
        domain.transition(application.status, Action.ATTACH_MATERIAL, subject=project_id)
    return application


async def upload_attachment(
    uow: UnitOfWork, project_id: str, upload: Upload, principal: Principal, *, max_bytes: int, max_count: int
) -> Attachment:
    # who first (another unit: 404, as its reads), so nothing of a file is looked at for a caller refused anyway
    await queries.scope.ensure(uow, principal, project_id, what="attachment upload")
    name = attachments.clean_name(upload.name)
    if len(upload.data) > max_bytes:
        raise attachments.refused(
            "file",
            "attachment.size",
            f"文件过大（上限 {max_bytes // (1024 * 1024)} MB）",
            f"the file is larger than {max_bytes} bytes",
            status=413,
            limit_bytes=max_bytes,
        )
    if not upload.data:
        raise attachments.refused("file", "attachment.size", "文件为空", "the file is empty")
    kind = attachments.kind_of(name, upload.declared_type, upload.data)
    application = await _open(uow, project_id, principal, "attachment upload")
    if await queries.attachment_count(uow, project_id) >= max_count:
        raise attachments.refused(
            "file",
            "attachment.count",
            f"每个项目最多 {max_count} 个附件",
            f"an application takes at most {max_count} attachments",
            status=409,
            limit=max_count,
        )
    attachment = Attachment(
        id=new_id("F", length=12),
        project_id=project_id,
        name=name,
        content_type=kind.content_type,
        size_bytes=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        content=upload.data,
        uploaded_by=principal.subject,
        uploaded_at=clock.now(),
    )
    uow.session.add(attachment)
    application.updated_at = clock.now()
    await uow.audit(
        subject=project_id,
        action="attachment.uploaded",
        actor=principal,
        detail={"attachment": attachment.id, "name": name, "sha256": attachment.sha256, "size": attachment.size_bytes},
    )
    return attachment


async def delete_attachment(uow: UnitOfWork, project_id: str, attachment_id: str, principal: Principal) -> None:
    """Only while the application is a draft, for the bureau too: a submitted application's files are
    what was submitted."""
    application = await _open(uow, project_id, principal, "attachment delete")
    domain.transition(application.status, Action.ATTACH_MATERIAL, subject=project_id)
    attachment = await queries.load_attachment(uow, project_id, attachment_id)
    await uow.session.delete(attachment)
    application.updated_at = clock.now()
    await uow.audit(
        subject=project_id,
        action="attachment.deleted",
        actor=principal,
        detail={"attachment": attachment_id, "name": attachment.name, "sha256": attachment.sha256},
    )
