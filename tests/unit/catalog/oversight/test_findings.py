"""Supervision findings: recording, rectification, the escalation ladder on the injected clock, rounds."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from services.catalog.oversight import domain
from shared import clock
from shared.auth import Role
from shared.policy import packs

UNIT = "达州市教育局"
FINDINGS = "/api/catalog/findings"


def key() -> str:
    return uuid.uuid4().hex


# --- domain on the real packs ------------------------------------------------------------------------------


def test_ladder_steps_in_order_and_stops_at_termination():
    pack = packs.get("dazhou")
    seen, step = [], None
    while (escalation := domain.next_step(pack, step)) is not None:
        seen.append(escalation.step)
        step = escalation.step
        assert escalation.decision.citation == "dazhou:第五十三条"
    assert seen == ["public_criticism", "plan_deferred", "suspended", "terminated"]


def test_every_pack_has_the_ladder_and_the_period():
    for pack_id in ("dazhou", "quzhou", "jiyuan", "fengxian", "suqian"):
        pack = packs.get(pack_id)
        assert domain.next_step(pack, None).step == "public_criticism"
        decision, due = domain.rectification_due(pack, date(2026, 3, 1))
        assert due == date(2026, 3, 31) and decision.rule_id == domain.RECTIFICATION


def test_supervisors_differ_by_pack():
    assert domain.supervising_role(packs.get("dazhou"), ["police"])[1] == "police"
    assert domain.supervising_role(packs.get("dazhou"), ["unit"])[1] is None
    # Quzhou's smart-city office leads (quzhou:三(四)); its police is not among the supervisors
    decision, role = domain.supervising_role(packs.get("quzhou"), ["police"])
    assert role is None and decision.citation == "quzhou:三(四)"
    assert domain.supervising_role(packs.get("quzhou"), ["leading_office"])[1] == "leading_office"
    assert domain.supervising_role(packs.get("jiyuan"), ["audit"])[1] == "audit"
    assert domain.supervising_role(packs.get("fengxian"), ["audit"])[1] is None


def test_areas_are_the_checked_ones():
    pack = packs.get("dazhou")
    assert domain.area_decision(pack, "estimate_control").passed
    refused = domain.area_decision(pack, "catering")
    assert not refused.passed and refused.citation == "dazhou:第五十三条"


def test_midterm_round_only_in_quzhou_at_the_middle():
    plan = domain.midterm_round(packs.get("quzhou"), date(2026, 1, 1), date(2026, 12, 31))
    assert plan.scheduled_on == date(2026, 7, 2) and "leading_office" in plan.departments
    assert domain.midterm_round(packs.get("dazhou"), date(2026, 1, 1), date(2026, 12, 31)) is None


# --- handlers and API on SQLite ----------------------------------------------------------------------------


async def test_unknown_project_is_404_and_unapproved_is_409(hub):
    response = await hub.post(FINDINGS, {"project_id": "P-nope", "area": "quality"}, key=key())
    assert response.status_code == 404


async def test_bad_area_and_non_supervisor_are_refused_with_citations(hub):
    project = await hub.approved_project()
    bad = await hub.post(FINDINGS, {"project_id": project, "area": "catering"}, key=key())
    assert bad.status_code == 422
    assert bad.json()["violations"][0]["citation"] == "dazhou:第五十三条"
    # the procurement centre is no supervising department in dazhou's pack
    refused = await hub.post(FINDINGS, {"project_id": project, "area": "quality"}, Role.DRC, key=key())
    assert refused.status_code == 403 and refused.json()["citation"] == "dazhou:第五十三条"


async def test_rectification_by_another_unit_is_refused(hub):
    project = await hub.approved_project()
    finding = (await hub.post(FINDINGS, {"project_id": project, "area": "funds"}, key=key())).json()
    other = await hub.post(
        f"{FINDINGS}/{finding['id']}/rectification", {"report": "改了"}, Role.UNIT, unit="达州市民政局", key=key()
    )
    assert other.status_code == 403
    assert other.json()["citation"] == "dazhou:第五十三条"


async def test_unanswered_finding_escalates_one_step_per_period_until_terminated(hub):
    project = await hub.approved_project()
    created = await hub.post(
        FINDINGS, {"project_id": project, "area": "progress", "description": "进度滞后"}, key=key()
    )
    assert created.status_code == 201, created.text
    finding = created.json()
    assert finding["rectify_by"] == (clock.today() + timedelta(days=30)).isoformat()
    await hub.sweep()
    assert await hub.events("catalog.finding.escalated.v1") == []  # not overdue yet
    steps = []
    for _ in range(5):
        clock.advance(timedelta(days=31))
        await hub.sweep()
        await hub.sweep()  # a second sweep the same day does not skip a step
        steps = [e["step"] for e in await hub.events("catalog.finding.escalated.v1")]
    assert steps == ["public_criticism", "plan_deferred", "suspended", "terminated"]
    events = await hub.events("catalog.finding.escalated.v1")
    assert {e["citation"] for e in events} == {"dazhou:第五十三条"} and {e["project_id"] for e in events} == {project}
    detail = (await hub.get(f"{FINDINGS}/{finding['id']}")).json()
    assert detail["status"] == "terminated"
    escalations = [h for h in detail["history"] if h["action"] == "escalated"]
    assert [h["step"] for h in escalations] == steps
    assert all(
        h["actor"] == "system:escalation-sweeper" and h["reason"].startswith("not rectified") for h in escalations
    )


async def test_rectified_finding_stops_escalating_and_is_resolved(hub):
    project = await hub.approved_project()
    finding = (await hub.post(FINDINGS, {"project_id": project, "area": "crypto"}, Role.CRYPTO, key=key())).json()
    clock.advance(timedelta(days=31))
    await hub.sweep()
    answered = await hub.post(
        f"{FINDINGS}/{finding['id']}/rectification", {"report": "已整改"}, Role.UNIT, unit=UNIT, key=key()
    )
    assert answered.status_code == 201 and answered.json()["status"] == "rectification_submitted"
    clock.advance(timedelta(days=40))
    await hub.sweep()  # answered: waiting for review, no escalation
    assert [e["step"] for e in await hub.events("catalog.finding.escalated.v1")] == ["public_criticism"]
    reviewed = await hub.post(f"{FINDINGS}/{finding['id']}/review", {"accepted": True}, Role.CRYPTO, key=key())
    assert reviewed.json()["status"] == "resolved"
    resolved = await hub.events("catalog.finding.resolved.v1")
    assert [r["finding_id"] for r in resolved] == [finding["id"]]
    clock.advance(timedelta(days=100))
    await hub.sweep()
    assert len(await hub.events("catalog.finding.escalated.v1")) == 1


async def test_rejected_rectification_escalates_at_once(hub):
    project = await hub.approved_project()
    finding = (await hub.post(FINDINGS, {"project_id": project, "area": "quality"}, key=key())).json()
    await hub.post(f"{FINDINGS}/{finding['id']}/rectification", {"report": "x"}, Role.UNIT, unit=UNIT, key=key())
    rejected = await hub.post(
        f"{FINDINGS}/{finding['id']}/review", {"accepted": False, "reason": "仍不符合"}, key=key()
    )
    body = rejected.json()
    assert body["status"] == "open" and body["step"] == "public_criticism"
    assert body["rectify_by"] == (clock.today() + timedelta(days=30)).isoformat()
    again = await hub.post(f"{FINDINGS}/{finding['id']}/review", {"accepted": True}, key=key())
    assert again.status_code == 409  # nothing awaiting review


async def test_unit_finding_and_secret_project_text(hub):
    unit_finding = await hub.post(
        FINDINGS, {"unit": UNIT, "jurisdiction": "dazhou", "area": "information_sharing"}, key=key()
    )
    assert unit_finding.status_code == 201 and unit_finding.json()["project_id"] is None
    secret = await hub.approved_project(secret=True)
    finding = await hub.post(FINDINGS, {"project_id": secret, "area": "funds", "description": "涉密内容"}, key=key())
    read_by_finance = (await hub.get(f"{FINDINGS}/{finding.json()['id']}", Role.FINANCE)).json()
    assert read_by_finance["description"] is None
    recorded = await hub.events("catalog.finding.recorded.v1")
    assert all("description" not in e for e in recorded)


async def test_quzhou_midterm_round_is_scheduled_and_held(hub):
    today = clock.today()
    project = await hub.approved_project("quzhou", "衢州市教育局", contract=(today, today + timedelta(days=200)))
    rounds = (await hub.get("/api/catalog/supervision-rounds", params={"project_id": project})).json()
    assert len(rounds) == 1 and rounds[0]["scheduled_on"] == (today + timedelta(days=100)).isoformat()
    assert rounds[0]["citation"] == "quzhou:三(四)"
    held = await hub.post(
        f"/api/catalog/supervision-rounds/{rounds[0]['id']}/hold",
        {"conclusion": "发现问题一项", "findings": [{"area": "progress"}]},
        Role.LEADING_OFFICE,
        key=key(),
    )
    assert held.status_code == 201, held.text
    assert len(held.json()["findings"]) == 1
    dazhou = await hub.approved_project(contract=(today, today + timedelta(days=200)))
    assert (await hub.get("/api/catalog/supervision-rounds", params={"project_id": dazhou})).json() == []
