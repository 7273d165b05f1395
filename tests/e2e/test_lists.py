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
from urllib.parse import unquote

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


def listed(page: Page, endpoint: str, present: list[str], absent: list[str]):
    """Wait for the list's answer to the query the click asks for: the router renders a new address in a
    transition, so only once the list was fetched for it are the form's fields its own again."""

    def asked(response) -> bool:
        url = unquote(response.url)
        return endpoint in url and all(p in url for p in present) and not any(a in url for a in absent)

    return page.expect_response(asked)


def rows_of(page: Page, test_id: str):
    return page.get_by_test_id(f"{test_id}-table").locator("tr[data-id]")


async def ids_shown(page: Page, test_id: str) -> list[str | None]:
    return [await row.get_attribute("data-id") for row in await rows_of(page, test_id).all()]


async def test_the_system_catalog_searches_filters_sorts_and_exports(
    desktop: Page, phone: Page, platform: Platform, api: Api, seeded: dict[str, str], screenshots: Path, tmp_path: Path
):
    gateway = platform.urls["gateway"]
    await sign_in(desktop, gateway, "bureau", "数据局 项目科")
    async with listed(desktop, "/api/catalog/systems?", [], []):
        await desktop.get_by_role("navigation").get_by_role("menuitem", name="系统目录").click()
    filters = desktop.get_by_test_id("systems-filters")
    search = filters.get_by_role("button", name="查 询")

    # part of the name, one step; the total covers the whole query
    await filters.get_by_label("系统名称").fill(MARK)
    async with listed(desktop, "/api/catalog/systems?", [f"q={MARK}"], []):
        await search.click()
    await expect(desktop).to_have_url(re.compile(f"q={MARK}"))  # the catalog may hold just these four
    await expect(rows_of(desktop, "systems")).to_have_count(4)
    await expect(desktop.get_by_test_id("systems-totals")).to_have_text("共 4 个系统")

    # part of the unit's name, then the state
    await filters.get_by_label("建设单位").fill("教育")
    async with listed(desktop, "/api/catalog/systems?", ["unit_name=教育"], []):
        await search.click()
    await expect(rows_of(desktop, "systems")).to_have_count(2)
    await pick(desktop, filters, "系统状态", "已暂停")
    async with listed(desktop, "/api/catalog/systems?", ["state=suspended"], []):
        await search.click()
    await expect(rows_of(desktop, "systems")).to_have_count(1)
    await expect(rows_of(desktop, "systems").first).to_have_attribute("data-id", seeded[SUSPENDED])
    await expect(rows_of(desktop, "systems").first.get_by_test_id("state")).to_have_text("已暂停")
    assert "unit_name=" in desktop.url and "state=suspended" in desktop.url  # a shareable query

    # start again: the zombies among them, then the year it entered the catalog
    async with listed(desktop, "/api/catalog/systems?", [], ["q="]):
        await filters.get_by_role("button", name="重 置").click()
    await expect(filters.get_by_label("系统名称")).to_have_value("")
    await filters.get_by_label("系统名称").fill(MARK)
    await choose(desktop, "僵尸系统", "是", filters)
    async with listed(desktop, "/api/catalog/systems?", ["zombie=true"], []):
        await search.click()
    await expect(rows_of(desktop, "systems")).to_have_count(1)
    await expect(rows_of(desktop, "systems").first).to_have_attribute("data-id", seeded[ZOMBIE])
    async with listed(desktop, "/api/catalog/systems?", [], ["q="]):
        await filters.get_by_role("button", name="重 置").click()
    await expect(filters.get_by_label("系统名称")).to_have_value("")
    await filters.get_by_label("系统名称").fill(MARK)
    year = filters.get_by_label("入目录年度")
    await year.fill(str(clock.today().year - 1))
    async with listed(desktop, "/api/catalog/systems?", [f"year={clock.today().year - 1}"], []):
        await search.click()
    await expect(desktop.get_by_test_id("systems-totals")).to_have_text("共 0 个系统")
    await year.fill(str(clock.today().year))
    async with listed(desktop, "/api/catalog/systems?", [f"year={clock.today().year}"], []):
        await search.click()
    await expect(desktop.get_by_test_id("systems-totals")).to_have_text("共 4 个系统")

    # sorted by name: the page shows the API's order for the same query
    await pick(desktop, filters, "排序", "按系统名称")
    async with listed(desktop, "/api/catalog/systems?", ["sort=name"], []):
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


FINDING_UNITS = (f"达州市测试一局{MARK}", f"达州市测试二局{MARK}")
#: (unit, area, text, days to rectify)
FINDINGS = [
    (FINDING_UNITS[0], "funds", f"资金拨付超进度{MARK}", 40),
    (FINDING_UNITS[0], "tendering", f"招标文件设置不合理条件{MARK}", 10),
    (FINDING_UNITS[1], "funds", f"资金未专款专用{MARK}", 25),
]


@pytest.fixture(scope="module")
async def findings(platform: Platform, api: Api) -> list[str]:
    """The findings' ids, recorded by the bureau against two units of their own (their ladders touch no one else)."""
    ids = []
    for n, (unit, area, text, days) in enumerate(FINDINGS):
        body = {
            "unit": unit,
            "jurisdiction": "dazhou",
            "area": area,
            "description": text,
            "rectify_by": (clock.today() + timedelta(days=days)).isoformat(),
        }
        recorded = ok(
            await api.post("bureau", "/api/catalog/findings", body, headers={"Idempotency-Key": f"e2e-f-{MARK}-{n}"}),
            201,
        )
        ids.append(recorded["id"])
    return ids


async def test_the_findings_list_searches_filters_sorts_and_exports(
    desktop: Page, platform: Platform, findings: list[str], screenshots: Path, tmp_path: Path
):
    gateway = platform.urls["gateway"]
    await sign_in(desktop, gateway, "bureau", "数据局 项目科")
    async with listed(desktop, "/api/catalog/findings?", [], []):
        await desktop.get_by_role("navigation").get_by_role("menuitem", name="监督检查问题").click()
    filters = desktop.get_by_test_id("findings-filters")
    search = filters.get_by_role("button", name="查 询")
    rows = rows_of(desktop, "findings")

    await filters.get_by_label("责任单位").fill(MARK)
    async with listed(desktop, "/api/catalog/findings?", [f"unit_name={MARK}"], []):
        await search.click()
    await expect(desktop).to_have_url(re.compile("unit_name="))
    await expect(rows).to_have_count(3)
    await expect(desktop.get_by_test_id("findings-totals")).to_have_text("共 3 个问题")

    # part of the text, then the area
    await filters.get_by_label("问题描述").fill("资金")
    async with listed(desktop, "/api/catalog/findings?", ["q=资金"], []):
        await search.click()
    await expect(rows).to_have_count(2)
    await pick(desktop, filters, "检查事项", "资金使用")
    await filters.get_by_label("问题描述").fill("")
    async with listed(desktop, "/api/catalog/findings?", ["area=funds"], ["q="]):
        await search.click()
    await expect(rows).to_have_count(2)
    assert "area=funds" in desktop.url

    # every one of them, nearest rectification deadline first
    async with listed(desktop, "/api/catalog/findings?", [], ["unit_name="]):
        await filters.get_by_role("button", name="重 置").click()
    await expect(filters.get_by_label("责任单位")).to_have_value("")
    await filters.get_by_label("责任单位").fill(MARK)
    await pick(desktop, filters, "排序", "整改期限最近在前")
    async with listed(desktop, "/api/catalog/findings?", ["sort=rectify_by"], []):
        await search.click()
    expected = [findings[1], findings[2], findings[0]]  # 10, 25, 40 days
    await expect(rows.first).to_have_attribute("data-id", expected[0])
    assert await ids_shown(desktop, "findings") == expected
    await expect(rows.first.get_by_test_id("status")).to_have_text("待整改")

    async with desktop.expect_download() as download_info:
        await desktop.get_by_test_id("findings-export").click()
    saved = tmp_path / "findings.xlsx"
    await (await download_info.value).save_as(saved)
    sheet = list(load_workbook(saved)["监督检查问题"].iter_rows(values_only=True))
    assert sheet[0][:3] == ("问题编号", "项目编号", "责任单位")
    assert [r[0] for r in sheet[1:]] == expected
    assert sheet[1][5] == FINDINGS[1][2] and sheet[1][8] == "待整改"
    await shoot(desktop, screenshots, "findings")


async def test_the_lists_fit_a_phone_and_read_in_english(
    desktop: Page, phone: Page, platform: Platform, screenshots: Path
):
    gateway = platform.urls["gateway"]
    pages = (
        ("/systems", "systems", "系统目录", "System catalog"),
        ("/findings", "findings", "监督检查问题", "Supervision findings"),
        ("/data-operations", "operations", "数据运营任务", "Data-operation tasks"),
    )
    await sign_in(phone, gateway, "bureau", "数据局 项目科")
    for path, test_id, heading, _ in pages:
        await phone.goto(f"{gateway}{path}")
        await expect(phone.locator("main h3")).to_have_text(heading)
        await expect(phone.get_by_test_id(f"{test_id}-totals")).to_contain_text("共")
        await no_sideways_scroll(phone)
        await shoot(phone, screenshots, path.strip("/"))
    await sign_in(desktop, gateway, "bureau", "数据局 项目科")
    await desktop.get_by_role("button", name="切换为英文界面").click()
    for path, _, heading, english in pages:
        await desktop.goto(f"{gateway}{path}")
        await expect(desktop.locator("main h3")).to_have_text(english)
        await expect(desktop.locator("main")).not_to_contain_text(heading)
        await expect(desktop.get_by_role("button", name="Export to Excel")).to_be_visible()
