"""fengxian:第五条: "区财政局……确定采购方式" and the data bureau "审核招标文件". A filed Fengxian plan goes to finance,
who decides the method (an approval without one is refused naming the rule, the article and the field), then to
the bureau, who reviews the tender documents; each step takes only its own role (403 citing the article) and is
recorded with its rule; only then does the organiser publish, with finance's method. Dazhou's plan has no such steps."""

from __future__ import annotations

from datetime import timedelta

from services.procurement import domain
from shared import clock
from shared.auth import Role
from shared.policy import packs
from tests.unit.procurement.conftest import WAN

ESTIMATE = 300 * WAN


def tender_body(**extra) -> dict:
    today = clock.today()
    return {
        "title": "奉贤一网统管平台",
        "ceiling_fen": ESTIMATE,
        "published_on": (today - timedelta(days=40)).isoformat(),
        "bid_deadline": (today - timedelta(days=20)).isoformat(),
        **extra,
    }


async def test_finance_decides_the_method_and_the_bureau_reviews_before_the_tender(procurement):
    project = await procurement.project(ESTIMATE, "fengxian")
    filed = await procurement.post(
        f"/projects/{project}/plan", {"control_price_fen": ESTIMATE, "method": "open_tender"}
    )
    assert filed.status_code == 201, filed.text
    plan = filed.json()
    assert plan["steps"] == ["finance", "data_bureau", "procurement_center"]
    assert plan["reviews_pending"] == ["finance", "data_bureau"]
    # the organiser cannot publish yet
    early = await procurement.post(f"/projects/{project}/tenders", tender_body(), Role.PROCUREMENT_CENTER)
    assert early.status_code == 409, early.text
    # the bureau may not go before finance; finance's step is finance's
    review = f"/projects/{project}/plan/review"
    out_of_turn = await procurement.post(review, {"approve": True}, Role.DATA_BUREAU)
    assert out_of_turn.status_code == 403 and out_of_turn.json()["citation"] == "fengxian:第五条"
    no_method = await procurement.post(review, {"approve": True}, Role.FINANCE)
    assert no_method.status_code == 422, no_method.text
    [violation] = no_method.json()["violations"]
    assert (violation["rule_id"], violation["citation"], violation["field"]) == (
        "procurement.method_decision",
        "fengxian:第五条",
        "method",
    )
    decided = await procurement.post(review, {"approve": True, "method": "competitive_consultation"}, Role.FINANCE)
    assert decided.status_code == 200, decided.text
    assert decided.json()["plan"]["method"] == "competitive_consultation"
    assert decided.json()["plan"]["reviews_pending"] == ["data_bureau"]
    reviewed = await procurement.post(review, {"approve": True, "comment": "招标文件审核通过"}, Role.DATA_BUREAU)
    assert reviewed.status_code == 200 and reviewed.json()["plan"]["reviews_pending"] == []
    # the tender uses finance's method
    other = await procurement.post(
        f"/projects/{project}/tenders", tender_body(method="open_tender"), Role.PROCUREMENT_CENTER
    )
    assert other.status_code == 422 and other.json()["violations"][0]["field"] == "method"
    tender = await procurement.post(f"/projects/{project}/tenders", tender_body(), Role.PROCUREMENT_CENTER)
    assert tender.status_code == 201, tender.text
    assert tender.json()["method"] == "competitive_consultation"


def test_the_review_steps_are_fengxians_own_and_name_their_roles() -> None:
    fengxian = packs.get("fengxian")
    reviews = domain.plan_reviews(fengxian)
    assert [(d.rule_id, d.citation, d.value["steps"]) for d in reviews] == [
        ("procurement.method_decision", "fengxian:第五条", ["finance"]),
        ("procurement.tender_document_review", "fengxian:第五条", ["data_bureau"]),
    ]
    assert domain.review_rule(fengxian, "finance") == "procurement.method_decision"
    assert domain.review_rule(packs.get("jiyuan"), "leading_office") == "procurement.organiser"
    for other in ("dazhou", "quzhou", "jiyuan", "suqian"):
        assert domain.plan_reviews(packs.get(other)) == []
