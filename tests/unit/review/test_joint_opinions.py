"""Quzhou's joint review (并联审核, quzhou:三(二)1): each party's opinion is published at once
(`review.joint_opinion.recorded.v1`, so that party's 待办 closes), and the leading office reads the opinions so
far in the review case before it concludes; a secret project's event and text stay closed (dazhou:第六十五条)."""

from __future__ import annotations

from tests.unit.review.conftest import WAN

QZ_UNIT = "衢州市教育局"
EVENT = "review.joint_opinion.recorded.v1"


async def test_each_opinion_is_published_at_once_and_shown_to_the_leading_office(review):
    project = await review.admit("quzhou", 300 * WAN, unit=QZ_UNIT)
    base = f"/api/review/projects/{project}"
    expert_id = await review.expert("张工", "浙江某大学", user="qz-zhang")
    assert (await review.post("/api/review/expert-draws", {"project_id": project, "count": 1})).status_code == 201

    agreed = await review.post(f"{base}/joint-review/opinions", {"agrees": True, "comment": "资金来源明确"}, "finance")
    assert agreed.status_code == 200, agreed.text
    events = await review.events(EVENT)
    assert [(e["party"], e["agrees"], e["unit"], e["jurisdiction"]) for e in events] == [
        ("finance", True, QZ_UNIT, "quzhou")
    ]
    assert events[0]["key"] == project and "comment" not in events[0]  # the text stays in review

    await review.post(f"{base}/joint-review/opinions", {"agrees": False, "comment": "需补充安全方案"}, "cyberspace")
    expert = await review.client.post(
        f"{base}/joint-review/opinions",
        json={"agrees": True, "comment": "技术路线可行"},
        headers=review.headers("qz-zhang", "expert"),
    )
    assert expert.status_code == 200, expert.text
    published = (await review.events(EVENT))[-1]
    assert (published["party"], published["expert_id"]) == ("expert", expert_id)
    assert published["expert_subject"] == "qz-zhang"  # the expert's own 待办 is addressed to this sign-in

    # the leading office reads who said what, and when, before it concludes
    case = (await review.get(base, "leading_office")).json()
    opinions = {(o["party"], o["expert_name"]): o for o in case["joint_opinions"]}
    assert set(opinions) == {("finance", None), ("cyberspace", None), ("expert", "张工")}
    assert opinions[("cyberspace", None)]["agrees"] is False
    assert opinions[("cyberspace", None)]["comment"] == "需补充安全方案"
    assert opinions[("expert", "张工")]["expert_id"] == expert_id
    assert all(o["at"] for o in case["joint_opinions"])

    # a party revising its opinion is published again, and the case shows the revision only
    await review.post(f"{base}/joint-review/opinions", {"agrees": True, "comment": "已补充，同意"}, "cyberspace")
    assert [e["party"] for e in await review.events(EVENT)].count("cyberspace") == 2
    case = (await review.get(base, "leading_office")).json()
    revised = [o for o in case["joint_opinions"] if o["party"] == "cyberspace"]
    assert [(o["agrees"], o["comment"]) for o in revised] == [(True, "已补充，同意")]


async def test_a_secret_projects_opinion_event_says_nothing_of_the_opinion(review):
    project = await review.admit("quzhou", 300 * WAN, unit=QZ_UNIT, secret=True)
    base = f"/api/review/projects/{project}"
    response = await review.post(
        f"{base}/joint-review/opinions", {"agrees": False, "comment": "涉密内容"}, "drc", cleared=True
    )
    assert response.status_code == 200, response.text
    event = (await review.events(EVENT))[-1]
    assert event["party"] == "drc" and event["agrees"] is None

    uncleared = (await review.get(base, "leading_office")).json()["joint_opinions"]
    assert [(o["party"], o["agrees"], o["comment"]) for o in uncleared] == [("drc", False, "")]
    cleared = (await review.get(base, "leading_office", cleared=True)).json()["joint_opinions"]
    assert [o["comment"] for o in cleared] == ["涉密内容"]
