"""The catalog's lists in headless Chromium against the real platform (issue 18 §1): 系统目录 searched by part
of a system's and a unit's name, filtered by state, year and zombie listing, sorted, and exported (the .xlsx
opened with openpyxl and checked against the API's answer to the same query). Systems are imported as a
census would (存量系统导入); one is suspended by the bureau and one listed a zombie by three months of zero
use. Screenshots at 1440 and 390 px: var/screenshots/lists-*.png."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.async_api import Browser, Page, expect

from deploy.local.launcher import Platform
from shared import clock
from tests.e2e.test_cockpit import pick
from tests.e2e.test_workbench import DESKTOP, PHONE, choose, no_sideways_scroll, open_browsing, sign_in
from tests.support.api import Api, ok

pytestmark = pytest.mark.e2e

MARK = uuid.uuid4().hex[:6]
ZOMBIE_UNIT = f"衢州市测试局{MARK}"  # its own unit: the zombie's sanction bars no one else
#: name → (unit, jurisdiction)
SYSTEMS = {
    f"学籍管理系统{MARK}": ("达州市教育局", "dazhou"),
    f"教育资源平台{MARK}": ("达州市教育局", "dazhou"),
    f"医保结算系统{MARK}": ("达州市医疗保障局", "dazhou"),
    f"预约挂号小程序{MARK}": (ZOMBIE_UNIT, "quzhou"),
}
SUSPENDED = f"教育资源平台{MARK}"
ZOMBIE = f"预约挂号小程序{MARK}"


def ended_months(count: int) -> list[str]:
    first = clock.today().replace(day=1)
    months = []
    for _ in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first.strftime("%Y-%m"))
    return months


@pytest.fixture(scope="module")
async def seeded(platform: Platform, api: Api) -> dict[str, str]:
    """name → system id, imported, one suspended and one a zombie."""
    went_live = (clock.today() - timedelta(days=800)).isoformat()
    rows = [
        {
            "external_ref": f"E2E-{MARK}-{n}",
            "unit": unit,
            "jurisdiction": jurisdiction,
            "name": name,
            "went_live_on": went_live,
        }
        for n, (name, (unit, jurisdiction)) in enumerate(SYSTEMS.items())
    ]
    report = ok(
        await api.post("bureau", "/api/catalog/systems/import", rows, headers={"Idempotency-Key": f"e2e-lists-{MARK}"}),
        201,
    )
    assert report["imported"] == len(SYSTEMS), report
    listed = ok(await api.get("bureau", "/api/catalog/systems", params={"q": MARK, "limit": 50}))
    ids = {s["name"]: s["id"] for s in listed["items"]}
    assert set(ids) == set(SYSTEMS)
    ok(
        await api.post(
            "bureau",
            f"/api/catalog/systems/{ids[SUSPENDED]}/state",
            {"state": "suspended", "reason": "安全整改期间暂停"},
        )
    )
    figures = [
        {"system_id": ids[ZOMBIE], "month": month, "usage_count": 0, "availability_bp": 10000}
        for month in ended_months(3)
    ]
    ok(await api.post("platform", "/api/catalog/monitoring", {"figures": figures}))
    assert ok(await api.get("bureau", f"/api/catalog/systems/{ids[ZOMBIE]}"))["zombie_since"] is not None
    return ids


@pytest.fixture
async def desktop(browser: Browser) -> AsyncIterator[Page]:
    browsing = await open_browsing(browser, DESKTOP)
    try:
        yield browsing.page
    finally:
        await browsing.context.close()
    assert not browsing.errors, browsing.errors


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[Page]:
    browsing = await open_browsing(browser, PHONE)
    try:
        yield browsing.page
    finally:
        await browsing.context.close()
    assert not browsing.errors, browsing.errors


async def shoot(page: Page, screenshots: Path, name: str) -> None:
    await page.mouse.move(0, 0)
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(screenshots / f"lists-{name}-{page.viewport_size['width']}.png"), full_page=True)


def rows_of(page: Page, test_id: str):
    return page.get_by_test_id(f"{test_id}-table").locator("tr[data-id]")


async def ids_shown(page: Page, test_id: str) -> list[str | None]:
    return [await row.get_attribute("data-id") for row in await rows_of(page, test_id).all()]


async def test_the_system_catalog_searches_filters_sorts_and_exports(
    desktop: Page, phone: Page, platform: Platform, api: Api, seeded: dict[str, str], screenshots: Path, tmp_path: Path
):
    gateway = platform.urls["gateway"]
    await sign_in(desktop, gateway, "bureau", "数据局 项目科")
    await desktop.get_by_role("navigation").get_by_role("menuitem", name="系统目录").click()
    filters = desktop.get_by_test_id("systems-filters")
    search = filters.get_by_role("button", name="查 询")

    # part of the name, one step; the total covers the whole query
    await filters.get_by_label("系统名称").fill(MARK)
    await search.click()
    await expect(desktop).to_have_url(re.compile(f"q={MARK}"))  # the catalog may hold just these four
    await expect(rows_of(desktop, "systems")).to_have_count(4)
    await expect(desktop.get_by_test_id("systems-totals")).to_have_text("共 4 个系统")

    # part of the unit's name, then the state
    await filters.get_by_label("建设单位").fill("教育")
    await search.click()
    await expect(rows_of(desktop, "systems")).to_have_count(2)
    await pick(desktop, filters, "系统状态", "已暂停")
    await search.click()
    await expect(rows_of(desktop, "systems")).to_have_count(1)
    await expect(rows_of(desktop, "systems").first).to_have_attribute("data-id", seeded[SUSPENDED])
    await expect(rows_of(desktop, "systems").first.get_by_test_id("state")).to_have_text("已暂停")
    assert "unit_name=" in desktop.url and "state=suspended" in desktop.url  # a shareable query

    # start again: the zombies among them, then the year it entered the catalog
    await filters.get_by_role("button", name="重 置").click()
    await expect(filters.get_by_label("系统名称")).to_have_value("")
    await filters.get_by_label("系统名称").fill(MARK)
    await choose(desktop, "僵尸系统", "是", filters)
    await search.click()
    await expect(rows_of(desktop, "systems")).to_have_count(1)
    await expect(rows_of(desktop, "systems").first).to_have_attribute("data-id", seeded[ZOMBIE])
    await filters.get_by_role("button", name="重 置").click()
    await expect(filters.get_by_label("系统名称")).to_have_value("")
    await filters.get_by_label("系统名称").fill(MARK)
    year = filters.get_by_label("入目录年度")
    await year.fill(str(clock.today().year - 1))
    await search.click()
    await expect(desktop.get_by_test_id("systems-totals")).to_have_text("共 0 个系统")
    await year.fill(str(clock.today().year))
    await search.click()
    await expect(desktop.get_by_test_id("systems-totals")).to_have_text("共 4 个系统")

    # sorted by name: the page shows the API's order for the same query
    await pick(desktop, filters, "排序", "按系统名称")
    await search.click()
    query = {"q": MARK, "year": clock.today().year, "sort": "name", "order": "asc"}
    expected = [s["id"] for s in ok(await api.get("bureau", "/api/catalog/systems", params=query))["items"]]
    assert expected != sorted(expected)  # the name order is not the id order, so the sort is seen
    await expect(rows_of(desktop, "systems")).to_have_count(4)
    assert await ids_shown(desktop, "systems") == expected

    # 导出 Excel: the same query, opened with openpyxl
    async with desktop.expect_download() as download_info:
        await desktop.get_by_test_id("systems-export").click()
    saved = tmp_path / "systems.xlsx"
    await (await download_info.value).save_as(saved)
    book = load_workbook(saved)
    rows = list(book["系统目录"].iter_rows(values_only=True))
    assert rows[0][:5] == ("系统编号", "系统名称", "建设单位", "辖区", "状态")
    assert [r[0] for r in rows[1:]] == expected
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id[seeded[SUSPENDED]][4] == "已暂停" and by_id[seeded[ZOMBIE]][8] == "是"
    assert next(book["说明"].iter_rows(values_only=True)) == ("符合条件的条数", 4)
    await shoot(desktop, screenshots, "systems")

    # the same shared link on a phone
    await sign_in(phone, gateway, "bureau", "数据局 项目科")
    await phone.goto(desktop.url)
    await expect(rows_of(phone, "systems")).to_have_count(4)
    await no_sideways_scroll(phone)
    await shoot(phone, screenshots, "systems")
