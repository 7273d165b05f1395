"""Attachments (附件) on an application: upload, list, download with its sha256, the allow-list checked
by extension, declared type and bytes, the size and count caps, the unit/secret scope of every read,
delete only in a draft, an audit row for each upload, delete and download."""

from __future__ import annotations

import hashlib
import io
import zipfile
from urllib.parse import quote

import sqlalchemy as sa

from services.intake.tables import schema
from shared.auth import Role
from shared.limits import BodyLimitMiddleware
from tests.unit.intake.conftest import HEALTH

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def path(project: str, rest: str = "") -> str:
    return f"/api/intake/applications/{project}/attachments{rest}"


async def upload(intake, project, name="可行性研究报告.pdf", data=PDF, ctype=PDF_TYPE, role=Role.UNIT, **kw):
    return await intake.client.post(
        path(project), files={"file": (name, data, ctype)}, headers=intake.headers(role, **kw)
    )


async def audit_rows(intake, project: str) -> list[tuple[str, str, dict]]:
    async with intake.runtime.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(schema.audit.c.action, schema.audit.c.actor, schema.audit.c.detail)
                .where(schema.audit.c.subject == project, schema.audit.c.action.like("attachment.%"))
                .order_by(schema.audit.c.id)
            )
        ).all()
    return [(r.action, r.actor, r.detail) for r in rows]


async def test_upload_list_download_round_trip_with_sha256(intake):
    project = await intake.draft()
    response = await upload(intake, project)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert created["size_bytes"] == len(PDF) and created["content_type"] == PDF_TYPE
    assert created["name"] == "可行性研究报告.pdf"

    listed = (await intake.get(path(project), Role.UNIT)).json()
    assert [a["id"] for a in listed] == [created["id"]]
    assert "content" not in listed[0] and listed[0]["uploaded_by"] == created["uploaded_by"]

    download = await intake.get(path(project, f"/{created['id']}"), Role.DATA_BUREAU)
    assert download.status_code == 200
    assert download.content == PDF and hashlib.sha256(download.content).hexdigest() == created["sha256"]
    assert download.headers["content-type"] == PDF_TYPE
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("inline;")  # the browser previews a PDF
    assert f"filename*=UTF-8''{quote('可行性研究报告.pdf')}" in disposition
    assert download.headers["x-content-type-options"] == "nosniff"
    # the PDF viewer needs an unsandboxed document; it still fetches nothing
    assert download.headers["content-security-policy"].startswith("default-src 'none'")


async def test_office_files_download_as_attachment(intake):
    project = await intake.draft()
    created = (await upload(intake, project, "方案.docx", docx(), DOCX_TYPE)).json()
    download = await intake.get(path(project, f"/{created['id']}"), Role.UNIT)
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["content-type"] == DOCX_TYPE
    assert download.headers["content-security-policy"].startswith("sandbox;")


async def test_wrong_type_is_refused_naming_the_field(intake):
    project = await intake.draft()
    exe = await upload(intake, project, "setup.exe", b"MZ\x90\x00", "application/octet-stream")
    assert exe.status_code == 422
    assert exe.json()["errors"][0]["field"] == "file.name"
    assert "pdf" in exe.json()["allowed"]

    # named .pdf, declared as a PDF, but the bytes are not one (magic bytes checked)
    fake = await upload(intake, project, "报告.pdf", b"<html><script>alert(1)</script>", PDF_TYPE)
    assert fake.status_code == 422
    assert fake.json()["errors"][0] == {
        "field": "file",
        "type": "attachment.content",  # every problem's error item has a type (the documented Problem shape)
        "rule": "attachment.content",
        "message": "文件内容不是有效的 .pdf 文件",
        "message_en": "the file's content is not a .pdf file",
    }

    # a real PDF declared as something else
    mismatch = await upload(intake, project, "报告.pdf", PDF, "image/png")
    assert mismatch.status_code == 422 and mismatch.json()["errors"][0]["field"] == "file.content_type"

    # a zip that is no Word document
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil.js", "x")
    not_docx = await upload(intake, project, "方案.docx", buffer.getvalue(), DOCX_TYPE)
    assert not_docx.status_code == 422 and not_docx.json()["errors"][0]["rule"] == "attachment.content"
    assert (await intake.get(path(project), Role.UNIT)).json() == []


async def test_too_big_too_many_and_too_long_a_name_are_refused(intake):
    project = await intake.draft()
    intake.settings.attachment_max_bytes = len(PDF) + 10
    intake.settings.attachment_max_count = 2
    big = await upload(intake, project, data=PDF + b"x" * 11)
    assert big.status_code == 413
    assert big.json()["errors"][0]["field"] == "file" and big.json()["limit_bytes"] == len(PDF) + 10

    long_name = "长" * 201 + ".pdf"
    named = await upload(intake, project, long_name)
    assert named.status_code == 422 and named.json()["errors"][0]["rule"] == "attachment.name_length"

    empty = await upload(intake, project, data=b"")
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "file"

    assert (await upload(intake, project)).status_code == 201
    assert (await upload(intake, project)).status_code == 201
    third = await upload(intake, project)
    assert third.status_code == 409 and third.json()["errors"][0]["rule"] == "attachment.count"

    missing = await intake.client.post(path(project), files={}, headers=intake.headers(Role.UNIT))
    assert missing.status_code == 422  # no file field: a validation problem, never a 500


async def test_another_unit_neither_uploads_nor_reads(intake):
    project = await intake.draft()
    created = (await upload(intake, project)).json()
    assert (await upload(intake, project, unit=HEALTH)).status_code == 404
    assert (await intake.get(path(project), Role.UNIT, unit=HEALTH)).status_code == 404
    assert (await intake.get(path(project, f"/{created['id']}"), Role.UNIT, unit=HEALTH)).status_code == 404
    deleted = await intake.client.delete(path(project, f"/{created['id']}"), headers=intake.headers(unit=HEALTH))
    assert deleted.status_code == 404
    # a role that does not read intake at all
    assert (await intake.get(path(project), Role.EXPERT)).status_code == 403
    # an attachment id under another application is not found
    other = await intake.draft()
    assert (await intake.get(path(other, f"/{created['id']}"), Role.UNIT)).status_code == 404


async def test_secret_project_files_only_for_its_unit_and_cleared_bureau(intake):
    project = await intake.draft(secret=True, title="涉密系统")
    created = (await upload(intake, project)).json()
    one = path(project, f"/{created['id']}")
    assert (await intake.get(path(project), Role.DATA_BUREAU)).status_code == 403
    assert (await intake.get(one, Role.DATA_BUREAU)).status_code == 403
    assert (await intake.get(one, Role.FINANCE, cleared=True)).status_code == 403
    assert (await upload(intake, project, role=Role.DATA_BUREAU)).status_code == 403
    cleared = await intake.get(one, Role.DATA_BUREAU, cleared=True)
    assert cleared.status_code == 200 and cleared.content == PDF


async def test_delete_only_while_draft_and_every_step_audited(intake):
    project = await intake.draft()
    first = (await upload(intake, project)).json()
    second = (await upload(intake, project, "方案.docx", docx(), DOCX_TYPE)).json()
    deleted = await intake.client.delete(path(project, f"/{first['id']}"), headers=intake.headers())
    assert deleted.status_code == 204
    assert [a["id"] for a in (await intake.get(path(project), Role.UNIT)).json()] == [second["id"]]
    assert (await intake.get(path(project, f"/{second['id']}"), Role.DATA_BUREAU)).status_code == 200

    submitted = await intake.post(f"/api/intake/applications/{project}/submit")
    assert submitted.status_code == 200, submitted.text
    refused = await intake.client.delete(path(project, f"/{second['id']}"), headers=intake.headers())
    assert refused.status_code == 409
    bureau = await intake.client.delete(path(project, f"/{second['id']}"), headers=intake.headers(Role.DATA_BUREAU))
    assert bureau.status_code == 409
    assert (await upload(intake, project)).status_code == 409  # the unit uploads to its draft only
    review = await upload(intake, project, "评审意见.pdf", role=Role.DATA_BUREAU)
    assert review.status_code == 201  # the bureau files its documents at any stage

    rows = await audit_rows(intake, project)
    assert [(action, detail["attachment"]) for action, _, detail in rows] == [
        ("attachment.uploaded", first["id"]),
        ("attachment.uploaded", second["id"]),
        ("attachment.deleted", first["id"]),
        ("attachment.downloaded", second["id"]),
        ("attachment.uploaded", review.json()["id"]),
    ]
    assert rows[3][1] == f"{Role.DATA_BUREAU}-" and rows[0][2]["sha256"] == first["sha256"]


async def test_a_retried_upload_with_one_key_stores_one_attachment(intake):
    project = await intake.draft()
    key = {"idempotency-key": "upload-7f3a"}

    async def send(name="可行性研究报告.pdf", data=PDF):
        return await intake.client.post(
            path(project), files={"file": (name, data, PDF_TYPE)}, headers={**intake.headers(), **key}
        )

    first = await send()
    again = await send()
    assert first.status_code == 201 and again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers.get("idempotency-replayed") == "true"
    assert [a["id"] for a in (await intake.get(path(project), Role.UNIT)).json()] == [first.json()["id"]]
    assert [action for action, _, _ in await audit_rows(intake, project)] == ["attachment.uploaded"]

    # the same key with another file is a different request, refused by name
    other = await send("另一个.pdf", PDF + b"%more\n")
    assert other.status_code == 422 and other.json()["type"].endswith("idempotency-key-reused")
    # no key: each upload is its own
    assert (await upload(intake, project)).status_code == 201
    assert len((await intake.get(path(project), Role.UNIT)).json()) == 2


def test_the_body_limit_lets_the_upload_route_take_a_file_and_nothing_else():
    middleware = BodyLimitMiddleware(
        None,  # type: ignore[arg-type]
        1024,
        {"/api/intake/applications/{project_id}/attachments": 21 * 1024 * 1024},
    )
    assert middleware._limit_of("/api/intake/applications/P2026X/attachments") == 21 * 1024 * 1024
    assert middleware._limit_of("/api/intake/applications/P2026X/attachments/F1") == 1024
    assert middleware._limit_of("/api/intake/applications//attachments") == 1024
    assert middleware._limit_of("/api/intake/applications/P2026X/materials") == 1024
