"""Budget publishes the steps that wait on another role (issue 17): the estimate filed with the technical
plan (the bureau's review) and the control price submitted (finance's review), each with its due date."""

from __future__ import annotations

from datetime import date

from shared.auth import Role
from tests.unit.budget.conftest import PLAN, UNIT, WAN, travel


async def test_the_filed_estimate_and_the_submitted_control_price_are_published_with_their_due_dates(budget):
    travel(date(2026, 9, 10))
    project = await budget.approved_project()
    await budget.unit_post(f"/projects/{project}/consultation", {"published_on": "2026-09-10", "ends_on": "2026-09-17"})
    travel(date(2026, 9, 28))
    assert await budget.events("budget.estimate.filed.v1") == []
    plan = await budget.unit_post(f"/projects/{project}/technical-plan", PLAN)
    assert plan.status_code == 200, plan.text
    (filed,) = await budget.events("budget.estimate.filed.v1")
    assert filed["project_id"] == project and filed["unit"] == UNIT
    # the bureau's 第三十七条 deadline row, as budget opened it
    assert filed["filed_on"] == "2026-09-28" and filed["review_due"] == "2026-10-16"

    reviewed = await budget.post(
        f"/projects/{project}/technical-review", {"passed": True, "estimate_fen": 900 * WAN}, Role.DATA_BUREAU
    )
    assert reviewed.status_code == 200
    refused = await budget.unit_post(f"/projects/{project}/control-price", {"control_price_fen": 900 * WAN + 1})
    assert refused.status_code == 422
    assert await budget.events("budget.control_price.submitted.v1") == []  # a refusal publishes nothing
    submitted = await budget.unit_post(f"/projects/{project}/control-price", {"control_price_fen": 880 * WAN})
    assert submitted.status_code == 200
    (event,) = await budget.events("budget.control_price.submitted.v1")
    due = (await budget.deadlines(project))["budget.control_price_review_due"].due_on
    assert event["control_price_fen"] == 880 * WAN and event["review_due"] == due.isoformat()
    assert event["submitted_on"] == "2026-09-28"
