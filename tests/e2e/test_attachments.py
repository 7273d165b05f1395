"""附件 in the browser against the real platform: the unit uploads a small PDF to its draft from the project
dossier, sees it listed with its size, previews it inline in a new tab; a file of a refused type is named
in plain Chinese; the download the API serves has the bytes uploaded (sha256)."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from deploy.local.launcher import Platform
from shared import clock
from tests.e2e import test_workbench
from tests.e2e.journeys import shoot_both
from tests.e2e.test_workbench import sign_in
from tests.support.api import Api, ok, required_materials

pytestmark = pytest.mark.e2e

# the browser context at 1440 px that logs console errors (a fixture of test_workbench)
desktop = test_workbench.desktop

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


async def test_the_unit_uploads_lists_and_previews_a_pdf(
    desktop: Page, platform: Platform, api: Api, screenshots: Path, tmp_path: Path
):
    page = desktop
    gateway = platform.urls["gateway"]
    body = {
        "unit": "达州市教育局",
        "jurisdiction": "dazhou",
        "title": f"智慧校园附件 {uuid.uuid4().hex[:6]}",
        "category": "application",
        "construction_type": "new",
        "total_investment_fen": 350 * 1_000_000,
        "plan_year": clock.today().year + 1,
        "materials": sorted(required_materials("dazhou")),
    }
    project = ok(await api.post("edu", "/api/intake/applications", body), 201)["id"]

    await sign_in(page, gateway, "edu", "教育局 项目专员")
    await page.goto(f"{gateway}/projects/{project}")
    card = page.get_by_test_id("attachments")
    await expect(card).to_contain_text("暂无附件")
    await expect(page.get_by_test_id("timeline")).not_to_contain_text("上传附件")

    # a refused type: named in plain Chinese, nothing stored
    wrong = tmp_path / "说明.txt"
    wrong.write_text("不是允许的类型", encoding="utf-8")
    await card.locator("input[type=file]").set_input_files(str(wrong))
    await expect(card.get_by_role("alert")).to_contain_text("附件不符合要求")
    await expect(card.get_by_role("alert")).to_contain_text("不支持的文件类型")

    pdf = tmp_path / "可行性研究报告.pdf"
    pdf.write_bytes(PDF)
    async with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/attachments")) as sent:
        await card.locator("input[type=file]").set_input_files(str(pdf))
    assert (await sent.value).headers.get("idempotency-key")  # a retry of this file is stored once
    row = card.locator("tr[data-attachment]")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("可行性研究报告.pdf")
    await expect(row).to_contain_text(f"{len(PDF)} B")
    await expect(card.get_by_role("alert")).to_have_count(0)
    # the dossier's timeline shows the upload without a reload (the page re-reads after a change)
    await expect(page.get_by_test_id("timeline")).to_contain_text("上传附件")

    # 预览 opens the file in a new tab, fetched with the session (the PDF itself, served inline)
    async with page.context.expect_page() as opened:
        await row.get_by_test_id("attachment-preview").click()
    preview = await opened.value
    await preview.wait_for_url("blob:**")
    await preview.close()
    await shoot_both(page, screenshots, "attachments")  # 1440 and 390 px, nothing scrolling sideways

    listed = ok(await api.get("bureau", f"/api/intake/applications/{project}/attachments"))
    assert [a["sha256"] for a in listed] == [hashlib.sha256(PDF).hexdigest()]
    download = await api.get("bureau", f"/api/intake/applications/{project}/attachments/{listed[0]['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("inline;")
