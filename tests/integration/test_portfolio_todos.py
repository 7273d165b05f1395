"""The portfolio read model on the real platform: a Dazhou project driven through intake and review by
API calls only; catalog hears the events over Kafka and each role's 待办 follows the project from the
bureau through each leader in turn (review.approval.routed) to the unit, with the other unit seeing none of it."""

from __future__ import annotations

import uuid

import pytest

from shared import clock
from tests.support.api import Api, ok, required_materials
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration

WAN = 1_000_000  # fen in 1万元
TODOS = "/api/catalog/portfolio/todos"


async def waiting_for(api: Api, username: str, project: str, action: str | None) -> list[dict]:
    """Poll the user's 待办 until the project's open actions are exactly `action` (None: none)."""

    async def probe():
        items = ok(await api.get(username, TODOS, params={"limit": 200}))["items"]
        mine = [t for t in items if t["project_id"] == project]
        if [t["action"] for t in mine] == ([action] if action else []):
            return mine or [{}]
        return None

    return await wait_for(probe, timeout=30, message=f"{username}'s to-do for {project} to be {action}")


async def test_the_todo_moves_from_the_bureau_through_the_leaders_to_the_unit(api: Api):
    title = f"待办联调 {uuid.uuid4().hex[:6]}"
    draft = ok(
        await api.post(
            "edu",
            "/api/intake/applications",
            {
                "unit": "达州市教育局",
                "jurisdiction": "dazhou",
                "title": title,
                "category": "application",
                "construction_type": "new",
                "total_investment_fen": 150 * WAN,
                "plan_year": clock.today().year + 1,
                "details": {"performance_goals": "全市中小学覆盖率100%"},
                "materials": required_materials(),
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        ),
        201,
    )
    project = draft["id"]
    ok(await api.post("edu", f"/api/intake/applications/{project}/submit"))
    admit = (await waiting_for(api, "bureau", project, "admit"))[0]
    assert admit["title"] == title and admit["action_label_zh"] == "入库审核（入库或不予入库）"
    assert admit["stage_label_zh"] == "已申报"

    ok(await api.post("bureau", f"/api/intake/applications/{project}/admit"))
    review = (await waiting_for(api, "bureau", project, "scheme_review"))[0]
    assert review["service"] == "review" and review["role"] == "data_bureau"

    async def case_opened():
        return (await api.get("bureau", f"/api/review/projects/{project}")).status_code == 200

    await wait_for(case_opened, timeout=30, message="review opened the case")
    ok(await api.post("bureau", f"/api/review/projects/{project}/scheme-review", {"passed": True}))
    # review.approval.routed: the chain opened, then moves one leader at a time as each signs
    await waiting_for(api, "bureau", project, None)
    leaders = ("vm_unit", "vm_digital", "vm_finance")
    for index, leader in enumerate(leaders):
        todo = (await waiting_for(api, leader, project, "approval"))[0]
        assert todo["service"] == "review" and todo["stage_label_zh"] == "评审中"
        for other in leaders[index + 1 :]:
            await waiting_for(api, other, project, None)
        ok(await api.post(leader, f"/api/review/projects/{project}/approval", {"approve": True}))
        await waiting_for(api, leader, project, None)

    # the letter is issued: the bureau's to-do is gone and the unit's next action waits in its list
    unit_todo = (await waiting_for(api, "edu", project, "technical_plan"))[0]
    assert unit_todo["role"] == "unit" and unit_todo["stage"] == "approved"
    await waiting_for(api, "bureau", project, None)
    await waiting_for(api, "vm_unit", project, None)
    others = ok(await api.get("health", TODOS, params={"limit": 200}))["items"]
    assert project not in {t["project_id"] for t in others}

    dossier = ok(await api.get("edu", f"/api/catalog/portfolio/projects/{project}"))
    assert dossier["money"]["approved_investment_fen"] == 150 * WAN and dossier["title"] == title
    found = ok(await api.get("bureau", "/api/catalog/portfolio/projects", params={"q": title[-6:]}))
    assert [p["project_id"] for p in found["items"]] == [project] and found["total"] == 1
    assert (await api.get("health", f"/api/catalog/portfolio/projects/{project}")).status_code == 404
    badge = ok(await api.get("edu", "/api/catalog/portfolio/notifications"))
    assert badge["unread"] >= 1 and any(n["project_id"] == project for n in badge["items"])
