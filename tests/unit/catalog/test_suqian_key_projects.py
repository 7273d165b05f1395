"""suqian:(八) "市數據局委托第三方機構對重點信息化項目開展專項績效評估": the bureau names a system a key project; it
then owes a special performance evaluation, filed by the bureau (who commissions it) naming the third party that
carried it out — without the third party, or by anyone else, it is refused naming the rule and the article. A
jurisdiction whose text has no such evaluation has no key projects."""

from __future__ import annotations

from shared.auth import Role
from shared.policy import packs

RULE = "catalog.key_project_evaluation"
UNIT = "宿迁市教育局"
RESULT = {"kind": "special_evaluation", "passed": True, "score": 86, "report_ref": "oss://govproj/sq-key-2027.pdf"}


async def test_a_key_project_owes_a_third_party_evaluation_the_bureau_commissioned(catalog):
    system_id = await catalog.accept("suqian", unit=UNIT)
    # not a key project yet: nothing of the kind is owed
    early = await catalog.post(f"/api/catalog/systems/{system_id}/evaluations", {**RESULT, "third_party": "某评估公司"})
    assert early.status_code == 409, early.text
    assert (
        await catalog.post(f"/api/catalog/systems/{system_id}/key-project", role=Role.UNIT, unit=UNIT)
    ).status_code == 403
    named = await catalog.post(f"/api/catalog/systems/{system_id}/key-project")
    assert named.status_code == 201, named.text
    assert (named.json()["kind"], named.json()["status"]) == ("special_evaluation", "due")
    assert (named.json()["rule_id"], named.json()["citation"]) == (RULE, "suqian:(八)")
    assert (await catalog.post(f"/api/catalog/systems/{system_id}/key-project")).status_code == 409
    # no third party named: refused, naming the rule and the field
    refused = await catalog.post(f"/api/catalog/systems/{system_id}/evaluations", RESULT)
    assert refused.status_code == 422, refused.text
    [violation] = refused.json()["violations"]
    assert (violation["rule_id"], violation["citation"], violation["field"]) == (RULE, "suqian:(八)", "third_party")
    # finance does not commission it
    by_finance = await catalog.post(
        f"/api/catalog/systems/{system_id}/evaluations", {**RESULT, "third_party": "某评估公司"}, Role.FINANCE
    )
    assert by_finance.status_code == 422 and by_finance.json()["violations"][0]["field"] == "principal"
    filed = await catalog.post(f"/api/catalog/systems/{system_id}/evaluations", {**RESULT, "third_party": "某评估公司"})
    assert filed.status_code == 201, filed.text
    assert (filed.json()["status"], filed.json()["passed"], filed.json()["score"]) == ("completed", True, 86)
    [event] = [e for e in await catalog.events("catalog.evaluation.completed.v1") if e["kind"] == "special_evaluation"]
    assert (event["rule_id"], event["citation"]) == (RULE, "suqian:(八)")


async def test_other_jurisdictions_have_no_key_project_evaluation(catalog):
    system_id = await catalog.accept("dazhou")
    answer = await catalog.post(f"/api/catalog/systems/{system_id}/key-project")
    assert answer.status_code == 409 and answer.json()["type"].endswith("/not-on-path")
    assert [p for p in ("dazhou", "quzhou", "jiyuan", "fengxian", "suqian") if packs.get(p).has(RULE)] == ["suqian"]


def test_a_failed_key_project_evaluation_limits_next_years_om_money_like_the_others() -> None:
    # suqian:(八) "評價結果與資金安排聯動": the special evaluation is one of the evaluations money follows
    facts = {"evaluation_failed": True, "evaluation_kind": "special_evaluation", "previous_om_amount_fen": 100}
    rule = "budget.om_evaluation_result"
    assert packs.get("suqian").decide(rule, {**facts, "om_amount_fen": 101}).outcome == "fail"
    assert packs.get("suqian").decide(rule, {**facts, "om_amount_fen": 100}).outcome == "pass"
