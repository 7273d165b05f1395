"""The classic web front end (at /classic/ since the workbench took /) in headless Chromium against the real
platform: a unit applies (typing the amount in 万元), a refused amount names its field, the bureau admits the
project and the timeline shows the admission with the rule citations."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from deploy.local.launcher import Platform
from tests.support.api import Api, ok

pytestmark = pytest.mark.e2e

PASSWORD = "govproj"


async def sign_in(page: Page, gateway: str, username: str, shown_as: str) -> None:
    """Pick the seeded user on the sign-in page; the header then names them."""
    await page.goto(f"{gateway}/classic/#/login")
    await page.locator(f'.userpick-item[data-username="{username}"]').click()
    await page.get_by_label("口令").fill(PASSWORD)
    await page.get_by_role("button", name="登 录").click()
    await expect(page.get_by_test_id("current-user")).to_contain_text(shown_as)


async def screenshot(page: Page, path: Path) -> None:
    """The whole page from the top, the pointer off any hover target, passing notices cleared."""
    await page.mouse.move(0, 0)
    await page.evaluate("document.getElementById('toasts').replaceChildren()")
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(path), full_page=True)


async def test_unit_applies_and_bureau_admits(page: Page, platform: Platform, api: Api, screenshots: Path):
    gateway = platform.urls["gateway"]
    title = f"智慧教育平台二期 {uuid.uuid4().hex[:6]}"

    # A unit (教育局) signs in; the header shows who and in which role.
    await sign_in(page, gateway, "edu", "教育局 项目专员")
    await expect(page.get_by_test_id("current-user")).to_contain_text("建设单位")
    await page.get_by_role("navigation").get_by_role("link", name="新建申报").click()
    form = page.get_by_test_id("apply-form")
    await expect(form.get_by_role("textbox", name="建设单位", exact=True)).to_have_value("达州市教育局")
    await form.get_by_role("textbox", name="项目名称", exact=True).fill(title)
    await form.get_by_role("combobox", name="项目类别").select_option("application")
    await form.get_by_role("combobox", name="建设性质").select_option("new")
    await form.locator("select[name=implementation_mode]").select_option("purchase_of_service")
    await form.get_by_role("textbox", name="绩效目标").fill("覆盖全市中小学，教师平台使用率达到 90%")
    # The materials checklist comes from the pack's rule (dazhou:第九条); the unit ticks what it files.
    materials = form.locator("fieldset.materials-group").first
    await expect(materials).to_contain_text("第九条")
    await materials.get_by_role("button", name="全部勾选").click()
    await expect(materials.get_by_role("checkbox", name="密码应用方案")).to_be_checked()
    # the secure-products statement is its own group, under dazhou:第五十六条
    statement = form.locator("fieldset.materials-group").filter(has_text="第五十六条")
    await statement.get_by_role("button", name="勾选本组").click()  # a later group's button ticks that group
    await expect(statement.get_by_role("checkbox", name="软硬件产品安全可靠情况说明")).to_be_checked()

    # An amount of 0 is refused by the service; the problem names the field and the input is marked.
    amount = form.locator('input[name="total_investment_wan"]')
    await amount.fill("0")
    await form.get_by_role("button", name="保存并提交").click()
    problem = form.get_by_role("alert")
    await expect(problem).to_contain_text("字段校验失败")
    await expect(problem).to_contain_text("总投资（万元）")
    await expect(problem).to_contain_text("total_investment_fen")
    await expect(problem).to_contain_text("必须大于 0")
    await expect(amount).to_have_attribute("aria-invalid", "true")

    # 350.00 万元 goes out as exactly 350,000,000 fen; the draft is saved and submitted.
    await amount.fill("350.00")
    await form.get_by_role("button", name="保存并提交").click()
    await expect(page.get_by_test_id("project-status")).to_have_text("已提交")
    await expect(page.get_by_test_id("project-title")).to_contain_text(title)
    match = re.search(r"#/projects/([^/?]+)$", page.url)
    assert match, page.url
    project = match.group(1)
    stored = ok(await api.get("edu", f"/api/intake/applications/{project}"))
    assert stored["total_investment_fen"] == 350_000_000
    assert stored["details"]["performance_goals"].startswith("覆盖全市中小学")
    assert "crypto_plan" in stored["materials"]

    # The library lists it as 已提交 with the amount in 万元.
    await page.get_by_role("navigation").get_by_role("link", name="项目库").click()
    await page.get_by_label("状态").select_option("submitted")
    await page.get_by_role("button", name="查询").click()
    row = page.get_by_test_id("library-table").locator(f'tr[data-id="{project}"]')
    await expect(row).to_contain_text(title)
    await expect(row.get_by_test_id("status")).to_have_text("已提交")
    await expect(row).to_contain_text("350.00")

    # The data bureau opens it by its number and admits it (入库).
    await sign_in(page, gateway, "bureau", "数据局 项目科")
    await page.get_by_role("search").get_by_role("textbox").fill(project)
    await page.get_by_role("search").get_by_role("textbox").press("Enter")
    await expect(page.get_by_test_id("project-status")).to_have_text("已提交")
    actions = page.get_by_test_id("actions")
    await actions.get_by_role("button", name="入库", exact=True).click()
    await expect(page.get_by_test_id("project-status")).to_have_text("已入库")

    # The timeline shows the admission by the bureau, and the submission check with its citation.
    timeline = page.get_by_test_id("timeline")
    admitted = timeline.locator('tr[data-action="application.admitted"]')
    await expect(admitted).to_contain_text("入库")
    await expect(admitted).to_contain_text("数据局 项目科")
    scope_check = timeline.locator('tr.tl-decision[data-action="submit"][data-rule="scope.min_investment"]')
    await expect(scope_check.locator(".cite")).to_have_text("dazhou第二条")
    await expect(scope_check).to_contain_text("符合")
    materials_check = timeline.locator('tr.tl-decision[data-action="submit"][data-rule="intake.required_materials"]')
    await expect(materials_check.locator(".cite")).to_have_text("dazhou第九条")
    await expect(materials_check).to_contain_text("项目申报材料")
    await expect(page.locator('.stages [data-service="intake"] .stage-state')).to_have_text("已入库")
    await screenshot(page, screenshots / "project-detail.png")
