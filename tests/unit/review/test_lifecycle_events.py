"""Review publishes who acts next: the approval chain as it opens and after each signature
(`review.approval.routed.v1`), and the experts drawn or replaced (`review.experts.drawn.v1`)."""

from __future__ import annotations

from tests.unit.review.conftest import FENGXIAN_PANEL, WAN, sheet
from tests.unit.review.test_flows import FX_UNIT, drawn_panel

CHAIN = ["vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance", "mayor"]


async def test_dazhou_350_wan_routes_the_chain_leader_by_leader(review):
    project = await review.admit("dazhou", 350 * WAN)
    base = f"/api/review/projects/{project}"
    assert await review.events("review.approval.routed.v1") == []
    await review.post(f"{base}/scheme-review", {"passed": True})
    opened = await review.events("review.approval.routed.v1")
    assert len(opened) == 1
    assert opened[0]["steps"] == CHAIN and opened[0]["position"] == 0 and opened[0]["next_role"] == "vice_mayor_unit"
    assert opened[0]["unit"] == "达州市教育局" and opened[0]["jurisdiction"] == "dazhou"
    assert opened[0]["rule_id"] == "approval.authority" and opened[0]["citation"].startswith("dazhou:")
    assert opened[0]["key"] == project

    # the wrong leader is refused and publishes nothing
    wrong = await review.post(f"{base}/approval", {"approve": True}, "mayor")
    assert wrong.status_code == 403
    assert len(await review.events("review.approval.routed.v1")) == 1

    for position, role in enumerate(CHAIN, start=1):
        response = await review.post(f"{base}/approval", {"approve": True}, role)
        assert response.status_code == 200, response.text
        last = (await review.events("review.approval.routed.v1"))[-1]
        assert last["position"] == position
        assert last["next_role"] == (CHAIN[position] if position < len(CHAIN) else None)
    types = [e["type"] for e in await review.events()]
    assert types[-1] == "review.project.approved.v1"  # the letter after the last routing
    assert types.index("review.project.approved.v1") > max(
        i for i, t in enumerate(types) if t == "review.approval.routed.v1"
    )


async def test_the_routing_carries_the_scheme_reviews_scores_where_recorded(review):
    project = await review.admit("fengxian", 300 * WAN, unit=FX_UNIT)
    base = f"/api/review/projects/{project}"
    await review.post(f"{base}/prescreen", {"panel": FENGXIAN_PANEL})
    draw, _ = await drawn_panel(review, project)
    reviewers = [e["id"] for e in draw["experts"]]
    response = await review.post(
        f"{base}/scheme-review",
        {"scores": [{"reviewer": reviewers[0], "scores": sheet(15)}, {"reviewer": reviewers[1], "scores": sheet(13)}]},
    )
    assert response.status_code == 200, response.text
    routed = (await review.events("review.approval.routed.v1"))[-1]
    assert routed["next_role"] == "data_bureau"
    summary = routed["scheme_review"]
    assert summary["passed"] and summary["reviewers"] == 2
    assert summary["mean_total_score"] == 70 and summary["dimension_means"]["necessity"] == 14.0


async def test_a_secret_projects_routing_carries_no_scores(review):
    project = await review.admit("fengxian", 300 * WAN, unit=FX_UNIT, secret=True)
    base = f"/api/review/projects/{project}"
    await review.post(f"{base}/prescreen", {"panel": FENGXIAN_PANEL})
    draw, _ = await drawn_panel(review, project)
    reviewers = [e["id"] for e in draw["experts"]]
    response = await review.post(
        f"{base}/scheme-review",
        {"scores": [{"reviewer": reviewers[0], "scores": sheet(15)}, {"reviewer": reviewers[1], "scores": sheet(13)}]},
    )
    assert response.status_code == 200, response.text
    summary = (await review.events("review.approval.routed.v1"))[-1]["scheme_review"]
    assert summary["passed"] and summary["mean_total_score"] is None and summary["dimension_means"] == {}


async def test_a_draw_and_a_decline_publish_the_experts_now_drawn_with_their_sign_ins(review):
    project = await review.admit("dazhou")
    ids = [await review.expert(f"专家{i}", f"单位{i}", user=f"u{i}") for i in range(5)]
    draw = (await review.post("/api/review/expert-draws", {"project_id": project, "count": 3})).json()
    published = await review.events("review.experts.drawn.v1")
    assert len(published) == 1
    event = published[0]
    members = [e["id"] for e in draw["experts"]]
    assert [e["expert_id"] for e in event["experts"]] == members
    assert [e["subject"] for e in event["experts"]] == [f"u{ids.index(m)}" for m in members]
    assert event["draw_id"] == draw["draw_id"] and event["purpose"] == "scheme_review" and event["declined"] == []
    assert "title" not in event and event["unit"] == "达州市教育局"

    first = members[0]
    user = f"u{ids.index(first)}"
    declined = await review.client.post(
        f"/api/review/expert-draws/{draw['draw_id']}/decline",
        json={"expert_id": first, "reason": "出差"},
        headers=review.headers(user, "expert"),
    )
    assert declined.status_code == 200, declined.text
    after = (await review.events("review.experts.drawn.v1"))[-1]
    assert after["declined"] == [{"expert_id": first, "subject": user}]
    now = [e["expert_id"] for e in after["experts"]]
    assert first not in now and len(now) == 3 and set(members[1:]) <= set(now)
