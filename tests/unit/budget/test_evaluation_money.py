"""Evaluation results decide money: a failed evaluation caps next year's O&M money at the year before's
(dazhou:第五十二条; quzhou:三(四); fengxian:第三十一条,第三十二条; suqian:(八)); jiyuan's text has no such link.

The texts make the result a basis of the money without saying how much: the refusal cites the jurisdiction's own
article, and the rule's note marks the cap as the platform's reading (as the 30-day 限期整改 under 第五十三条)."""

from __future__ import annotations

from datetime import date

import pytest

from shared import clock
from shared.auth import Role
from shared.contracts.catalog import EvaluationCompleted, SystemRegistered
from tests.unit.budget.conftest import UNIT, WAN, travel

#: jurisdiction → (the evaluation kind its rule reads, the citation a refusal carries)
CASES = {
    "dazhou": ("post_evaluation", "dazhou:第五十二条"),
    "quzhou": ("operation_evaluation", "quzhou:三(四)"),
    "fengxian": ("om_evaluation", "fengxian:第三十一条,第三十二条"),
    "suqian": ("post_evaluation", "suqian:(八)"),
}


def _violations(response) -> list[tuple[str, str]]:
    return [(v["rule_id"], v["citation"]) for v in response.json().get("violations", [])]


async def _system(budget, jurisdiction: str) -> str:
    project = await budget.with_estimate(300 * WAN, jurisdiction=jurisdiction)
    await budget.accept(project, jurisdiction=jurisdiction, items=[("crypto_review", True), ("mlps_test", True)])
    system = f"S-{project}"
    await budget.deliver(
        SystemRegistered(
            project_id=project, system_id=system, unit=UNIT, jurisdiction=jurisdiction, registered_on=clock.today()
        )
    )
    return system


def _evaluated(system: str, kind: str, passed: bool, on: date) -> EvaluationCompleted:
    return EvaluationCompleted(
        project_id=system.removeprefix("S-"),
        system_id=system,
        unit=UNIT,
        kind=kind,
        passed=passed,
        score=None,
        rule_id="catalog.post_evaluation",
        citation="x:y",
        completed_on=on,
    )


async def _om(budget, system: str, year: int, amount_fen: int, *, approve: bool):
    body = {"system_id": system, "funding_year": year, "om_type": "new", "amount_fen": amount_fen}
    if year > 2027:
        body |= {"om_type": "continued", "reassessed": True}
    response = await budget.unit_post("/om-budgets", body)
    if approve:
        assert response.status_code == 201, response.text
        path = f"/om-budgets/{response.json()['id']}/approval"
        if response.json()["jurisdiction"] == "fengxian":  # the bureau reviews first (fengxian:第二十九条)
            assert (await budget.post(path, None, Role.DATA_BUREAU)).status_code == 200
        approved = await budget.post(path, None, Role.FINANCE)
        assert approved.status_code == 200, approved.text
    return response


@pytest.mark.parametrize("jurisdiction", sorted(CASES))
async def test_a_failed_evaluation_caps_next_years_om_money_at_the_year_befores(budget, jurisdiction):
    kind, citation = CASES[jurisdiction]
    travel(date(2026, 9, 1))
    system = await _system(budget, jurisdiction)
    await _om(budget, system, 2027, 30 * WAN, approve=True)

    travel(date(2027, 9, 1))
    await budget.deliver(_evaluated(system, kind, False, clock.today()))
    # at the boundary: exactly last year's amount is arranged, one fen more is refused with the jurisdiction's text
    over = await _om(budget, system, 2028, 30 * WAN + 1, approve=False)
    assert over.status_code == 422, over.text
    assert _violations(over) == [("budget.om_evaluation_result", citation)]
    violation = over.json()["violations"][0]
    assert "绩效评价未通过" in violation["message_zh"]
    await _om(budget, system, 2028, 30 * WAN, approve=True)


async def test_with_no_om_money_the_year_before_a_failed_evaluation_stops_it_and_a_pass_restores_it(budget):
    travel(date(2026, 9, 1))
    system = await _system(budget, "dazhou")
    await budget.deliver(_evaluated(system, "post_evaluation", False, clock.today()))
    refused = await _om(budget, system, 2027, 1, approve=False)
    assert _violations(refused) == [("budget.om_evaluation_result", "dazhou:第五十二条")]

    # an older result arriving late does not lift the bar; the rectified system's passing evaluation does
    await budget.deliver(_evaluated(system, "post_evaluation", True, date(2026, 1, 1)))
    assert (await _om(budget, system, 2027, 1, approve=False)).status_code == 422
    await budget.deliver(_evaluated(system, "post_evaluation", True, clock.today()))
    assert (await _om(budget, system, 2027, 40 * WAN, approve=False)).status_code == 201


async def test_a_request_made_before_the_failure_is_capped_at_finances_approval(budget):
    travel(date(2026, 9, 1))
    system = await _system(budget, "dazhou")
    requested = await _om(budget, system, 2027, 10 * WAN, approve=False)
    assert requested.status_code == 201
    await budget.deliver(_evaluated(system, "self_evaluation", False, clock.today()))
    refused = await budget.post(f"/om-budgets/{requested.json()['id']}/approval", None, Role.FINANCE)
    assert refused.status_code == 422 and _violations(refused) == [("budget.om_evaluation_result", "dazhou:第五十二条")]


async def test_kinds_the_text_does_not_link_to_money_and_jiyuan_leave_om_money_alone(budget):
    travel(date(2026, 9, 1))
    system = await _system(budget, "dazhou")
    # a construction-period monitoring report is no evaluation of a running system
    await budget.deliver(_evaluated(system, "construction_monitoring", False, clock.today()))
    assert (await _om(budget, system, 2027, 10 * WAN, approve=False)).status_code == 201
    # quzhou's rule reads only its operation evaluation (quzhou:三(四)), not a self-evaluation
    qz = await _system(budget, "quzhou")
    await budget.deliver(_evaluated(qz, "self_evaluation", False, clock.today()))
    assert (await _om(budget, qz, 2027, 10 * WAN, approve=False)).status_code == 201


def test_the_rule_rests_on_each_own_text_with_the_cap_marked_as_a_reading():
    from shared.policy import packs

    packs.load_all()
    assert not packs.get("jiyuan").has("budget.om_evaluation_result")
    for jurisdiction, (_, citation) in CASES.items():
        rule = packs.get(jurisdiction).rule("budget.om_evaluation_result")
        assert rule.citation == citation and rule.basis == "own_text" and not rule.inherited
        assert rule.note and "上一年度核定数" in rule.note  # the cap is marked as the platform's reading
