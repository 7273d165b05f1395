"""Plan contents where the plan is submitted (dazhou:第十一条 self-build technical plan with its integration and
sharing chapter; dazhou:第十二条 purchase-of-service plan): the scheme review checks the stated contents."""

from __future__ import annotations

from tests.unit.review.conftest import WAN

POS_PLAN = [
    "necessity_technical_economic_analysis",
    "resource_sharing_analysis",
    "security_requirements",
    "build_vs_buy_comparison",
    "funding_needs",
    "tender_procurement_plan",
    "goals_and_service_needs",
]
PURCHASE = {
    "implementation_mode": "purchase_of_service",
    "service_fee_total_fen": 200 * WAN,
    "self_build_total_fen": 300 * WAN,
    "potential_providers": 3,
}


async def _scheme(review, project: str, implementation: dict):
    return await review.post(
        f"/api/review/projects/{project}/scheme-review", {"passed": True, "implementation": implementation}
    )


async def test_a_self_build_plan_without_its_sharing_chapter_is_refused(review):
    project = await review.admit(amount_fen=350 * WAN)
    implementation = {"implementation_mode": "self_build", "plan_elements": ["technical_plan"]}
    refused = await _scheme(review, project, implementation)
    assert refused.status_code == 422, refused.text
    [violation] = refused.json()["violations"]
    assert violation["rule_id"] == "review.self_build_plan" and violation["citation"] == "dazhou:第十一条"
    assert "共享开放分析专篇" in violation["message_zh"]
    implementation["plan_elements"].append("integration_sharing_chapter")
    assert (await _scheme(review, project, implementation)).status_code == 200


async def test_a_purchase_of_service_plan_names_every_missing_content(review):
    project = await review.admit(amount_fen=350 * WAN)
    refused = await _scheme(review, project, {**PURCHASE, "plan_elements": POS_PLAN[:-2]})
    assert refused.status_code == 422, refused.text
    [violation] = refused.json()["violations"]
    assert violation["rule_id"] == "review.purchase_of_service_plan" and violation["citation"] == "dazhou:第十二条"
    assert "招标和采购方案" in violation["message_zh"] and "明确主要目标、服务需求" in violation["message_zh"]
    assert "经费需求" not in violation["message_zh"]
    done = await _scheme(review, project, {**PURCHASE, "plan_elements": POS_PLAN})
    assert done.status_code == 200, done.text
    history = (await review.get(f"/api/review/projects/{project}/history")).json()
    checked = {d["rule_id"]: d["outcome"] for d in history["decisions"] if d["action"] == "implementation.checked"}
    assert checked["review.purchase_of_service_plan"] == "pass" and checked["review.purchase_of_service"] == "pass"


async def test_without_stated_contents_the_plan_rules_are_not_asked(review):
    project = await review.admit(amount_fen=350 * WAN)
    assert (await _scheme(review, project, PURCHASE)).status_code == 200
