"""What the role-by-role browser journeys (tests/e2e/test_journeys_*.py) share: a project brought by API to
where a journey starts (earlier roles' days are journeys of their own), and screenshots named by journey.
The browser helpers (sign-in, selects, date pickers, the 390-px check) are test_workbench's."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.async_api import Page, expect

from shared import clock
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
