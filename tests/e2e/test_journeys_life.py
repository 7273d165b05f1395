"""Journeys: one Dazhou project and one Quzhou project from the unit's application to the system's retirement, in
the browser alone, every step begun by the acting role from its 待办 (sign in, open 工作台, click the item, act).
The API only reads, to assert; the injected clock moves as the other journeys move it (Quzhou's three months
between 初验 and 终验). The other journeys set earlier stages up by API; here nothing is.

Dazhou (dazhou:第十条 … 第四十七条): the unit applies; the bureau admits and records the scheme review; the
executive meeting approves (600万元, dazhou:第十条(三)) on a phone; the unit publishes the function list and
delivers the technical plan; the bureau reviews it and approves the estimate; the unit submits the control price
and finance reviews it; the unit files the procurement plan and, organising the procurement itself
(dazhou:第三十九条), tenders, records the bid and awards, then registers the contract; the trial run, the bureau's
approval before acceptance, the performance acceptance; the system is in the catalog; the bureau stops it and
the unit retires it (系统停用退出).
Quzhou (quzhou:三(二)1, 三(三)5): the parallel joint review — the bureau draws an expert and gives its opinion,
the unit, cyberspace office, DRC, finance and the expert each give theirs from their own 待办, the leading office
concludes with the decision-consulting opinion — the DRC approves on a phone; estimate, control price and
procurement as in Dazhou; 初验, trial run, 终验 application three months on, 终验 by the leading office; the
catalog; retirement.
Screenshots: var/screenshots/life-{dazhou,quzhou}-NN-<step>.png (approval pages also -390.png)."""

from __future__ import annotations

import random
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import get_args

import pytest
from playwright.async_api import Page, expect

from deploy.local.launcher import Platform
from services.budget.schemas import TechnicalPlanItem
from shared.clock import today as china_today  # the services count days in China (UTC+8), not UTC
from tests.e2e import test_workbench
from tests.e2e.journeys import (
    WAN,
    Album,
    apply_in_browser,
    choose_every,
    dossier_loaded,
    from_todo,
    reached,
    todo_gone,
    todo_item,
)
from tests.e2e.test_workbench import act, choose, no_sideways_scroll, pick_date, sign_in, submit_action
from tests.support.api import Api, ok

# each journey walks some twenty steps on a loaded machine: more than the default 300 s with the platform start
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
# the browser contexts at 1440 and 390 px that log console errors (fixtures of test_workbench)
desktop, phone = test_workbench.desktop, test_workbench.phone
BUDGET_S = 180  # each journey's budget on the loaded test machine (issue 17's lane brief)


def credit_code() -> str:
    return "91511700" + "".join(random.choice("0123456789") for _ in range(10))


async def approve_on_phone(phone: Page, gateway: str, album: Album, project: str, title: str, who: tuple) -> None:
    """The approver opens the approval from the 待办 on a 390-px phone and agrees."""
    username, shown = who
    await sign_in(phone, gateway, username, shown)
    await no_sideways_scroll(phone)
    item = await todo_item(phone, project, "approval")
    await expect(item).to_contain_text(title)
    await item.get_by_role("link").first.click()
    await expect(phone.get_by_test_id("approval-chain")).to_contain_text("第 1 步")
    await no_sideways_scroll(phone)
    await album.shoot(phone, "approval")
    decision = phone.get_by_test_id("approval-form")
    await decision.get_by_label("审批意见").fill("同意")
    await decision.get_by_role("button", name="提 交").click()
    await expect(phone.get_by_test_id("approvals-list")).not_to_contain_text(title)


#: The seeded expert sign-ins (services/gateway/users.py) and the names they show.
EXPERTS = {"expert": "评审专家 张工", "expert2": "评审专家 李工"}


async def drawn_expert(api: Api, project: str) -> tuple[str, str]:
    """The seeded expert the draw picked: a drawn expert reads the project's review, any other is refused."""
    drawn = [user for user in EXPERTS if (await api.get(user, f"/api/review/projects/{project}")).status_code == 200]
    assert len(drawn) == 1, drawn
    return drawn[0], EXPERTS[drawn[0]]


async def estimate_and_control_price(
    page: Page, gateway: str, api: Api, album: Album, project: str, unit: tuple, amounts: tuple[int, int]
) -> None:
    """The unit publishes the function list and delivers the technical plan; the bureau reviews it and
    approves the estimate; the unit submits the control price; finance reviews it. Each from its 待办."""
    estimate_wan, control_wan = amounts
    today = china_today()
    await sign_in(page, gateway, *unit)
    await from_todo(page, gateway, project, "technical_plan", "/technical-plan")
    # the plan follows the function list's public consultation of at least 7 days (dazhou:第三十五条)
    await page.keyboard.press("Escape")
    await expect(page.get_by_test_id("action-form")).to_be_hidden()
    await act(page, "功能清单公示")
    form = page.get_by_test_id("action-form")
    await pick_date(page, form, "发布日期", today - timedelta(days=20))
    await pick_date(page, form, "结束日期", today - timedelta(days=10))
    await submit_action(page)
    await act(page, "报送技术方案")
    # the plan states what it contains; the pack's required contents (dazhou:第三十六条) are all there
    form = page.get_by_test_id("action-form")
    await choose_every(page, "技术方案包含的内容（第三十六条）", form, len(get_args(TechnicalPlanItem)))
    await submit_action(page)
    assert ok(await api.get(unit[0], f"/api/budget/projects/{project}"))["stage"] == "plan_submitted"

    await sign_in(page, gateway, "bureau", "数据局 项目科")
    await from_todo(page, gateway, project, "technical_review", "/technical-review")
    form = page.get_by_test_id("action-form")
    await form.get_by_label("是否通过", exact=True).click()
    await form.get_by_label("概算金额（万元）").fill(str(estimate_wan))
    await form.get_by_label("意见", exact=True).fill("技术方案可行，按此批复概算")
    await submit_action(page)
    budget = ok(await api.get("bureau", f"/api/budget/projects/{project}"))
    assert budget["stage"] == "estimate_approved" and budget["estimate_fen"] == estimate_wan * WAN, budget
    await expect(page.get_by_test_id("money")).to_contain_text(f"{estimate_wan}.00")
    await album.shoot(page, "estimate")

    await sign_in(page, gateway, *unit)
    await from_todo(page, gateway, project, "control_price", "/control-price")
    await page.get_by_test_id("action-form").get_by_label("招标控制价（万元）").fill(str(control_wan))
    await submit_action(page)
    await sign_in(page, gateway, "finance", "财政局")
    await from_todo(page, gateway, project, "control_price_review", "/control-price/approval")
    await album.shoot(page, "control-price")
    await submit_action(page)
    await reached(
        api,
        unit[0],
        f"/api/procurement/projects/{project}",
        until=lambda view: view.get("control_price_fen") == control_wan * WAN,
    )


async def procure(
    page: Page, gateway: str, api: Api, album: Album, project: str, unit: tuple, amount_wan: int, back: int
) -> tuple[str, date]:
    """The unit files the plan, organises the procurement itself (the plan's route names it): registers the
    supplier (业务办理), publishes the tender, records the bid and awards, `back` days before today.
    Returns the supplier's name and the award's day."""
    today = china_today()
    await sign_in(page, gateway, *unit)
    await from_todo(page, gateway, project, "plan", "/plan")
    await submit_action(page)
    plan = ok(await api.get(unit[0], f"/api/procurement/projects/{project}"))["plan"]
    assert plan and plan["organiser"] == "unit", plan

    supplier = f"四川某信息技术有限公司 {uuid.uuid4().hex[:4]}"
    await page.goto(f"{gateway}/actions")
    await page.get_by_test_id("desk-procurement").get_by_text("登记供应商", exact=True).click()
    form = page.get_by_test_id("action-form")
    await form.get_by_label("名称", exact=True).fill(supplier)
    await form.get_by_label("统一社会信用代码", exact=True).fill(credit_code())
    await submit_action(page)

    await from_todo(page, gateway, project, "tender", "/tenders")
    form = page.get_by_test_id("action-form")
    await form.get_by_label("项目名称", exact=True).fill("公开招标")
    await form.get_by_label("最高限价（万元）", exact=True).fill(str(amount_wan))
    await pick_date(page, form, "发布日期", today - timedelta(days=back + 40))
    await pick_date(page, form, "投标截止日期", today - timedelta(days=back + 20))
    await submit_action(page)
    # the project's page afresh, without the to-do's ?action: the bid needs the tender on the page (seen once
    # the refreshed page still held the tender's drawer and no tender: a race of the refresh and the to-do link)
    await page.goto(f"{gateway}/projects/{project}")
    await dossier_loaded(page)
    await expect(page.get_by_test_id("actions").get_by_role("button", name="登记投标", exact=True)).to_be_enabled()
    await act(page, "登记投标")
    form = page.get_by_test_id("action-form")
    await choose(page, "招标编号", "公开招标", form)
    await choose(page, "供应商编号", supplier, form)
    await form.get_by_label("金额（万元）", exact=True).fill(str(amount_wan))
    await pick_date(page, form, "提交日期", today - timedelta(days=back + 25))
    await submit_action(page)
    await act(page, "定 标")  # Ant Design spaces a two-character button
    form = page.get_by_test_id("action-form")
    await choose(page, "招标编号", "公开招标", form)
    await choose(page, "供应商编号", supplier, form)
    awarded = today - timedelta(days=back + 15)
    await pick_date(page, form, "定标日期", awarded)
    await submit_action(page)
    tender = ok(await api.get(unit[0], f"/api/procurement/projects/{project}"))["tenders"][0]
    assert tender["award"]["supplier"] == supplier and tender["award"]["amount_fen"] == amount_wan * WAN, tender
    return supplier, awarded


async def sign_contract(page: Page, gateway: str, project: str, supplier: str, amount_wan: int, signed: date) -> None:
    await from_todo(page, gateway, project, "contract", "/contracts")
    form = page.get_by_test_id("action-form")
    await choose(page, "中标编号", supplier, form)
    await form.get_by_label("金额（万元）", exact=True).fill(str(amount_wan))
    await pick_date(page, form, "签订日期", signed)
    await pick_date(page, form, "计划完成日期", signed + timedelta(days=300))
    await submit_action(page)


async def dropdowns_closed(page: Page) -> None:
    """One select's list is gone before the next opens (a fading list took the next one's click once)."""
    await expect(page.locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden)")).to_have_count(0)


async def stop_and_retire(page: Page, gateway: str, api: Api, album: Album, project: str, title: str, unit: tuple):
    """The system is in the catalog; the bureau stops it (可由统建通用系统替代, dazhou:第二十条); the unit finds the
    retirement in its 待办 and retires the system, filed with finance and the bureau; the page says 已下线."""
    catalog = await reached(api, "bureau", f"/api/catalog/projects/{project}", until=lambda body: bool(body["systems"]))
    system = catalog["systems"][0]
    assert system["state"] == "running", system
    await sign_in(page, gateway, "bureau", "数据局 项目科")
    await page.goto(f"{gateway}/projects/{project}")
    await dossier_loaded(page)
    await expect(page.get_by_test_id("current-stage")).to_contain_text("系统目录")
    await act(page, "变更系统状态")
    form = page.get_by_test_id("action-form")
    await choose(page, "系统编号", title, form)
    await dropdowns_closed(page)
    await choose(page, "状态", "已暂停", form)
    await form.get_by_label("原因", exact=True).fill("可由统建通用系统替代，应终止运行")
    await submit_action(page)

    await sign_in(page, gateway, *unit)
    item = await todo_item(page, project, "retirement")
    await expect(item).to_contain_text("办理停用退出")
    await album.shoot(page, "todo-retirement")
    await from_todo(page, gateway, project, "retirement", "/retirement")
    form = page.get_by_test_id("action-form")
    await choose(page, "系统编号", title, form)
    await dropdowns_closed(page)
    await choose(page, "原因", "永久停用", form)
    await form.get_by_label("已报财政局备案", exact=True).click()
    await form.get_by_label("已报数据局备案", exact=True).click()
    await album.shoot(page, "retirement")
    await submit_action(page)
    retired = ok(await api.get("bureau", f"/api/catalog/projects/{project}"))["systems"][0]
    assert retired["state"] == "retired" and retired["retirement_reason"] == "permanent_stop", retired
    await page.goto(f"{gateway}/projects/{project}")
    await dossier_loaded(page)
    await page.get_by_role("tab", name="系统目录").click()
    await expect(page.get_by_test_id("catalog-system").get_by_test_id("system-state")).to_have_text("已下线")
    # the project's life is over: its page says so, and offers nothing more on the system
    await expect(page.get_by_test_id("current-stage")).to_contain_text("已下线")
    retire = page.get_by_test_id("actions").get_by_role("button", name="系统停用退出", exact=True)
    await expect(retire).to_be_disabled()
    await album.shoot(page, "retired")
    # nothing of the project waits on anybody any more: the unit's 待办 no longer lists it
    await page.goto(f"{gateway}/workbench")
    await expect(page.get_by_test_id("todo-list")).to_be_visible()
    await expect(page.get_by_test_id("todo-list").locator(f'[data-project="{project}"]')).to_have_count(0)


async def test_a_dazhou_project_from_application_to_retirement_every_role_from_its_todo(
    desktop: Page, phone: Page, platform: Platform, api: Api, screenshots: Path
):
    started = time.monotonic()
    gateway = platform.urls["gateway"]
    page = desktop
    album = Album(screenshots, "dazhou")
    unit = ("edu", "教育局 项目专员")
    title = f"达州智慧教育全生命周期 {uuid.uuid4().hex[:6]}"
    today = china_today()

    # --- 建设单位 applies (600万元: the executive meeting approves, dazhou:第十条(三)).
    await sign_in(page, gateway, *unit)
    project = await apply_in_browser(page, "达州市", title, "600")
    assert ok(await api.get("edu", f"/api/intake/applications/{project}"))["total_investment_fen"] == 600 * WAN
    await album.shoot(page, "submitted")

    # --- 数据局: 入库 and the scheme review, each from its 待办.
    await sign_in(page, gateway, "bureau", "数据局 项目科")
    await expect(await todo_item(page, project, "admit")).to_contain_text("入库审核")
    await album.shoot(page, "todo-bureau")
    await from_todo(page, gateway, project, "admit", "/admit")
    await submit_action(page)
    await expect(page.get_by_test_id("project-status")).to_have_text("已入库")
    timeline = page.get_by_test_id("timeline")
    await expect(timeline.locator('tr[data-rule="intake.required_materials"] .cite').first).to_have_text("达州市第九条")
    await reached(api, "bureau", f"/api/review/projects/{project}")
    await from_todo(page, gateway, project, "scheme_review", "/scheme-review")
    form = page.get_by_test_id("action-form")
    await choose(page, "是否通过", "是", form)
    await form.get_by_label("意见", exact=True).fill("方案可行，建议立项")
    await submit_action(page)
    case = ok(await api.get("bureau", f"/api/review/projects/{project}"))
    assert [step["role"] for step in case["steps"]] == ["executive_meeting"], case
    await expect(page.get_by_test_id("current-stage")).to_contain_text("联审与立项")

    # --- 市政府常务会议 approves from its 待办 on a phone, the bureau's opinion in view.
    await approve_on_phone(phone, gateway, album, project, title, ("exec", "市政府常务会议"))
    assert ok(await api.get("bureau", f"/api/review/projects/{project}"))["stage"] == "approved"

    # --- Estimate (580万) and control price (570万).
    await reached(api, "edu", f"/api/budget/projects/{project}")
    await estimate_and_control_price(page, gateway, api, album, project, unit, (580, 570))

    # --- Procurement by the unit itself, then the contract (60 days ago).
    supplier, _ = await procure(page, gateway, api, album, project, unit, 560, back=60)
    await sign_contract(page, gateway, project, supplier, 560, today - timedelta(days=60))
    await expect(page.get_by_test_id("money")).to_contain_text("560.00")
    await reached(api, "edu", f"/api/acceptance/projects/{project}")
    await page.reload()
    await dossier_loaded(page)
    await expect(page.get_by_test_id("current-stage")).to_contain_text("待试运行")
    await album.shoot(page, "contracted")

    # --- Trial run (45 days ago), the bureau's approval before acceptance, the performance acceptance.
    await from_todo(page, gateway, project, "trial_run", "/trial-run")
    await pick_date(page, page.get_by_test_id("action-form"), "开始日期", today - timedelta(days=45))
    await submit_action(page)
    await sign_in(page, gateway, "bureau", "数据局 项目科")
    await from_todo(page, gateway, project, "pre_acceptance_approval", "/pre-acceptance")
    await expect(page.get_by_test_id("current-stage")).to_contain_text("试运行中")
    await submit_action(page)
    await sign_in(page, gateway, *unit)
    await from_todo(page, gateway, project, "performance_acceptance", "/acceptance")
    form = page.get_by_test_id("action-form")
    await form.get_by_label("是否通过", exact=True).click()
    await form.get_by_label("系统名称", exact=True).fill(title)
    rows = form.get_by_test_id("row-items")
    await expect(rows.first).to_be_visible()
    for index in range(await rows.count()):
        await rows.nth(index).get_by_label("该项已通过", exact=True).click()
    await album.shoot(page, "acceptance")
    await submit_action(page)
    assert ok(await api.get("edu", f"/api/acceptance/projects/{project}"))["stage"] == "accepted"

    # --- The system in the catalog, stopped and retired.
    await stop_and_retire(page, gateway, api, album, project, title, unit)
    print(f"dazhou life journey: {time.monotonic() - started:.0f} s (budget {BUDGET_S} s)")


async def test_a_quzhou_project_from_application_to_retirement_every_role_from_its_todo(
    desktop: Page, phone: Page, platform: Platform, api: Api, screenshots: Path
):
    started = time.monotonic()
    gateway = platform.urls["gateway"]
    page = desktop
    album = Album(screenshots, "quzhou")
    unit = ("health", "卫健委 项目专员")
    title = f"衢州智慧医疗全生命周期 {uuid.uuid4().hex[:6]}"
    today = china_today()

    await sign_in(page, gateway, *unit)
    project = await apply_in_browser(page, "衢州市", title, "300")
    await album.shoot(page, "submitted")

    # --- 数据局 admits; it organises the joint review: draws an expert and gives its own opinion.
    await sign_in(page, gateway, "bureau", "数据局 项目科")
    await from_todo(page, gateway, project, "admit", "/admit")
    await submit_action(page)
    await reached(api, "bureau", f"/api/review/projects/{project}")
    # The seeded sign-in 「expert2」 sits the panel: 「expert」 has cooled off from 卫健委 after the integration
    # tests' Quzhou panel (review.expert_cooling_off). The experts journey enters it with a field of its own;
    # alone, this journey enters it from 业务办理. Drawing by its field makes the draw known.
    pool = ok(await api.get("bureau", "/api/review/experts", params={"limit": 200}))["items"]
    if not any(expert["user_subject"] == "expert2" for expert in pool):
        await page.goto(f"{gateway}/actions")
        await page.get_by_test_id("desk-review").get_by_text("专家入库", exact=True).click()
        form = page.get_by_test_id("action-form")
        await form.get_by_label("名称", exact=True).fill("评审专家 李工")
        await form.get_by_label("工作单位", exact=True).fill("浙江某大学")
        tags = form.get_by_label("专业领域", exact=True)
        await tags.fill(f"医疗信息化-{uuid.uuid4().hex[:4]}")
        await tags.press("Enter")
        await form.get_by_label("使用主体", exact=True).fill("expert2")
        await submit_action(page)
        pool = ok(await api.get("bureau", "/api/review/experts", params={"limit": 200}))["items"]
    field = next(expert for expert in pool if expert["user_subject"] == "expert2")["fields"][0]
    await from_todo(page, gateway, project, "joint_review", "/joint-review/opinions")
    await page.keyboard.press("Escape")
    await expect(page.get_by_test_id("action-form")).to_be_hidden()
    await act(page, "抽取专家")
    form = page.get_by_test_id("action-form")
    tags = form.get_by_label("专业领域", exact=True)
    await tags.fill(field)
    await tags.press("Enter")
    await form.get_by_label("数量", exact=True).fill("1")
    await submit_action(page)
    drawn = await drawn_expert(api, project)
    assert drawn[0] == "expert2", drawn
    await act(page, "并联审核意见")
    await page.get_by_test_id("action-form").get_by_label("意见", exact=True).fill("数据共享方案可行")
    await submit_action(page)

    # --- Each party of the panel gives its opinion from its own 待办 (quzhou:三(二)1), the expert too.
    for username, shown in (
        unit,
        ("cyberspace", "网信办"),
        ("drc", "发改委"),
        ("finance", "财政局"),
        drawn,
    ):
        await sign_in(page, gateway, username, shown)
        if username == "cyberspace":
            await expect(await todo_item(page, project, "joint_review")).to_contain_text("出具并联审核意见")
            await album.shoot(page, "todo-joint-review")
        await from_todo(page, gateway, project, "joint_review", "/joint-review/opinions")
        await page.get_by_test_id("action-form").get_by_label("意见", exact=True).fill("同意")
        await submit_action(page)
        if username == "cyberspace":  # its opinion closes its own 待办 at once, before the office concludes
            await page.goto(f"{gateway}/workbench")
            await todo_gone(page, project, "joint_review")

    # --- The leading office concludes with the decision-consulting opinion, the estimate fixed.
    await sign_in(page, gateway, "office", "领导小组办公室")
    await from_todo(page, gateway, project, "joint_review", "/joint-review")
    # the opinions so far are in the dossier's review panel before it concludes: who, 同意, the text
    opinions = page.get_by_test_id("joint-opinions")
    await expect(opinions).to_contain_text("网信办")
    await expect(opinions).to_contain_text("数据共享方案可行")
    await expect(opinions).to_contain_text("评审专家")
    form = page.get_by_test_id("action-form")
    await form.get_by_label("固定概算（万元）").fill("290")
    await form.get_by_label("咨询意见文号", exact=True).fill("衢数决〔2026〕21号")
    await form.get_by_label("经领导小组决定", exact=True).click()
    await album.shoot(page, "joint-review-conclusion")
    await submit_action(page)
    case = ok(await api.get("bureau", f"/api/review/projects/{project}"))
    assert [step["role"] for step in case["steps"]] == ["drc"], case

    # --- 发改委 approves from its 待办 on a phone (quzhou:三(二)2).
    await approve_on_phone(phone, gateway, album, project, title, ("drc", "发改委"))
    assert ok(await api.get("bureau", f"/api/review/projects/{project}"))["stage"] == "approved"

    await reached(api, unit[0], f"/api/budget/projects/{project}")
    await estimate_and_control_price(page, gateway, api, album, project, unit, (290, 285))

    # --- Procurement; the contract and 初验 happen 100 days back (procurement's and acceptance's clocks stand
    # back together: the read model orders a project's events by their time).
    back = 100
    supplier, _ = await procure(page, gateway, api, album, project, unit, 280, back=back + 15)
    clocks = [f"{platform.urls[service]}/_admin/clock" for service in ("procurement", "acceptance")]
    for clock in clocks:
        ok(await api.client.post(clock, json={"advance_days": -back}))
    try:
        await sign_contract(page, gateway, project, supplier, 280, today - timedelta(days=back + 10))
        await reached(api, unit[0], f"/api/acceptance/projects/{project}")
        await from_todo(page, gateway, project, "preliminary_acceptance", "/preliminary-acceptance")
        form = page.get_by_test_id("action-form")
        await form.get_by_label("是否通过", exact=True).click()
        await form.get_by_label("备注", exact=True).fill("全部功能模块通过初验")
        await submit_action(page)
        assert ok(await api.get(unit[0], f"/api/acceptance/projects/{project}"))["stage"] == "preliminary_accepted"
    finally:
        for clock in clocks:
            ok(await api.client.post(clock, json={"advance_days": back}))

    await from_todo(page, gateway, project, "trial_run", "/trial-run")
    await pick_date(page, page.get_by_test_id("action-form"), "开始日期", today - timedelta(days=back))
    await submit_action(page)
    await from_todo(page, gateway, project, "final_acceptance_application", "/final-acceptance/application")
    await page.get_by_test_id("action-form").get_by_label("备注", exact=True).fill("初验满三个月，申请终验")
    await submit_action(page)

    # --- 终验 by the leading office, every item Quzhou requires, the data dictionary among them.
    await sign_in(page, gateway, "office", "领导小组办公室")
    await from_todo(page, gateway, project, "final_acceptance", "/final-acceptance")
    form = page.get_by_test_id("action-form")
    await form.get_by_label("是否通过", exact=True).click()
    await form.get_by_label("系统名称", exact=True).fill(title)
    rows = form.get_by_test_id("row-items")
    await expect(rows.filter(has_text="向市大数据局提交数据字典")).to_have_count(1)
    for index in range(await rows.count()):
        await rows.nth(index).get_by_label("该项已通过", exact=True).click()
    await form.get_by_label("报告编号", exact=True).fill("衢验〔2026〕31号")
    await album.shoot(page, "final-acceptance")
    await submit_action(page)
    assert ok(await api.get(unit[0], f"/api/acceptance/projects/{project}"))["stage"] == "accepted"

    await stop_and_retire(page, gateway, api, album, project, title, unit)
    print(f"quzhou life journey: {time.monotonic() - started:.0f} s (budget {BUDGET_S} s)")
