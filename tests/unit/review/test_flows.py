"""Review's flows through the API on SQLite: Fengxian's two stages with drawn experts, Quzhou's parallel
joint review and 3-day design approval, Suqian's six steps, draws, the annual plan and deferral."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from services.review.tables import schema
from shared import clock
from shared.contracts.catalog import FindingEscalated
from tests.unit.review.conftest import FENGXIAN_PANEL, WAN, sheet

FX_UNIT = "奉贤区教育局"


async def drawn_panel(review, project: str, unit: str = FX_UNIT, count: int = 3) -> tuple[dict, list[str]]:
    ids = [await review.expert(f"专家{i}", f"某大学{i}", user=f"exp{i}") for i in range(6)]
    await review.expert("本单位专家", unit)  # same employer: never drawn
    await review.expert("供应商关联专家", "某研究院", vendors=["甲公司"])  # vendor-linked: never drawn
    response = await review.post(
        "/api/review/expert-draws",
        {"project_id": project, "vendors": ["甲公司"], "fields": ["software"], "count": count},
        headers={"Idempotency-Key": f"draw-{project}"},
    )
    assert response.status_code == 201, response.text
    return response.json(), ids


async def test_fengxian_two_stages_with_drawn_experts_and_the_pass_rule(review):
    project = await review.admit("fengxian", 300 * WAN, unit=FX_UNIT)
    base = f"/api/review/projects/{project}"
    early = await review.post(f"{base}/scheme-review", {"passed": True})
    assert early.status_code == 409 and early.json()["stage"] == "prescreening"

    incomplete = await review.post(f"{base}/prescreen", {"panel": ["data_bureau"]})
    assert incomplete.status_code == 422
    assert incomplete.json()["violations"][0]["citation"] == "fengxian:第十六条"
    case = (await review.post(f"{base}/prescreen", {"panel": FENGXIAN_PANEL})).json()
    assert case["step"] == "scheme_review" and case["stage"] == "in_review"
    assert (await review.events("review.project.prescreened.v1"))[-1]["outcome"] == "passed"

    draw, _ = await drawn_panel(review, project)
    drawn = [e["id"] for e in draw["experts"]]
    assert len(drawn) == 3 and {row["rule_id"] for row in draw["excluded"]} == {"review.expert_independence"}
    again = await review.post(
        "/api/review/expert-draws",
        {"project_id": project, "vendors": ["甲公司"], "fields": ["software"], "count": 3},
        headers={"Idempotency-Key": f"draw-{project}"},
    )
    assert again.json()["draw_id"] == draw["draw_id"]  # the same key gives the same draw

    # a drawn expert scores through their own sign-in; an expert not drawn is refused
    experts = {e["id"]: e for e in (await review.get("/api/review/experts")).json()["items"]}
    user = experts[drawn[0]]["user_subject"]
    mine = await review.client.post(
        f"{base}/scores", json={"scores": sheet(14)}, headers=review.headers(user, "expert")
    )
    assert mine.status_code == 200, mine.text
    outsider = next(e for e in experts.values() if e["id"] not in drawn and e["user_subject"])
    refused = await review.client.post(
        f"{base}/scores", json={"scores": sheet(14)}, headers=review.headers(outsider["user_subject"], "expert")
    )
    assert refused.status_code == 403 and refused.json()["citation"] == "fengxian:第十八条"
    assert (
        await review.client.get(base, headers=review.headers(outsider["user_subject"], "expert"))
    ).status_code == 404  # an expert not drawn is told nothing of the project (shared/scope.py)
    assert (await review.client.get(base, headers=review.headers(user, "expert"))).status_code == 200

    # the bureau enters the other sheets: every bad score is reported at once, nothing is written
    bad = await review.post(
        f"{base}/scheme-review",
        {"scores": [{"reviewer": drawn[1], "scores": sheet(21)}, {"reviewer": drawn[2], "scores": {"necessity": 5}}]},
    )
    assert bad.status_code == 422
    fields = [v["field"] for v in bad.json()["violations"]]
    assert "scores[0].scores.necessity" in fields and "scores[1].scores" in fields and len(fields) == 6
    stranger = await review.post(f"{base}/scheme-review", {"scores": [{"reviewer": "E-nobody", "scores": sheet()}]})
    assert stranger.status_code == 422 and stranger.json()["type"].endswith("reviewer-not-drawn")
    contradicts = await review.post(
        f"{base}/scheme-review",
        {"passed": False, "scores": [{"reviewer": drawn[1], "scores": sheet(15)}]},
    )
    assert contradicts.status_code == 422 and contradicts.json()["violations"][0]["rule_id"] == "review.scheme_pass"

    case = (
        await review.post(
            f"{base}/scheme-review",
            {
                "scores": [
                    {"reviewer": drawn[1], "scores": sheet(15)},
                    {"reviewer": drawn[2], "scores": sheet(13)},
                    {"reviewer": "cyberspace", "scores": sheet(12)},
                ]
            },
        )
    ).json()
    assert case["stage"] == "awaiting_approval" and [s["role"] for s in case["steps"]] == ["data_bureau"]
    assert case["scheme_result"]["reviewers"] == 4 and case["scheme_result"]["passed"]
    scored = (await review.events("review.project.scored.v1"))[-1]
    assert scored["passed"] and scored["citation"] == "fengxian:第十八条,第十九条"
    case = (await review.post(f"{base}/approval", {"approve": True})).json()
    assert case["stage"] == "approved"
    plan = (await review.get(f"/api/review/plans/{clock.today().year + 1}")).json()
    assert project in [e["project_id"] for e in plan["items"]]  # fengxian:第二十条: next year's plan


async def test_fengxian_failed_scores_mean_no_approval_this_year(review):
    project = await review.admit("fengxian", 100 * WAN, unit=FX_UNIT)
    base = f"/api/review/projects/{project}"
    await review.post(f"{base}/prescreen", {"panel": FENGXIAN_PANEL})
    case = (
        await review.post(f"{base}/scheme-review", {"scores": [{"reviewer": "finance", "scores": sheet(20, cost=11)}]})
    ).json()
    assert case["stage"] == "rejected"
    rejected = (await review.events("review.project.rejected.v1"))[-1]
    assert rejected["citation"] == "fengxian:第十八条,第十九条"


async def test_fengxian_prescreening_lists_or_routes(review):
    listed = await review.admit("fengxian", unit=FX_UNIT)
    case = (
        await review.post(
            f"/api/review/projects/{listed}/prescreen", {"panel": FENGXIAN_PANEL, "findings": ["unreasonable_cost"]}
        )
    ).json()
    assert case["stage"] == "not_reviewed"
    routed = await review.admit("fengxian", unit=FX_UNIT)
    case = (
        await review.post(f"/api/review/projects/{routed}/prescreen", {"panel": FENGXIAN_PANEL, "public_service": True})
    ).json()
    assert case["stage"] == "routed" and case["routed_to"] == "one_network_service"
    event = (await review.events("review.project.prescreened.v1"))[-1]
    assert event["outcome"] == "routed" and event["routed_to"] == "one_network_service"


async def test_dazhou_refuses_scores_and_checks_implementation_mode(review):
    project = await review.admit("dazhou", 1200 * WAN)
    base = f"/api/review/projects/{project}"
    no_scoring = await review.post(f"{base}/scheme-review", {"scores": [{"reviewer": "finance", "scores": sheet()}]})
    assert no_scoring.status_code == 422 and no_scoring.json()["type"].endswith("no-scoring")
    self_build = await review.post(
        f"{base}/scheme-review", {"passed": True, "implementation": {"implementation_mode": "self_build"}}
    )
    assert self_build.status_code == 422
    assert [v["citation"] for v in self_build.json()["violations"]] == ["dazhou:第十一条"]
    case = (
        await review.post(
            f"{base}/scheme-review",
            {
                "passed": True,
                "collective_review": True,
                "implementation": {"implementation_mode": "self_build", "mandated_by_higher_level": True},
            },
        )
    ).json()
    assert [s["role"] for s in case["steps"]] == ["finance_committee", "executive_meeting", "standing_committee"]


async def test_quzhou_parallel_joint_review_and_three_day_design_approval(review):
    project = await review.admit("quzhou", 800 * WAN, unit="衢州市教育局")
    base = f"/api/review/projects/{project}"
    draw, _ = await drawn_panel(review, project, unit="衢州市教育局", count=2)
    expert_user = next(
        e["user_subject"]
        for e in (await review.get("/api/review/experts")).json()["items"]
        if e["id"] == draw["experts"][0]["id"]
    )
    # parties give opinions in any order
    for role, kw in [("finance", {}), ("drc", {}), ("unit", {"unit": "衢州市教育局"}), ("data_bureau", {})]:
        response = await review.post(f"{base}/joint-review/opinions", {"agrees": True}, role, **kw)
        assert response.status_code == 200, response.text
    conclusion = {
        "fixed_estimate_fen": 780 * WAN,
        "consulting_opinion_no": "衢数决〔2026〕1号",
        "leading_group_decided": True,
    }
    missing = await review.post(f"{base}/joint-review", conclusion, "leading_office")
    assert missing.status_code == 422
    assert "cyberspace" in missing.json()["violations"][0]["message_en"]
    assert missing.json()["violations"][0]["citation"] == "quzhou:三(二)1"
    await review.post(f"{base}/joint-review/opinions", {"agrees": True}, "cyberspace")
    response = await review.client.post(
        f"{base}/joint-review/opinions", json={"agrees": True}, headers=review.headers(expert_user, "expert")
    )
    assert response.status_code == 200, response.text
    no_estimate = await review.post(f"{base}/joint-review", {"leading_group_decided": True}, "leading_office")
    assert no_estimate.status_code == 422
    case = (await review.post(f"{base}/joint-review", conclusion, "leading_office")).json()
    assert case["stage"] == "awaiting_approval" and [s["role"] for s in case["steps"]] == ["drc"]
    assert case["fixed_estimate_fen"] == 780 * WAN

    history = (await review.get(f"{base}/history")).json()
    deadline = history["deadlines"][0]
    assert deadline["rule_id"] == "review.design_approval_due" and deadline["citation"] == "quzhou:三(二)2"
    assert date.fromisoformat(str(deadline["due_on"])) == clock.today() + timedelta(days=3)

    # four days later the sweeper marks it overdue and emits the event
    start = clock.offset()
    try:
        clock.advance(timedelta(days=4))
        assert (await review.runtime.sweep_once())["sweep_deadlines"] == 1
    finally:
        clock.set_offset(start)
    overdue = (await review.events("review.deadline.overdue.v1"))[-1]
    assert overdue["project_id"] == project and overdue["citation"] == "quzhou:三(二)2"

    case = (await review.post(f"{base}/approval", {"approve": True}, "drc")).json()
    assert case["stage"] == "approved"
    approved = (await review.events("review.project.approved.v1"))[-1]
    assert approved["fixed_estimate_fen"] == 780 * WAN and approved["consulting_opinion_no"] == "衢数决〔2026〕1号"


async def test_quzhou_design_approval_on_time_closes_the_deadline(review):
    project = await review.admit("quzhou", 100 * WAN, unit="衢州市教育局")
    base = f"/api/review/projects/{project}"
    await review.expert("专家", "某大学", user="qz-expert")
    draw = await review.post("/api/review/expert-draws", {"project_id": project, "count": 1})
    assert draw.status_code == 201, draw.text
    for role, kw in [
        ("finance", {}),
        ("drc", {}),
        ("unit", {"unit": "衢州市教育局"}),
        ("data_bureau", {}),
        ("cyberspace", {}),
    ]:
        await review.post(f"{base}/joint-review/opinions", {"agrees": True}, role, **kw)
    await review.client.post(f"{base}/joint-review/opinions", json={}, headers=review.headers("qz-expert", "expert"))
    conclusion = {"fixed_estimate_fen": 90 * WAN, "consulting_opinion_no": "衢数决2", "leading_group_decided": True}
    assert (await review.post(f"{base}/joint-review", conclusion, "leading_office")).status_code == 200
    await review.post(f"{base}/approval", {"approve": True}, "drc")
    history = (await review.get(f"{base}/history")).json()
    assert history["deadlines"][0]["status"] == "met"
    met = [d for d in history["decisions"] if d["action"] == "deadline.met"]
    assert met and met[0]["outcome"] == "pass"


async def test_suqian_six_steps_in_order(review):
    project = await review.admit("suqian", 300 * WAN, unit="宿迁市教育局")
    base = f"/api/review/projects/{project}"
    wrong = await review.post(f"{base}/steps/budget_check", {"passed": True})
    assert wrong.status_code == 409 and wrong.json()["stage"] == "registration"
    assert (await review.post(f"{base}/steps/registration", {"passed": True})).json()["step"] == "scheme_review"
    assert (await review.post(f"{base}/scheme-review", {"passed": True})).json()["step"] == "budget_check"
    for step in ("budget_check", "list_management", "pre_implementation_check"):
        case = (await review.post(f"{base}/steps/{step}", {"passed": True}, "finance")).json()
    assert case["stage"] == "awaiting_approval" and len(case["steps"]) == 4
    assert [h["step"] for h in case["history"]] == [
        "registration",
        "scheme_review",
        "budget_check",
        "list_management",
        "pre_implementation_check",
    ]


async def test_draw_replay_decline_and_replacement(review):
    project = await review.admit("dazhou")
    ids = [await review.expert(f"专家{i}", f"单位{i}", user=f"u{i}") for i in range(8)]
    draw = (await review.post("/api/review/expert-draws", {"project_id": project, "count": 3})).json()
    assert sorted(draw["candidates"]) == sorted(ids) and draw["seed"] >= 0
    first = draw["experts"][0]["id"]
    user = f"u{ids.index(first)}"
    other = draw["experts"][1]["id"]
    not_mine = await review.client.post(
        f"/api/review/expert-draws/{draw['draw_id']}/decline",
        json={"expert_id": other},
        headers=review.headers(user, "expert"),
    )
    assert not_mine.status_code == 403
    declined = await review.client.post(
        f"/api/review/expert-draws/{draw['draw_id']}/decline",
        json={"expert_id": first, "reason": "出差"},
        headers=review.headers(user, "expert"),
    )
    assert declined.status_code == 200, declined.text
    after = declined.json()
    assert first not in [e["id"] for e in after["experts"]] and len(after["experts"]) == 3
    replay = (await review.get(f"/api/review/expert-draws/{draw['draw_id']}/replay")).json()
    assert replay["matches"] and len(replay["recorded"]) == 4
    assert (await review.get("/api/review/expert-draws/D-nope")).status_code == 404
    # the unit's drawn experts are now in their cooling-off window for this unit
    again = await review.post("/api/review/expert-draws", {"project_id": project, "count": 6})
    assert again.status_code == 409 and again.json()["eligible"] == 5  # the decliner did not review
    bad = await review.post("/api/review/expert-draws", {"project_id": project, "count": "3"})
    assert bad.status_code == 422


async def test_midyear_adjustment_only_in_july_and_finding_defers_the_entry(review):
    project = await review.admit("dazhou", 100 * WAN, plan_year=clock.today().year)
    base = f"/api/review/projects/{project}"
    await review.post(f"{base}/scheme-review", {"passed": True})
    for role in ("vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance"):
        await review.post(f"{base}/approval", {"approve": True}, role)
    year = clock.today().year
    start = clock.offset()
    try:
        clock.travel_to(datetime(year, 8, 3, 4, tzinfo=UTC))
        body = {"jurisdiction": "dazhou", "project_id": project, "action": "drop", "reason": "资金调整"}
        late = await review.post(f"/api/review/plans/{year}/adjustments", body)
        assert late.status_code == 422 and late.json()["violations"][0]["citation"] == "dazhou:第十三条"
        clock.travel_to(datetime(year, 7, 15, 4, tzinfo=UTC))
        dropped = await review.post(f"/api/review/plans/{year}/adjustments", body)
        assert dropped.status_code == 201 and dropped.json()["status"] == "dropped"
        added = await review.post(f"/api/review/plans/{year}/adjustments", {**body, "action": "add", "reason": "恢复"})
        assert added.status_code == 201 and added.json()["status"] == "planned"
    finally:
        clock.set_offset(start)

    finding = FindingEscalated(
        project_id=project,
        finding_id="F-1",
        unit="达州市教育局",
        area="progress",
        step="plan_deferred",
        rule_id="supervision.escalation",
        citation="dazhou:第五十三条",
        escalated_on=clock.today(),
    )
    await review.deliver(finding)
    plan = (await review.get(f"/api/review/plans/{year}")).json()
    entry = next(e for e in plan["items"] if e["project_id"] == project)
    assert entry["status"] == "deferred" and entry["citation"] == "dazhou:第五十三条"
    assert entry["decided_by"] == "catalog:finding:F-1" and "F-1" in entry["reason"]
    assert (await review.events("review.plan.adjusted.v1"))[-1]["action"] == "deferred"
    history = (await review.get(f"{base}/history")).json()
    assert any(d["action"] == "plan.deferred" and d["citation"] == "dazhou:第五十三条" for d in history["decisions"])
    async with review.runtime.engine.connect() as conn:
        actors = (
            await conn.execute(sa.select(schema.audit.c.actor).where(schema.audit.c.action == "plan.deferred"))
        ).all()
    assert actors == [("catalog:finding:F-1",)]


async def test_secret_project_keeps_its_title_out_of_events_and_reads(review):
    project = await review.admit("dazhou", 100 * WAN, secret=True)
    case = (await review.get(f"/api/review/projects/{project}")).json()
    assert case["title"] is None and case["secret"]
