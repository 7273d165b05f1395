"""What the role-by-role browser journeys (tests/e2e/test_journeys_*.py) share: a project brought by API to
where a journey starts (earlier roles' days are journeys of their own), and screenshots named by journey.
The browser helpers (sign-in, selects, date pickers, the 390-px check) are test_workbench's."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.async_api import Locator, Page, expect

from shared import clock
from tests.e2e.test_workbench import choose
from tests.support.api import Api, ok, required_materials
from tests.support.infra import wait_for

WAN = 1_000_000  # fen in 1万元


async def shoot_both(page: Page, screenshots: Path, name: str) -> None:
    """The page at 1440 and at 390 px (kept under var/screenshots/journey-<name>-<width>.png); at 390 px
    nothing may scroll sideways."""
    for width, height in ((1440, 900), (390, 844)):
        await page.set_viewport_size({"width": width, "height": height})
        await page.mouse.move(0, 0)
        await page.evaluate("window.scrollTo(0, 0)")
        if width == 390:
            await expect(page.locator("main")).to_be_visible()
            scroll = await page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{page.url} scrolls sideways: {scroll} px content on a {width} px screen"
        await page.screenshot(path=str(screenshots / f"journey-{name}-{width}.png"), full_page=True)
    await page.set_viewport_size({"width": 1440, "height": 900})


async def reached(api: Api, username: str, path: str, until=lambda body: True) -> dict:
    """Wait until a service has learned of the project through Kafka (its GET answers, as `until` wants)."""

    async def probe():
        response = await api.get(username, path)
        if response.status_code != 200:
            return None
        body = response.json()
        return body if until(body) else None

    return await wait_for(probe, timeout=30, message=f"GET {path}")


async def admitted_project(api: Api, jurisdiction: str, title: str, amount_fen: int, **extra) -> str:
    """A unit's application submitted and admitted (入库) through the APIs; review has learned of it."""
    body = {
        "unit": "达州市教育局",
        "jurisdiction": jurisdiction,
        "title": title,
        "category": "application",
        "construction_type": "new",
        "total_investment_fen": amount_fen,
        "plan_year": clock.today().year + 1,
        # the leader the unit designates (fengxian:第四条); other packs do not read it
        "details": {"performance_goals": "全区学校覆盖率100%", "responsible_leader": "区教育局副局长 张某"},
        # an application after the call window is 计划外 (fengxian:第十四条): its basis documents go along; the
        # information resource catalog is what the estimate needs later (catalog.resource_catalog_required)
        "materials": sorted(
            {*required_materials(jurisdiction), "information_resource_catalog"}
            | ({"off_plan_basis"} if jurisdiction in ("fengxian", "quzhou") else set())
        ),
        **extra,
    }
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    project = ok(await api.post("edu", "/api/intake/applications", body, headers=headers), 201)["id"]
    if jurisdiction == "fengxian":  # the unit ranks what it applies for (fengxian:第十条)
        ok(await api.post("edu", "/api/intake/units/达州市教育局/priorities", {"order": [project]}))
    ok(await api.post("edu", f"/api/intake/applications/{project}/submit"))
    ok(await api.post("bureau", f"/api/intake/applications/{project}/admit"))
    await reached(api, "bureau", f"/api/review/projects/{project}")
    return project


# --- the life journeys (test_journeys_life.py): every step from the acting role's 待办 -----------------------


class Album:
    """Screenshots of one life journey, numbered in the order taken: var/screenshots/life-<name>-NN-<step>.png
    at 1440 px (and -390.png for a phone page)."""

    def __init__(self, screenshots: Path, name: str) -> None:
        self.screenshots, self.name, self.count = screenshots, name, 0

    async def shoot(self, page: Page, step: str) -> None:
        self.count += 1
        await expect(page.locator(".ant-spin-spinning")).to_have_count(0)  # lists and cards loaded
        await page.mouse.move(0, 0)
        await page.evaluate("window.scrollTo(0, 0)")
        width = page.viewport_size["width"]
        suffix = "" if width == 1440 else f"-{width}"
        path = self.screenshots / f"life-{self.name}-{self.count:02d}-{step}{suffix}.png"
        await page.screenshot(path=str(path), full_page=True)


async def todo_item(page: Page, project: str, action: str):
    """My 待办's item for the project at this action, once the read model has it (it follows the events a
    moment later: the page is reloaded until it shows)."""
    item = page.get_by_test_id("todo-list").locator(f'[data-project="{project}"][data-action="{action}"]').first

    async def listed():
        if await item.count():
            return True
        await page.reload()
        await expect(page.get_by_test_id("todo-list")).to_be_visible()
        return bool(await item.count())

    await wait_for(listed, timeout=30, message=f"the 待办 lists {action} for {project}")
    return item


async def todo_gone(page: Page, project: str, action: str) -> None:
    """My 待办 no longer lists the project at this action (the read model closes it a moment after the step)."""
    item = page.get_by_test_id("todo-list").locator(f'[data-project="{project}"][data-action="{action}"]')

    async def gone():
        await page.reload()
        await expect(page.get_by_test_id("todo-list")).to_be_visible()
        # loaded, not loading: an empty table while the list is fetched would read as gone
        await expect(page.get_by_test_id("todo-list").locator(".ant-spin-spinning")).to_have_count(0)
        return not await item.count()

    await wait_for(gone, timeout=30, message=f"the 待办 drops {action} for {project}")


# The dossier composes six services' states: on the shared 2-core test machine under load (a load average of
# 20 was seen) its first paint took longer than the default 15 s wait.
DOSSIER_WAIT = 45_000


async def dossier_loaded(page: Page) -> None:
    await expect(page.get_by_test_id("dossier")).to_be_visible(timeout=DOSSIER_WAIT)
    await expect(page.get_by_test_id("current-stage")).to_be_visible(timeout=DOSSIER_WAIT)


async def from_todo(page: Page, gateway: str, project: str, action: str, op: str | None = None) -> None:
    """Open the project at its action from my 待办 (on the 工作台); with `op`, the action's form must be the
    one that opens (its data-op ends with `op`)."""
    if not await page.get_by_test_id("todo-list").count():  # the 工作台 is where a sign-in lands
        await page.goto(f"{gateway}/workbench")
    item = await todo_item(page, project, action)
    await item.get_by_role("link").first.click()
    await dossier_loaded(page)
    if op is not None:
        form = page.get_by_test_id("action-form")
        await expect(form).to_be_visible(timeout=DOSSIER_WAIT)
        assert (await form.get_attribute("data-op") or "").endswith(op), await form.get_attribute("data-op")


async def apply_in_browser(page: Page, jurisdiction_zh: str, title: str, amount_wan: str) -> str:
    """The signed-in unit fills 新建申报 (every material group ticked) and submits; returns the project id."""
    await page.get_by_role("navigation").get_by_role("menuitem", name="新建申报").click()
    form = page.get_by_test_id("apply-form")
    # the 属地 select comes filled (达州市): its shown value covers the input, so the select itself is clicked
    jurisdiction = form.get_by_label("属地", exact=True).locator(
        "xpath=ancestor::div[contains(@class, 'ant-select ')][1]"
    )
    if (await jurisdiction.inner_text()).strip() != jurisdiction_zh:
        await jurisdiction.click()
        await page.locator(
            ".ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option", has_text=jurisdiction_zh
        ).first.click()
    await expect(jurisdiction).to_contain_text(jurisdiction_zh)
    await form.get_by_label("项目名称").fill(title)
    await choose(page, "项目类别", "信息应用系统", form)
    await choose(page, "建设性质", "新建", form)
    await form.get_by_role("textbox", name="绩效目标").fill("覆盖全部服务对象，平台使用率达到 90%")
    await form.get_by_label("总投资（万元）").fill(amount_wan)
    groups = form.locator("fieldset.materials-group")
    await expect(groups.first).to_be_visible()
    for index in range(await groups.count()):
        await groups.nth(index).get_by_role("button", name="全部勾选").click()
    await expect(page.locator('[data-testid="precheck"] li[data-rule="intake.required_materials"]')).to_have_count(0)
    await form.get_by_role("button", name="保存并提交").click()
    await expect(page.get_by_test_id("project-status")).to_have_text("已提交")
    await expect(page.get_by_test_id("project-title")).to_have_text(title)
    return page.url.rsplit("/projects/", 1)[1].split("?")[0]


async def choose_every(page: Page, label: str, scope: Locator, count: int) -> None:
    """Tick every option of an Ant Design multiple select by keyboard (its list is virtual: only the options
    in view exist in the page, so clicking them one by one would miss the rest)."""
    field = scope.get_by_label(label, exact=True)
    await field.click()
    for _ in range(count):
        await page.keyboard.press("Enter")
        await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Escape")
    select = field.locator("xpath=ancestor::div[contains(@class, 'ant-select ')][1]")
    tags = select.locator(".ant-select-selection-item")
    await expect(tags).to_have_count(count)
