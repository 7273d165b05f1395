"""Journey: experts score a project (Fengxian's 项建方案评审, scored on the five dimensions of fengxian:第十八条)
and the approver decides from the 待办 on a 390-px phone. In the browser: the bureau enters the expert in the
pool (业务办理) and draws experts from the project's page; the drawn expert signs in, opens the project from
the 待办 and fills the score sheet, one labelled row per dimension; the bureau concludes the scheme review
(the pack's pass rule decides on the sheets); the approving authority (the district data bureau,
fengxian:第五条) approves from its 待办 at 390 px with the scores in view.
The application, admission and pre-screening are the unit's and the bureau's earlier journeys (by API here).
Screenshots: var/screenshots/journey-experts-*-{1440,390}.png."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from deploy.local.launcher import Platform
from tests.e2e import test_workbench
from tests.e2e.journeys import WAN, admitted_project, reached, shoot_both
from tests.e2e.test_workbench import act, no_sideways_scroll, sign_in, submit_action
from tests.support.api import Api, ok

pytestmark = pytest.mark.e2e
# the browser contexts at 1440 and 390 px that log console errors (fixtures of test_workbench)
desktop, phone = test_workbench.desktop, test_workbench.phone


async def test_drawn_experts_score_from_their_todo_and_the_approver_decides_on_a_phone(
    desktop: Page, phone: Page, platform: Platform, api: Api, screenshots: Path
):
    gateway = platform.urls["gateway"]
    page = desktop
    title = f"奉贤智慧校园评审 {uuid.uuid4().hex[:6]}"
    project = await admitted_project(api, "fengxian", title, 120 * WAN)
    ok(
        await api.post(
            "bureau",
            f"/api/review/projects/{project}/prescreen",
            {"panel": ["data_bureau", "cyberspace", "finance", "police", "city_operations"]},
        )
    )
    field = f"教育信息化-{uuid.uuid4().hex[:4]}"  # a field only this journey's expert has: the draw is known

    # --- The bureau enters the expert (linked to the sign-in 「expert2」) in the pool from 业务办理. The other
    # review tests use 「expert」: a sign-in links to one expert, who cools off from a unit after a panel.
    await sign_in(page, gateway, "bureau", "数据局 项目科")
    await page.goto(f"{gateway}/actions")
    await page.get_by_test_id("desk-review").get_by_text("专家入库", exact=True).click()
    form = page.get_by_test_id("action-form")
    await form.get_by_label("名称", exact=True).fill("评审专家 李工")
    await form.get_by_label("工作单位", exact=True).fill("上海某大学")
    tags = form.get_by_label("专业领域", exact=True)
    await tags.fill(field)
    await tags.press("Enter")
    await form.get_by_label("使用主体", exact=True).fill("expert2")
    await submit_action(page)
    pool = ok(await api.get("bureau", "/api/review/experts", params={"limit": 200}))["items"]
    assert any(field in expert["fields"] and expert["user_subject"] == "expert2" for expert in pool)

    # --- It draws the expert from the project's page (the draw is offered there, the project filled in).
    await page.goto(f"{gateway}/projects/{project}")
    await act(page, "抽取专家")
    form = page.get_by_test_id("action-form")
    await expect(form.get_by_label("项目编号", exact=True)).to_have_count(0)
    tags = form.get_by_label("专业领域", exact=True)
    await tags.fill(field)
    await tags.press("Enter")
    await form.get_by_label("数量", exact=True).fill("1")
    await submit_action(page)
    drawn = await reached(api, "expert2", f"/api/review/projects/{project}")
    assert drawn["step"] == "scheme_review"

    # --- The drawn expert finds the project in the 待办 and scores each dimension on a labelled sheet.
    await sign_in(page, gateway, "expert2", "评审专家 李工")
    todo = page.get_by_test_id("todo-list").locator(f'[data-project="{project}"]').first
    await expect(todo).to_contain_text("项建方案评审并评分")
    await shoot_both(page, screenshots, "experts-todo")
    await todo.get_by_role("link").first.click()
    sheet = page.get_by_test_id("sheet-scores")
    await expect(sheet).to_be_visible()
    await expect(page.get_by_test_id("action-form")).not_to_contain_text("necessity")
    for dimension, score in (
        ("建设必要性", 18),
        ("方案科学性", 16),
        ("集约共享性", 15),
        ("安全可行性", 17),
        ("经费合理性", 14),
    ):
        await sheet.get_by_label(dimension, exact=True).fill(str(score))
    await page.get_by_test_id("sheet-comments").get_by_label("经费合理性", exact=True).fill("硬件投入偏高，建议压缩")
    await page.get_by_test_id("action-form").get_by_label("意见", exact=True).fill("方案可行")
    await shoot_both(page, screenshots, "experts-score-sheet")
    await submit_action(page)

    # --- The bureau concludes the scheme review: the pass rule (fengxian:第十八条,第十九条) decides on the sheet.
    await sign_in(page, gateway, "bureau", "数据局 项目科")
    await page.goto(f"{gateway}/projects/{project}")
    await act(page, "方案评审结果")
    await page.get_by_test_id("action-form").get_by_label("意见", exact=True).fill("专家评分通过，报请审批")
    await submit_action(page)
    case = ok(await api.get("bureau", f"/api/review/projects/{project}"))
    assert case["scheme_result"]["passed"] and case["scheme_result"]["mean_total_score"] == 80, case["scheme_result"]
    assert [step["role"] for step in case["steps"]] == ["data_bureau"], case

    # --- The approver decides from the 待办 on a phone, the expert's scores in view.
    await sign_in(phone, gateway, "bureau", "数据局 项目科")
    await no_sideways_scroll(phone)
    item = phone.get_by_test_id("todo-list").locator(f'[data-project="{project}"]').first
    await expect(item).to_contain_text(title)
    await item.get_by_role("link").first.click()
    await expect(phone.get_by_test_id("approval-chain")).to_contain_text("第 1 步")
    await expect(phone.get_by_test_id("review-scores")).to_contain_text("80")
    await no_sideways_scroll(phone)
    await phone.screenshot(path=str(screenshots / "journey-experts-approval-390.png"), full_page=True)
    decision = phone.get_by_test_id("approval-form")
    await decision.get_by_label("审批意见").fill("同意立项")
    await decision.get_by_role("button", name="提 交").click()
    await expect(phone.get_by_test_id("approvals-list")).not_to_contain_text(title)
    assert ok(await api.get("bureau", f"/api/review/projects/{project}"))["stage"] == "approved"
