"""Journey: the procurement centre tenders and the unit signs (Fengxian: above the central-procurement limit the
district procurement centre procures, fengxian:第二十一条). In the browser, each from its 待办: the unit files
the procurement plan; the procurement centre registers the bidders (业务办理), publishes the tender, records
the bids and awards it from the project's page, suppliers and tenders picked from lists, not typed as
numbers; the unit registers the contract against the award. The approval, estimate and control price are
earlier journeys' (by API here). Screenshots: var/screenshots/journey-procurement-*-{1440,390}.png."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from deploy.local.launcher import Platform
from shared.clock import today as china_today  # the services count days in China (UTC+8), not UTC
from tests.e2e import test_workbench
from tests.e2e.journeys import WAN, admitted_project, reached, shoot_both
from tests.e2e.test_workbench import act, choose, pick_date, sign_in, submit_action
from tests.support.api import Api, ok

pytestmark = pytest.mark.e2e
# the browser contexts at 1440 and 390 px that log console errors (fixtures of test_workbench)
desktop = test_workbench.desktop


def credit_code() -> str:
    return "91310120" + "".join(random.choice("0123456789") for _ in range(10))


async def estimate_and_control_price(api: Api, project: str, estimate_fen: int) -> None:
    """Fengxian's review (pre-screening, scheme review, the district data bureau's approval), the estimate and
    the control price reviewed by finance, by API."""
    base = f"/api/review/projects/{project}"
    ok(
        await api.post(
            "bureau",
            f"{base}/prescreen",
            {"panel": ["data_bureau", "cyberspace", "finance", "police", "city_operations"]},
        )
    )
    ok(await api.post("bureau", f"{base}/scheme-review", {"passed": True}))
    ok(await api.post("bureau", f"{base}/approval", {"approve": True}))
    await reached(api, "finance", f"/api/budget/projects/{project}")
    ok(await api.post("bureau", f"/api/budget/projects/{project}/estimate", {"estimate_fen": estimate_fen}))
    ok(await api.post("edu", f"/api/budget/projects/{project}/control-price", {"control_price_fen": estimate_fen}))
    ok(await api.post("finance", f"/api/budget/projects/{project}/control-price/approval", {}))
    await reached(
        api,
        "edu",
        f"/api/procurement/projects/{project}",
        until=lambda view: view.get("control_price_fen") == estimate_fen,
    )


async def open_todo(page: Page, project: str, action: str) -> None:
    todo = page.get_by_test_id("todo-list").locator(f'[data-project="{project}"][data-action="{action}"]').first
    await expect(todo).to_be_visible(timeout=30_000)
    await todo.get_by_role("link").first.click()
    await expect(page.get_by_test_id("action-form")).to_be_visible()


async def test_the_procurement_centre_tenders_and_the_unit_signs_from_their_todos(
    desktop: Page, platform: Platform, api: Api, screenshots: Path
):
    gateway = platform.urls["gateway"]
    page = desktop
    title = f"奉贤一网统管平台 {uuid.uuid4().hex[:6]}"
    project = await admitted_project(api, "fengxian", title, 300 * WAN)
    await estimate_and_control_price(api, project, 280 * WAN)
    today = china_today()

    # --- The unit files the procurement plan from its 待办 (above the limit: the centre organises).
    await sign_in(page, gateway, "edu", "教育局 项目专员")
    await open_todo(page, project, "plan")
    await shoot_both(page, screenshots, "procurement-plan")
    await submit_action(page)
    plan = ok(await api.get("edu", f"/api/procurement/projects/{project}"))["plan"]
    assert plan and plan["organiser"] == "procurement_center", plan

    # --- Finance decides the method, then the bureau reviews the tender documents (fengxian:第五条).
    review = f"/api/procurement/projects/{project}/plan/review"
    ok(await api.post("finance", review, {"approve": True, "method": "open_tender"}))
    ok(await api.post("bureau", review, {"approve": True, "comment": "招标文件审核通过"}))

    # --- The procurement centre registers two bidders from 业务办理.
    await sign_in(page, gateway, "procurement", "采购中心")
    bidders = (f"上海甲数字科技有限公司 {uuid.uuid4().hex[:4]}", f"上海乙信息技术有限公司 {uuid.uuid4().hex[:4]}")
    for name in bidders:
        await page.goto(f"{gateway}/actions")
        await page.get_by_test_id("desk-procurement").get_by_text("登记供应商", exact=True).click()
        form = page.get_by_test_id("action-form")
        await form.get_by_label("名称", exact=True).fill(name)
        await form.get_by_label("统一社会信用代码", exact=True).fill(credit_code())
        await submit_action(page)

    # --- It publishes the tender from its 待办; a ceiling above the control price is refused with the article.
    await page.goto(f"{gateway}/workbench")
    await open_todo(page, project, "tender")
    form = page.get_by_test_id("action-form")
    await form.get_by_label("项目名称", exact=True).fill("奉贤一网统管平台公开招标")
    await form.get_by_label("最高限价（万元）", exact=True).fill("290")
    await pick_date(page, form, "发布日期", today - timedelta(days=40))
    await pick_date(page, form, "投标截止日期", today - timedelta(days=20))
    await form.get_by_role("button", name="提交办理").click()
    problem = page.get_by_test_id("problem")
    await expect(problem).to_contain_text("招标最高限价不得超过概算")
    await expect(problem).to_contain_text("应不超过批复概算")
    await expect(problem.get_by_role("link", name="奉贤区本地设置（非条文规定）")).to_be_visible()
    await expect(problem).not_to_contain_text("_fen")
    await expect(problem).not_to_contain_text("ceiling")
    await shoot_both(page, screenshots, "procurement-tender-refused")
    await form.get_by_label("最高限价（万元）", exact=True).fill("280")
    await submit_action(page)

    # --- Bids and the award on the project's page: tender and suppliers picked by name.
    for name, amount in zip(bidders, ("250", "270"), strict=True):
        await act(page, "登记投标")
        form = page.get_by_test_id("action-form")
        await choose(page, "招标编号", "奉贤一网统管平台公开招标", form)
        await choose(page, "供应商编号", name, form)
        await form.get_by_label("金额（万元）", exact=True).fill(amount)
        await pick_date(page, form, "提交日期", today - timedelta(days=25))
        await submit_action(page)
    await act(page, "定 标")  # Ant Design spaces a two-character button
    form = page.get_by_test_id("action-form")
    await choose(page, "招标编号", "奉贤一网统管平台公开招标", form)
    await choose(page, "供应商编号", bidders[0], form)
    await pick_date(page, form, "定标日期", today - timedelta(days=15))
    await submit_action(page)
    tender = ok(await api.get("edu", f"/api/procurement/projects/{project}"))["tenders"][0]
    assert tender["award"]["supplier"] == bidders[0] and tender["award"]["amount_fen"] == 250 * WAN
    await page.get_by_role("tab", name="采购与合同").click()
    await shoot_both(page, screenshots, "procurement-awarded")

    # --- The unit signs: from its 待办, the award picked from the project's tenders.
    await sign_in(page, gateway, "edu", "教育局 项目专员")
    await open_todo(page, project, "contract")
    form = page.get_by_test_id("action-form")
    await choose(page, "中标编号", bidders[0], form)
    await form.get_by_label("金额（万元）", exact=True).fill("250")
    signed = today - timedelta(days=10)
    await pick_date(page, form, "签订日期", signed)
    await pick_date(page, form, "计划完成日期", signed + timedelta(days=300))
    await submit_action(page)
    view = ok(await api.get("edu", f"/api/procurement/projects/{project}"))
    assert view["contracts"][0]["procured_via"] == "platform_tender" and view["contracts"][0]["amount_fen"] == 250 * WAN
    await expect(page.get_by_test_id("money")).to_contain_text("250.00")
    await reached(api, "edu", f"/api/acceptance/projects/{project}")
    await page.reload()
    await expect(page.get_by_test_id("current-stage")).to_contain_text("待试运行")
    await shoot_both(page, screenshots, "procurement-contracted")
