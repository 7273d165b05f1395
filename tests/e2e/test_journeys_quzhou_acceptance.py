"""Journey: acceptance on Quzhou's route (quzhou:三(三)5: 初验 by the unit → trial run → 终验 application at
least three months after 初验 → 终验 by the leading office, which issues the acceptance report) to the catalog.
In the browser, each step from its 待办: the unit records 初验 (offered before the trial run, as Quzhou's
route holds it, where other routes start with the trial run), starts the trial run, applies for 终验; the
leading office (市智慧办) accepts with the items Quzhou requires, the data dictionary among them
(quzhou:三(三)4); the project's page then shows the system in the catalog.
The three months run on the injected clock: acceptance's clock stands 100 days back while 初验 is recorded.
Review, estimate and contract are earlier journeys' (by API here).
Screenshots: var/screenshots/journey-quzhou-*-{1440,390}.png."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from deploy.local.launcher import Platform
from shared.clock import today as china_today  # the services count days in China (UTC+8), not UTC
from tests.e2e import test_workbench
from tests.e2e.journeys import WAN, admitted_project, reached, shoot_both
from tests.e2e.test_workbench import pick_date, sign_in, submit_action
from tests.support.api import Api, ok, passed_acceptance_items
from tests.support.infra import wait_for

pytestmark = pytest.mark.e2e
# the browser context at 1440 px that logs console errors (a fixture of test_workbench)
desktop = test_workbench.desktop
BACK = 100  # days acceptance's clock stands back while 初验 is recorded


async def expert_in_pool(api: Api) -> None:
    pool = ok(await api.get("bureau", "/api/review/experts", params={"limit": 200}))["items"]
    # a sign-in links to one expert only; whoever registers it (here, the experts journey) gives it software
    if not any(expert["user_subject"] == "expert" for expert in pool):
        body = {"name": "评审专家 张工", "employer": "浙江某大学", "fields": ["software"], "user_subject": "expert"}
        ok(await api.post("bureau", "/api/review/experts", body), 201)


async def approved_quzhou_project(api: Api, title: str) -> str:
    """Quzhou's parallel joint review, the approval by the DRC and the estimate, by API."""
    project = await admitted_project(api, "quzhou", title, 300 * WAN)
    base = f"/api/review/projects/{project}"
    await expert_in_pool(api)
    ok(
        await api.post(
            "bureau", "/api/review/expert-draws", {"project_id": project, "fields": ["software"], "count": 1}
        ),
        201,
    )
    for user in ("drc", "finance", "cyberspace", "edu", "bureau", "expert"):
        ok(await api.post(user, f"{base}/joint-review/opinions", {"agrees": True}))
    conclusion = {
        "fixed_estimate_fen": 290 * WAN,
        "consulting_opinion_no": "衢数决〔2026〕9号",
        "leading_group_decided": True,
    }
    case = ok(await api.post("office", f"{base}/joint-review", conclusion))
    for step in case["steps"]:
        ok(await api.post(step["role"], f"{base}/approval", {"approve": True}))
    await reached(api, "finance", f"/api/budget/projects/{project}")
    budget = ok(await api.get("finance", f"/api/budget/projects/{project}"))
    if budget["stage"] != "estimate_approved":
        ok(await api.post("bureau", f"/api/budget/projects/{project}/estimate", {"estimate_fen": 290 * WAN}))
    await reached(api, "edu", f"/api/procurement/projects/{project}")
    return project


# Every screen-reader label on the page that is English words (none should be, in Chinese).
ENGLISH_ARIA = """() => [...document.querySelectorAll('[aria-label]')]
  .map((element) => element.getAttribute('aria-label'))
  .filter((label) => /^[A-Za-z][A-Za-z ]*$/.test(label))"""


async def sign_contract(api: Api, project: str, signed_on: date) -> None:
    """The unit registers the signed contract (procured outside the platform), by API."""
    contract = {
        "supplier": "浙江某信息技术有限公司",
        "amount_fen": 280 * WAN,
        "signed_on": signed_on.isoformat(),
        "planned_completion": (signed_on + timedelta(days=300)).isoformat(),
    }
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    ok(await api.post("edu", f"/api/procurement/projects/{project}/contracts", contract, headers=headers), 201)
    await reached(api, "edu", f"/api/acceptance/projects/{project}")


async def from_todo(page: Page, project: str, action: str) -> None:
    """Open the project at its action from my 待办 (the read model follows the events a moment later)."""
    todo = page.get_by_test_id("todo-list").locator(f'[data-project="{project}"][data-action="{action}"]').first

    async def listed():
        if await todo.count():
            return True
        await page.reload()
        await expect(page.get_by_test_id("todo-list")).to_be_visible()
        return bool(await todo.count())

    await wait_for(listed, timeout=30, message=f"the 待办 lists {action}")
    await todo.get_by_role("link").first.click()
    await expect(page.get_by_test_id("action-form")).to_be_visible()


async def test_a_quzhou_project_is_accepted_on_its_route_and_reaches_the_catalog(
    desktop: Page, platform: Platform, api: Api, screenshots: Path
):
    gateway = platform.urls["gateway"]
    page = desktop
    title = f"衢州城市大脑二期 {uuid.uuid4().hex[:6]}"
    today = china_today()
    project = await approved_quzhou_project(api, title)
    # The contract and 初验 happen 100 days back: procurement's and acceptance's clocks stand back meanwhile
    # (the read model orders a project's events by their time, so both move together).
    clocks = [f"{platform.urls[service]}/_admin/clock" for service in ("procurement", "acceptance")]
    for clock in clocks:
        ok(await api.client.post(clock, json={"advance_days": -BACK}))
    try:
        await sign_contract(api, project, today - timedelta(days=200))
        steps = ok(await api.get("edu", f"/api/acceptance/projects/{project}"))["steps"]
        assert steps == ["preliminary_acceptance", "trial_run", "final_acceptance_application", "final_acceptance"]

        # --- 初验, from the unit's 待办, while the system is still being built (before the trial run).
        await sign_in(page, gateway, "edu", "教育局 项目专员")
        await from_todo(page, project, "preliminary_acceptance")
        await expect(page.get_by_test_id("action-form")).to_have_attribute(
            "data-op", "acceptance POST /api/acceptance/projects/{project_id}/preliminary-acceptance"
        )
        form = page.get_by_test_id("action-form")
        await form.get_by_label("是否通过", exact=True).click()
        await form.get_by_label("备注", exact=True).fill("全部功能模块通过初验")
        await shoot_both(page, screenshots, "quzhou-preliminary")
        await submit_action(page)
        view = ok(await api.get("edu", f"/api/acceptance/projects/{project}"))
        assert view["stage"] == "preliminary_accepted", view
    finally:
        for clock in clocks:
            ok(await api.client.post(clock, json={"advance_days": BACK}))
    assert view["dates"]["preliminary_completed_on"] == (today - timedelta(days=BACK)).isoformat()

    # --- The trial run, from the 待办, started the day 初验 finished.
    await page.goto(f"{gateway}/workbench")
    await from_todo(page, project, "trial_run")
    await pick_date(page, page.get_by_test_id("action-form"), "开始日期", today - timedelta(days=BACK))
    await submit_action(page)

    # --- Three months on, the unit applies for 终验 from its 待办.
    await page.goto(f"{gateway}/workbench")
    await from_todo(page, project, "final_acceptance_application")
    await page.get_by_test_id("action-form").get_by_label("备注", exact=True).fill("初验满三个月，申请终验")
    await submit_action(page)
    assert ok(await api.get("edu", f"/api/acceptance/projects/{project}"))["stage"] == "final_applied"

    # --- The leading office accepts from its 待办, the data dictionary handed over, and issues the report.
    await sign_in(page, gateway, "office", "领导小组办公室")
    await from_todo(page, project, "final_acceptance")
    form = page.get_by_test_id("action-form")
    await form.get_by_label("是否通过", exact=True).click()
    await form.get_by_label("系统名称", exact=True).fill(title)
    # The items come as rows, one per item Quzhou requires (the data dictionary among them), each named in
    # Chinese and ticked here: no JSON to type.
    kinds = [*passed_acceptance_items("quzhou"), {"kind": "data_dictionary", "passed": True}]
    rows = form.get_by_test_id("row-items")
    await expect(rows).to_have_count(len({item["kind"] for item in kinds}))
    await expect(rows.filter(has_text="向市大数据局提交数据字典")).to_have_count(1)
    for index in range(await rows.count()):
        await rows.nth(index).get_by_label("该项已通过", exact=True).click()
    await form.get_by_label("报告编号", exact=True).fill("衢验〔2026〕12号")
    await shoot_both(page, screenshots, "quzhou-final")
    # No English reaches a screen reader either (the number inputs' step buttons, the icons' names).
    assert await page.evaluate(ENGLISH_ARIA) == []
    await submit_action(page)
    assert ok(await api.get("edu", f"/api/acceptance/projects/{project}"))["stage"] == "accepted"

    # --- The system is in the catalog: the unit's page of the project says so.
    await reached(api, "bureau", f"/api/catalog/projects/{project}", until=lambda body: bool(body["systems"]))
    await sign_in(page, gateway, "edu", "教育局 项目专员")
    await page.goto(f"{gateway}/projects/{project}")
    await expect(page.get_by_test_id("current-stage")).to_contain_text("系统目录")
    # A project in the catalog is offered no tender and no bid: shown disabled, saying why in Chinese.
    actions = page.get_by_test_id("actions")
    tender = actions.locator('button[data-op="procurement POST /api/procurement/projects/{project_id}/tenders"]')
    await expect(tender).to_be_disabled()
    await expect(tender).to_have_attribute("aria-description", re.compile("合同已登记.*须在.*招标中"))
    bid = actions.locator('button[data-op="procurement POST /api/procurement/tenders/{tender_id}/bids"]')
    await expect(bid).to_be_disabled()
    await expect(bid).to_have_attribute("aria-description", re.compile("没有正在进行的招标"))
    await page.get_by_role("tab", name="系统目录").click()
    await expect(page.get_by_test_id("catalog-system")).to_contain_text(title)
    await shoot_both(page, screenshots, "quzhou-catalog")
