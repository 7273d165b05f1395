"""dazhou:第三十五条,第三十六条: no estimate before the 7-day price consultation and the technical plan."""

from __future__ import annotations

from datetime import date

from shared.auth import Role
from tests.unit.budget.conftest import PLAN, travel


def _citations(response) -> list[str]:
    return [v["citation"] for v in response.json().get("violations", [])]


async def _estimate(budget, project: str):
    return await budget.post(f"/projects/{project}/estimate", {"estimate_fen": 300_000_000}, Role.DATA_BUREAU)


async def test_the_estimate_waits_for_the_consultation_and_the_plan(budget):
    travel(date(2026, 9, 10))
    project = await budget.approved_project()
    published = await budget.unit_post(
        f"/projects/{project}/consultation", {"published_on": "2026-09-10", "ends_on": "2026-09-17"}
    )
    assert published.status_code == 200
    # day 6 of the consultation: neither its 7 days nor the plan
    travel(date(2026, 9, 16))
    early = await _estimate(budget, project)
    assert early.status_code == 422 and _citations(early) == ["dazhou:第三十五条,第三十六条"]
    missing = early.json()["violations"][0]["message_zh"]
    assert "价格咨询" in missing and "技术方案" in missing
    # the 7 days have run (17th) but no plan yet: still refused, now only for the plan
    travel(date(2026, 9, 18))
    no_plan = await _estimate(budget, project)
    assert no_plan.status_code == 422
    assert "技术方案" in no_plan.json()["violations"][0]["message_zh"]
    assert "价格咨询" not in no_plan.json()["violations"][0]["message_zh"].split("缺少")[-1]
    assert (await budget.unit_post(f"/projects/{project}/technical-plan", PLAN)).status_code == 200
    approved = await _estimate(budget, project)
    assert approved.status_code == 200 and approved.json()["stage"] == "estimate_approved"


async def test_a_returned_plan_must_come_again_before_the_estimate(budget):
    travel(date(2026, 9, 10))
    project = await budget.approved_project()
    await budget.unit_post(f"/projects/{project}/consultation", {"published_on": "2026-09-10", "ends_on": "2026-09-17"})
    travel(date(2026, 9, 20))
    assert (await budget.unit_post(f"/projects/{project}/technical-plan", PLAN)).status_code == 200
    returned = await budget.post(
        f"/projects/{project}/technical-review", {"passed": False, "opinion": "补充测算依据"}, Role.DATA_BUREAU
    )
    assert returned.status_code == 200 and returned.json()["stage"] == "plan_returned"
    refused = await _estimate(budget, project)
    assert refused.status_code == 422 and _citations(refused) == ["dazhou:第三十五条,第三十六条"]
    assert (await budget.unit_post(f"/projects/{project}/technical-plan", PLAN)).status_code == 200
    assert (await _estimate(budget, project)).status_code == 200


async def test_an_off_platform_timeline_and_a_revision_are_not_held(budget):
    # nothing published on the platform: the bureau records the estimate of a plan handled off it
    project = await budget.with_estimate(300_000_000)
    # and revises an approved estimate without running the timeline again
    assert (await _estimate(budget, project)).status_code == 200
