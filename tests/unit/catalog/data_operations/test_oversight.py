"""Fengxian's oversight of public data operation. fengxian:第三十六条 "指导监督数据运营商开展公共数据运营服务人员和场地
管理工作": the bureau records a supervision of an operator with a finding on its staff and one on its premises; one
without either is refused naming the rule and the article. fengxian:第三十七条 "并开展公共数据运营绩效评估": finance
(and no one else) evaluates the year's performance, against published indicators, once a year."""

from __future__ import annotations

from shared import clock
from shared.auth import Role
from shared.policy import packs
from tests.unit.catalog.data_operations.test_tasks import BASE, key, registered_operator

SUPERVISION = "catalog.data_operation.operator_supervision"
EVALUATION = "catalog.data_operation.performance_evaluation"
FINDINGS = {
    "staff_finding": "驻场人员持证上岗，保密协议齐全",
    "premises_finding": "机房门禁和监控正常",
    "conforming": True,
}


async def test_a_supervision_covers_the_staff_and_the_premises(hub):
    operator = await registered_operator(hub)
    path = f"{BASE}/operators/{operator}/supervision"
    refused = await hub.post(path, {**FINDINGS, "premises_finding": " "}, key=key())
    assert refused.status_code == 422, refused.text
    [violation] = refused.json()["violations"]
    assert (violation["rule_id"], violation["citation"]) == (SUPERVISION, "fengxian:第三十六条")
    assert "服务场地管理" in violation["message_zh"]
    assert (await hub.post(path, FINDINGS, Role.FINANCE, key=key())).status_code == 403
    recorded = await hub.post(path, FINDINGS, key=key())
    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    assert (body["kind"], body["operator_id"], body["passed"]) == ("operator_supervision", operator, True)
    assert (body["rule_id"], body["citation"]) == (SUPERVISION, "fengxian:第三十六条")
    assert body["findings"] == {"staff": FINDINGS["staff_finding"], "premises": FINDINGS["premises_finding"]}
    listed = (await hub.get(f"{BASE}/oversight", params={"kind": "operator_supervision"})).json()
    assert [row["id"] for row in listed] == [body["id"]]


async def published_indicator(hub) -> None:
    body = {"jurisdiction": "fengxian", "year": clock.today().year, "name": "数据归集率", "target": "≥95%"}
    indicator = (await hub.post(f"{BASE}/indicators", body, key=key())).json()
    await hub.post(f"{BASE}/indicators/{indicator['id']}/approve", subject="reviewer")
    assert (await hub.post(f"{BASE}/indicators/{indicator['id']}/target-review", role=Role.FINANCE)).status_code == 200
    assert (await hub.post(f"{BASE}/indicators/{indicator['id']}/publish")).json()["status"] == "published"


async def test_finance_evaluates_the_years_performance_against_published_indicators(hub):
    year = clock.today().year
    evaluation = {
        "jurisdiction": "fengxian",
        "year": year,
        "passed": True,
        "score": 88,
        "report_ref": "奉财绩〔2026〕1号",
    }
    path = f"{BASE}/performance-evaluations"
    assert (await hub.post(path, evaluation, key=key())).status_code == 403  # the bureau does not evaluate
    without = await hub.post(path, evaluation, Role.FINANCE, key=key())
    assert without.status_code == 422, without.text
    assert without.json()["violations"][0]["rule_id"] == EVALUATION
    assert without.json()["violations"][0]["citation"] == "fengxian:第三十七条"
    await published_indicator(hub)
    done = await hub.post(path, evaluation, Role.FINANCE, key=key())
    assert done.status_code == 201, done.text
    assert (done.json()["kind"], done.json()["year"], done.json()["score"]) == ("performance_evaluation", year, 88)
    assert done.json()["findings"] == {"indicators_published": 1}
    again = await hub.post(path, evaluation, Role.FINANCE, key=key())
    assert again.status_code == 409


def test_only_fengxian_has_the_two_oversight_rules() -> None:
    for pack_id in ("dazhou", "quzhou", "jiyuan", "suqian"):
        assert not packs.get(pack_id).has(SUPERVISION) and not packs.get(pack_id).has(EVALUATION)
