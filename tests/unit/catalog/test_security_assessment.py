"""Periodic network-security and cryptography testing of a running system (dazhou:第五十五条): the catalog
owes one of each per period (12 months, a local setting: the article says 定期 without a period), records each
filed assessment, opens the next period's deadline, and a failure becomes the live status that stops O&M money
(dazhou:第五十七条)."""

from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from shared import clock
from shared.auth import Role
from shared.policy import packs
from shared.policy.schema import LOCAL_SETTING_ZH

UNIT = "达州市教育局"
RULES = {"catalog.security_assessment", "catalog.crypto_assessment"}


async def _file(catalog, system_id: str, kind: str, passed: bool, role=Role.UNIT, unit=UNIT):
    body = {"kind": kind, "passed": passed, "report_ref": "oss://govproj/mlps-2027.pdf"}
    return await catalog.post(f"/api/catalog/systems/{system_id}/evaluations", body, role, unit=unit)


def _by_rule(rows) -> dict:
    return {row.rule_id: row for row in rows}


def test_the_period_is_a_local_setting_of_the_article_that_asks_for_periodic_testing() -> None:
    pack = packs.get("dazhou")
    for rule_id in RULES:
        rule = pack.rule(rule_id)
        assert rule.basis == "local_setting" and "定期开展检测和评估" in rule.basis_why
        assert rule.origin_citation == "dazhou:第五十五条"
        decision = pack.decide(rule_id, {"period_start_on": clock.today()})
        assert decision.basis_zh == LOCAL_SETTING_ZH and decision.rule_id == rule_id
    # the other jurisdictions' texts do not ask for it: not inherited
    assert not any(
        packs.get(other).has(rule_id) for other in ("fengxian", "jiyuan", "quzhou", "suqian") for rule_id in RULES
    )


async def test_a_new_system_owes_both_assessments_within_12_months_and_overdue_after(catalog):
    system_id = await catalog.accept()
    project = system_id[2:]
    due = clock.today() + relativedelta(months=12)
    deadlines = _by_rule(await catalog.deadlines(project))
    assert {rule: (deadlines[rule].due_on, deadlines[rule].status) for rule in RULES} == {
        rule: (due, "open") for rule in RULES
    }
    clock.advance(timedelta(days=(due - clock.today()).days))
    await catalog.runtime.sweep_once()
    assert _by_rule(await catalog.deadlines(project))["catalog.security_assessment"].status == "open"  # the last day
    clock.advance(timedelta(days=1))
    await catalog.runtime.sweep_once()
    deadlines = _by_rule(await catalog.deadlines(project))
    assert {deadlines[rule].status for rule in RULES} == {"overdue"}
    overdue = [e for e in await catalog.events("catalog.deadline.overdue.v1") if e["rule_id"] in RULES]
    assert len(overdue) == 2
    # filed late: recorded as late, and the next period counts from the day it was filed
    late = await _file(catalog, system_id, "security_assessment", True)
    assert late.status_code == 201, late.text
    assert late.json()["on_time"] is False
    security = _by_rule(await catalog.deadlines(project))["catalog.security_assessment"]
    assert (security.status, security.due_on) == ("open", clock.today() + relativedelta(months=12))
    assert _by_rule(await catalog.deadlines(project))["catalog.crypto_assessment"].status == "overdue"


async def test_a_filed_assessment_opens_the_next_period_and_a_failure_is_the_live_status(catalog):
    system_id = await catalog.accept()
    project = system_id[2:]
    clock.advance(timedelta(days=100))
    other = await _file(catalog, system_id, "crypto_assessment", False, unit="别的单位")
    assert other.status_code == 403
    failed = await _file(catalog, system_id, "crypto_assessment", False)
    assert failed.status_code == 201, failed.text
    assert failed.json()["on_time"] is True and failed.json()["passed"] is False
    system = (await catalog.get(f"/api/catalog/systems/{system_id}")).json()
    assert (system["crypto_status"], system["security_status"]) == ("failed", "unknown")
    [changed] = await catalog.events("catalog.system.security_changed.v1")
    assert changed["crypto_status"] == "failed" and changed["system_id"] == system_id
    evaluations = (await catalog.get(f"/api/catalog/systems/{system_id}/evaluations")).json()
    crypto = [(e["status"], e["due_on"]) for e in evaluations if e["kind"] == "crypto_assessment"]
    next_due = clock.today() + relativedelta(months=12)
    assert crypto == [("completed", str(clock.today() - timedelta(days=100) + relativedelta(months=12))),
                      ("due", str(next_due))]  # fmt: skip
    assert _by_rule(await catalog.deadlines(project))["catalog.crypto_assessment"].due_on == next_due
    # budget's question now answers no O&M money (dazhou:第五十七条)
    answer = (
        await catalog.get("/api/catalog/funding-eligibility", Role.FINANCE, params={"system_id": system_id})
    ).json()
    assert answer["om_funding_allowed"] is False, answer
    # a passing re-test lifts it; the status change is announced once more
    clock.advance(timedelta(days=30))
    assert (await _file(catalog, system_id, "crypto_assessment", True)).status_code == 201
    system = (await catalog.get(f"/api/catalog/systems/{system_id}")).json()
    assert system["crypto_status"] == "passed"
    assert len(await catalog.events("catalog.system.security_changed.v1")) == 2
    # the same result again changes no status and announces nothing
    clock.advance(timedelta(days=30))
    assert (await _file(catalog, system_id, "crypto_assessment", True)).status_code == 201
    assert len(await catalog.events("catalog.system.security_changed.v1")) == 2


async def test_a_retired_system_owes_no_more_assessments(catalog):
    system_id = await catalog.accept()
    project = system_id[2:]
    retire = {"reason": "permanent_stop", "filed_with_finance": True, "filed_with_bureau": True}
    retired = await catalog.post(f"/api/catalog/systems/{system_id}/retirement", retire)
    assert retired.status_code == 200, retired.text
    deadlines = _by_rule(await catalog.deadlines(project))
    assert {deadlines[rule].status for rule in RULES} == {"cancelled"}


async def test_an_assessment_leaves_a_standing_major_hazard_in_place(catalog):
    system_id = await catalog.accept()
    patched = await catalog.client.patch(
        f"/api/catalog/systems/{system_id}/security",
        json={"security_status": "hazard"},
        headers=catalog.headers(Role.POLICE),
    )
    assert patched.status_code == 200, patched.text
    clock.advance(timedelta(days=10))
    assert (await _file(catalog, system_id, "security_assessment", True)).status_code == 201
    assert (await _file(catalog, system_id, "security_assessment", False)).status_code == 201
    system = (await catalog.get(f"/api/catalog/systems/{system_id}")).json()
    assert system["security_status"] == "hazard"
    [changed] = await catalog.events("catalog.system.security_changed.v1")  # only the bureau's own change
    assert changed["security_status"] == "hazard"
