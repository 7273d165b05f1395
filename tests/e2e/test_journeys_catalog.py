"""Journey: the system in the catalog — its monthly monitoring and its retirement (下线), in the browser.
A Dazhou project is accepted (earlier journeys; by API here) and its system enters the catalog; the monitoring
platform pushes three months of figures (machine to machine). The unit opens the project from 我的项目: the
catalog tab shows the system and its monthly figures (uses, availability); the unit retires the system
(系统停用退出), picking the system by name and the reason from a list; the page then says 已下线.
Screenshots: var/screenshots/journey-catalog-*-{1440,390}.png."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from deploy.local.launcher import Platform
from shared.clock import today as china_today  # the services count days in China (UTC+8), not UTC
from tests.e2e import test_workbench
from tests.e2e.journeys import WAN, admitted_project, reached, shoot_both
from tests.e2e.test_workbench import act, choose, sign_in, submit_action
from tests.support.api import Api, ok, passed_acceptance_items
from tests.support.infra import wait_for

pytestmark = pytest.mark.e2e
# the browser context at 1440 px that logs console errors (a fixture of test_workbench)
desktop = test_workbench.desktop
BACK = 130  # days acceptance's clock stands back while the project is accepted: three whole months have run since
LEADERS = {
    "vice_mayor_unit": "vm_unit",
    "vice_mayor_digital": "vm_digital",
    "vice_mayor_finance": "vm_finance",
    "mayor": "mayor",
    "executive_meeting": "exec",
    "standing_committee": "standing",
    "finance_committee": "fincom",
}


async def system_in_catalog(api: Api, platform: Platform, title: str) -> tuple[str, str]:
    """A Dazhou project from admission to acceptance by API; returns the project and its catalog system."""
    project = await admitted_project(api, "dazhou", title, 150 * WAN)
    case = ok(await api.post("bureau", f"/api/review/projects/{project}/scheme-review", {"passed": True}))
    for step in case["steps"]:
        ok(await api.post(LEADERS[step["role"]], f"/api/review/projects/{project}/approval", {"approve": True}))
    await reached(api, "finance", f"/api/budget/projects/{project}")
    ok(await api.post("bureau", f"/api/budget/projects/{project}/estimate", {"estimate_fen": 140 * WAN}))
    await reached(api, "edu", f"/api/procurement/projects/{project}")
    signed_on = china_today() - timedelta(days=300)
    contract = {
        "supplier": "四川某信息技术有限公司",
        "amount_fen": 140 * WAN,
        "signed_on": signed_on.isoformat(),
        "planned_completion": (signed_on + timedelta(days=300)).isoformat(),
    }
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    ok(await api.post("edu", f"/api/procurement/projects/{project}/contracts", contract, headers=headers), 201)
    await reached(api, "edu", f"/api/acceptance/projects/{project}")
    clock = f"{platform.urls['acceptance']}/_admin/clock"
    ok(await api.client.post(clock, json={"advance_days": -BACK}))
    try:  # accepted BACK days ago, the system went live then (the catalog takes figures from that month on)
        started = (china_today() - timedelta(days=250)).isoformat()
        ok(await api.post("edu", f"/api/acceptance/projects/{project}/trial-run", {"started_on": started}))
        ok(await api.post("bureau", f"/api/acceptance/projects/{project}/pre-acceptance"))
        result = {"passed": True, "system_name": title, "items": passed_acceptance_items()}
        ok(await api.post("edu", f"/api/acceptance/projects/{project}/acceptance", result))
    finally:
        ok(await api.client.post(clock, json={"advance_days": BACK}))
    catalog = await reached(api, "bureau", f"/api/catalog/projects/{project}", until=lambda body: bool(body["systems"]))
    return project, catalog["systems"][0]["id"]


def ended_months(today: date, count: int) -> list[str]:
    month = today.replace(day=1)
    months = []
    for _ in range(count):
        month = (month - timedelta(days=1)).replace(day=1)
        months.append(month.strftime("%Y-%m"))
    return months


async def test_the_unit_sees_its_systems_monthly_monitoring_files_the_report_and_retires_it(
    desktop: Page, platform: Platform, api: Api, screenshots: Path
):
    gateway = platform.urls["gateway"]
    title = f"达州智慧校园一卡通 {uuid.uuid4().hex[:6]}"
    page = desktop
    project, system = await system_in_catalog(api, platform, title)
    months = ended_months(china_today(), 3)
    figures = [
        {"system_id": system, "month": month, "usage_count": 12_000 + index * 500, "availability_bp": 9950}
        for index, month in enumerate(months)
    ]
    pushed = ok(await api.post("platform", "/api/catalog/monitoring", {"figures": figures}))
    assert pushed["stored"] == 3, pushed

    # --- The unit opens the project from 我的项目 and reads the system's monthly figures.
    await sign_in(page, gateway, "edu", "教育局 项目专员")
    await page.get_by_role("tab", name="我的项目").click()
    row = page.get_by_test_id("projects-list").get_by_role("link", name=title)

    async def listed():
        if await row.count():
            return True
        await page.reload()
        await page.get_by_role("tab", name="我的项目").click()
        await expect(page.get_by_test_id("projects-list")).to_be_visible()
        return bool(await row.count())

    await wait_for(listed, timeout=30, message="我的项目 lists the project")
    await row.click()
    await expect(page.get_by_test_id("current-stage")).to_contain_text("系统目录")
    await page.get_by_role("tab", name="系统目录").click()
    card = page.get_by_test_id("catalog-system")
    await expect(card).to_contain_text(title)
    await expect(card.get_by_test_id("system-state")).to_have_text("运行中")
    table = card.get_by_test_id("monitoring-figures")
    await expect(table.locator("tbody tr")).to_have_count(3)
    await expect(table).to_contain_text(months[0])
    await expect(table).to_contain_text("99.50%")
    await expect(table).to_contain_text("12,000")
    await shoot_both(page, screenshots, "catalog-monitoring")

    # --- Retirement: the system picked by name, the reason from the list; the page then says 已下线.
    await act(page, "系统停用退出")
    form = page.get_by_test_id("action-form")
    await choose(page, "系统编号", title, form)
    await choose(page, "原因", "永久停用", form)
    await form.get_by_label("已报财政局备案", exact=True).click()
    await form.get_by_label("已报数据局备案", exact=True).click()
    await shoot_both(page, screenshots, "catalog-retirement")
    await submit_action(page)
    retired = ok(await api.get("bureau", f"/api/catalog/projects/{project}"))["systems"][0]
    assert retired["state"] == "retired" and retired["retirement_reason"] == "permanent_stop", retired
    await page.get_by_role("tab", name="系统目录").click()
    await expect(page.get_by_test_id("catalog-system").get_by_test_id("system-state")).to_have_text("已下线")
    await shoot_both(page, screenshots, "catalog-retired")
