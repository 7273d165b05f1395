"""fengxian:第五条: "区公安分局(网安支队)负责本区数字化项目的国家重要信息系统等级保护定级、备案等工作" — a Fengxian
project is accepted (and so enters the catalog) only with the police's MLPS grading and filing and the
cryptography administration's secure-and-reliable review (区委办(区密码管理局)) recorded; the
refusal names the rule and the article. Dazhou's text has no such item and does not ask for it."""

from __future__ import annotations

from datetime import date

from services.acceptance import domain
from shared.policy import packs
from tests.unit.acceptance.conftest import ALL_ITEMS, FENGXIAN_ITEMS, citations, ok, problem, rule_ids
from tests.unit.acceptance.test_fengxian_path import ORGANISE, PASSED, P, applied

RULE = "acceptance.mlps_filing"
REVIEW = "acceptance.secure_reliable_review"


async def test_completion_acceptance_without_the_police_filing_is_refused_then_accepted_with_it(service):
    await applied(service)
    service.travel(date(2026, 3, 20))
    ok(await service.post("bureau", f"/projects/{P}/organise", ORGANISE))
    without = {**PASSED, "items": ALL_ITEMS}
    refused = problem(await service.post("bureau", f"/projects/{P}/completion-acceptance", without), 422)
    assert rule_ids(refused) == {RULE, REVIEW} and citations(refused) == {"fengxian:第五条"}
    messages = {v["rule_id"]: v["message_zh"] for v in refused["violations"]}
    assert "等级保护定级、备案" in messages[RULE] and "区密码管理局" in messages[REVIEW]
    # filed but not passed counts as missing
    review = {"kind": "secure_reliable_review", "passed": True}
    not_filed = {**PASSED, "items": [*ALL_ITEMS, review, {"kind": "mlps_filing", "passed": False}]}
    assert rule_ids(problem(await service.post("bureau", f"/projects/{P}/completion-acceptance", not_filed), 422)) == {
        RULE
    }
    body = ok(await service.post("bureau", f"/projects/{P}/completion-acceptance", PASSED))
    assert body["stage"] == "accepted"
    assert any(r.rule_id == RULE and r.outcome == "pass" for r in await service.decisions(P))


def test_only_fengxian_asks_for_the_filing_and_quotes_its_own_text() -> None:
    fengxian = packs.get("fengxian")
    assert fengxian.rule(RULE).basis == "own_text" and fengxian.rule(RULE).citation == "fengxian:第五条"
    items = {item["kind"]: item["passed"] for item in FENGXIAN_ITEMS}
    assert not domain.refusals(domain.item_decisions(fengxian, items))
    assert not packs.get("dazhou").has(RULE) and not packs.get("dazhou").has(REVIEW)
    dazhou_items = {item["kind"]: item["passed"] for item in ALL_ITEMS}
    assert not domain.refusals(domain.item_decisions(packs.get("dazhou"), dazhou_items))
