"""The 项目库 list, the 驾驶舱 and the 消息提醒 badge in headless Chromium against the real platform (issue 18).

Projects are seeded as their owning services would announce them (intake, review and procurement events on
Kafka), so the portfolio read model learns of them exactly as in production. The bureau finds them by part
of the name, narrows by stage and amount, sorts, and exports the filtered list (the .xlsx opened with
openpyxl); every cockpit chart's numbers, read back from the ECharts instances in the page, equal the
cockpit API's; the unit's badge counts up when a construction deadline is moved past due on the injected
clock. Screenshots at 1440 and 390 px: var/screenshots/cockpit-*.png."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from openpyxl import load_workbook
from playwright.async_api import Browser, Page, expect

from deploy.local.launcher import Platform
from shared import clock
from shared.contracts.base import EventPayload
from shared.contracts.intake import ApplicationAdmitted, ApplicationSubmitted, ProjectSummary
from shared.contracts.procurement import ContractSigned
from shared.contracts.review import ProjectApproved
from shared.settings import topic_for
from tests.e2e.test_workbench import DESKTOP, PHONE, no_sideways_scroll, open_browsing, sign_in
from tests.support.api import Api, ok
from tests.support.infra import wait_for

pytestmark = pytest.mark.e2e

WAN = 1_000_000  # fen in 1 万元
UNIT = "达州市教育局"
MARK = uuid.uuid4().hex[:6]
#: (title, 万元, contracted?) — one contracted, with its construction deadline 3 days ahead
SEEDS = [
    (f"智慧校园{MARK}一期", 120, False),
    (f"智慧校园{MARK}二期", 480, True),
    (f"教育云{MARK}平台", 260, False),
]


async def publish(bootstrap: str, service: str, payload: EventPayload) -> None:
    """An event as its owning service's outbox relay publishes it (CloudEvents JSON, key = project)."""
    event = payload.envelope()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topic_for("govproj", service),
            event.to_json().encode(),
            key=event.subject.encode(),
            headers=[("content-type", b"application/cloudevents+json"), ("ce_type", event.type.encode())],
        )
    finally:
        await producer.stop()


@pytest.fixture(scope="module")
async def seeded(platform: Platform, kafka_bootstrap: str, api: Api) -> dict[str, str]:
    """title → project id, once listed by the read model."""
    today = clock.today()
    ids: dict[str, str] = {}
    for title, wan, contract in SEEDS:
        project = f"P-E2E-CP-{uuid.uuid4().hex[:10]}"
        ids[title] = project
        summary = ProjectSummary(
            unit=UNIT, jurisdiction="dazhou", title=title, total_investment_fen=wan * WAN, plan_year=today.year + 1
        )
        await publish(kafka_bootstrap, "intake", ApplicationSubmitted(project_id=project, project=summary))
        await publish(
            kafka_bootstrap, "intake", ApplicationAdmitted(project_id=project, project=summary, admitted_by="bureau")
        )
        if contract:
            await publish(
                kafka_bootstrap,
                "review",
                ProjectApproved(
                    project_id=project,
                    project=summary,
                    approval_letter_no=f"达数审〔{today.year}〕{project[-4:]}号",
                    approved_on=today - timedelta(days=60),
                    authority_steps=["vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance", "mayor"],
                    rule_id="approval.authority",
                    citation="dazhou:第十条",
                    pack_version="test",
                ),
            )
            await publish(
                kafka_bootstrap,
                "procurement",
                ContractSigned(
                    project_id=project,
                    contract_id=f"C-{project}",
                    unit=UNIT,
                    jurisdiction="dazhou",
                    supplier="四川某信息技术有限公司",
                    amount_fen=(wan + 60) * WAN,  # a 12.5 % overrun: 中风险
                    signed_on=today - timedelta(days=30),
                    planned_completion=today + timedelta(days=3),
                    construction_due=today + timedelta(days=3),
                ),
            )

    async def listed():
        page = ok(await api.get("bureau", "/api/catalog/portfolio/projects", params={"q": MARK, "limit": 50}))
        stages = {p["project_id"]: p["stage"] for p in page["items"]}
        contracted = ids[SEEDS[1][0]]
        return page if page["total"] == len(SEEDS) and stages.get(contracted) == "contracted" else None

    await wait_for(listed, timeout=60, message="the seeded projects in the portfolio")
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
    await page.screenshot(path=str(screenshots / f"cockpit-{name}-{page.viewport_size['width']}.png"), full_page=True)


async def pick(page: Page, scope, label: str, option: str) -> None:
    """Choose in a searchable select by typing the option's text (Enter takes the one match)."""
    field = scope.get_by_label(label, exact=True)
    select = field.locator("xpath=ancestor::div[contains(@class, 'ant-select ')][1]")
    await select.click()  # the box, not its input: a chosen value's text lies over the input
    await field.fill(option)
    await field.press("Enter")
    await expect(select.locator(".ant-select-selection-item")).to_have_text(option)


def row_ids(page: Page):
    return page.get_by_test_id("library-table").locator("tr[data-id]")


async def test_the_library_searches_filters_sorts_and_exports_the_filtered_list(
    desktop: Page, phone: Page, platform: Platform, seeded: dict[str, str], screenshots: Path, tmp_path: Path
):
    gateway = platform.urls["gateway"]
    await sign_in(desktop, gateway, "bureau", "数据局 项目科")
    await desktop.get_by_role("navigation").get_by_role("menuitem", name="项目库").click()
    filters = desktop.get_by_test_id("library-filters")

    # part of the name, one step
    await filters.get_by_label("项目名称").fill(MARK)
    await filters.get_by_role("button", name="查 询").click()
    await expect(row_ids(desktop)).to_have_count(3)
    await expect(desktop.get_by_test_id("library-totals")).to_have_text("共 3 个项目，总投资 860.00 万元")

    # the stage across services: only the contracted one is 建设中
    await pick(desktop, filters, "所处阶段", "建设中")
    await filters.get_by_role("button", name="查 询").click()
    await expect(row_ids(desktop)).to_have_count(1)
    contracted = seeded[SEEDS[1][0]]
    await expect(row_ids(desktop).first).to_have_attribute("data-id", contracted)
    await expect(row_ids(desktop).first.get_by_test_id("status")).to_have_text("建设中")

    # start again: part of the name, an amount range (万元) and the sort by amount, lowest first
    await filters.get_by_role("button", name="重 置").click()
    await expect(filters.get_by_label("项目名称")).to_have_value("")
    await expect(row_ids(desktop)).not_to_have_count(1)  # the whole library again
    await filters.get_by_label("项目名称").fill(MARK)
    amount = filters.get_by_label("总投资不低于（万元）")
    await amount.click()
    await amount.press_sequentially("200")
    await amount.press("Tab")
    await expect(amount).to_have_value("200")
    await pick(desktop, filters, "排序", "总投资从低到高")
    await filters.get_by_role("button", name="查 询").click()
    await expect(row_ids(desktop)).to_have_count(2)
    expected = [seeded[SEEDS[2][0]], seeded[SEEDS[1][0]]]  # 260 then 480
    assert [await r.get_attribute("data-id") for r in await row_ids(desktop).all()] == expected
    await expect(desktop.get_by_test_id("library-totals")).to_have_text("共 2 个项目，总投资 740.00 万元")
    assert "amount_min=200000000" in desktop.url and "sortBy=amount_asc" in desktop.url  # a shareable query

    # 导出 Excel: the same query, opened with openpyxl
    async with desktop.expect_download() as download_info:
        await desktop.get_by_test_id("library-export").click()
    download = await download_info.value
    saved = tmp_path / "library.xlsx"
    await download.save_as(saved)
    sheet = load_workbook(saved)["项目库"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("项目编号", "项目名称")
    assert [r[0] for r in rows[1:]] == expected
    assert [float(r[6]) for r in rows[1:]] == [2_600_000.0, 4_800_000.0]  # 总投资（元）
    assert rows[2][4] == "建设中"
    await shoot(desktop, screenshots, "library")

    # the same shared link on a phone
    await sign_in(phone, gateway, "bureau", "数据局 项目科")
    await phone.goto(desktop.url)
    await expect(row_ids(phone)).to_have_count(2)
    await no_sideways_scroll(phone)
    await shoot(phone, screenshots, "library")


CHART_DATA = """() => Object.fromEntries(Object.entries(window.__cockpitCharts || {}).map(([name, chart]) => [
    name,
    chart.getOption().series.map((s) => s.data.map((d) => (d !== null && typeof d === "object" ? d.value : d))),
]))"""


def wan(fen: int) -> float:
    return round(fen / 10_000) / 100


def expected_charts(cockpit: dict) -> dict[str, list[list[float]]]:
    def buckets(rows):
        return [[b["count"] for b in rows], [wan(b["investment_fen"]) for b in rows]]

    states = sorted(k for k in cockpit["systems"] if k != "zombie")
    return {
        "by_stage": buckets(cockpit["by_stage"]),
        "by_jurisdiction": buckets(cockpit["by_jurisdiction"]),
        "by_year": buckets(cockpit["by_year"]),
        "by_unit": [[wan(b["investment_fen"]) for b in cockpit["by_unit"][:10]][::-1]],
        "funnel": [[wan(s["amount_fen"]) for s in cockpit["funnel"]]],
        "deadlines": [[cockpit["deadlines"][c] for c in ("red", "amber", "green")]],
        "risk": [[cockpit["risk"][r] for r in ("high", "medium", "low")]],
        "systems": [[cockpit["systems"].get(k, 0) for k in [*states, "zombie"]]],
        "evaluations": [
            [cockpit["evaluations"]["passed"], cockpit["evaluations"]["failed"], cockpit["sanctions_active"]]
        ],
    }


async def drawn(page: Page, names: int = 9) -> dict:
    await page.wait_for_function(f"Object.keys(window.__cockpitCharts || {{}}).length >= {names}")
    return await page.evaluate(CHART_DATA)


async def test_every_cockpit_chart_draws_the_cockpit_apis_numbers(
    desktop: Page, phone: Page, platform: Platform, api: Api, seeded: dict[str, str], screenshots: Path
):
    gateway = platform.urls["gateway"]
    await sign_in(desktop, gateway, "bureau", "数据局 项目科")
    await desktop.get_by_role("navigation").get_by_role("menuitem", name="驾驶舱").click()
    charts = await drawn(desktop)
    cockpit = ok(await api.get("bureau", "/api/catalog/portfolio/cockpit", params={"risk_limit": 50}))
    assert charts == expected_charts(cockpit)
    await expect(desktop.get_by_test_id("figure-projects")).to_contain_text(str(cockpit["projects"]))
    # the seeded contract's 12.5 % overrun is rated 中风险 in the variance table
    contracted = seeded[SEEDS[1][0]]
    row = desktop.get_by_test_id("risk-table").locator(f'tr[data-id="{contracted}"]')
    if await row.count():
        await expect(row.get_by_test_id("risk")).to_have_text("中风险")
    await shoot(desktop, screenshots, "cockpit")

    # narrowed to one jurisdiction and year: the charts follow the API's answer for the same query
    year = clock.today().year + 1
    await desktop.get_by_label("计划年度").fill(str(year))
    await desktop.get_by_label("计划年度").press("Enter")  # the year applies on Enter (or leaving the field)
    narrowed = ok(await api.get("bureau", "/api/catalog/portfolio/cockpit", params={"year": year, "risk_limit": 50}))
    await desktop.wait_for_function(
        "([n]) => window.__cockpitCharts.by_stage.getOption().series[0].data.reduce((a, b) => a + b, 0) === n",
        arg=[narrowed["projects"]],
    )
    assert await desktop.evaluate(CHART_DATA) == expected_charts(narrowed)

    await sign_in(phone, gateway, "bureau", "数据局 项目科")
    await phone.goto(f"{gateway}/cockpit")
    assert await drawn(phone) == expected_charts(
        ok(await api.get("bureau", "/api/catalog/portfolio/cockpit", params={"risk_limit": 50}))
    )
    await no_sideways_scroll(phone)
    await shoot(phone, screenshots, "cockpit")


async def test_the_badge_counts_a_deadline_moved_past_due_on_the_injected_clock(
    desktop: Page, platform: Platform, api: Api, seeded: dict[str, str], screenshots: Path
):
    gateway = platform.urls["gateway"]
    catalog = platform.urls["catalog"]
    title = SEEDS[1][0]
    await api.client.post(f"{catalog}/_admin/sweep")  # the approaching reminder, if not raised yet
    await sign_in(desktop, gateway, "edu", "教育局 项目专员")
    badge = desktop.get_by_test_id("notification-badge")
    await desktop.get_by_role("navigation").get_by_role("menuitem", name="消息提醒").click()
    feed = desktop.get_by_test_id("notifications")
    await expect(feed.locator("[data-kind]").first).to_be_visible()
    await expect(feed.locator('[data-kind="deadline_overdue"]', has_text=title)).to_have_count(0)
    await desktop.get_by_test_id("mark-all-read").click()
    await expect(badge).to_have_attribute("data-unread", "0")

    # The catalog's clock moves four days on (the deadline was three days ahead) and its sweep runs; then
    # the clock goes back, because the signed-in tokens expire by the moved clock too (the notification and
    # the overdue deadline stay, as they would in real time).
    try:
        ok(await api.client.post(f"{catalog}/_admin/clock", json={"advance_days": 4}))
        ok(await api.client.post(f"{catalog}/_admin/sweep"))
    finally:
        ok(await api.client.post(f"{catalog}/_admin/clock", json={"advance_days": -4}))
    await desktop.get_by_role("navigation").get_by_role("menuitem", name="工作台").click()
    await expect(badge).not_to_have_attribute("data-unread", "0")  # counted again on the page change
    await desktop.get_by_role("navigation").get_by_role("menuitem", name="消息提醒").click()
    overdue = feed.locator('[data-kind="deadline_overdue"]', has_text=title)
    await expect(overdue).to_have_count(1)
    await expect(overdue).to_have_attribute("data-read", "false")
    await expect(overdue).to_contain_text("已逾期")
    await shoot(desktop, screenshots, "notifications")
    await desktop.get_by_test_id("mark-all-read").click()
    await expect(badge).to_have_attribute("data-unread", "0")
    await expect(overdue).to_have_attribute("data-read", "true")
