"""Two projects travel the whole path through the seven real service processes, on real Kafka and
PostgreSQL, driven only by API calls (the services coordinate only through events)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from shared import clock
from tests.support.api import Api, ok, passed_acceptance_items, required_materials
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration

WAN = 1_000_000  # fen in 1万元
LEADER_USERS = {
    "vice_mayor_unit": "vm_unit",
    "vice_mayor_digital": "vm_digital",
    "vice_mayor_finance": "vm_finance",
    "mayor": "mayor",
    "executive_meeting": "exec",
    "standing_committee": "standing",
}


async def reached(api: Api, username: str, path: str) -> dict:
    """Wait until a service has learned of the project through Kafka (its GET stops being 404)."""

    async def probe():
        response = await api.get(username, path)
        return response.json() if response.status_code == 200 else None

    return await wait_for(probe, timeout=30, message=f"GET {path}")


async def drive(api: Api, title: str, investment_fen: int, expected_steps: list[str]) -> str:
    today = clock.today()
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
                "total_investment_fen": investment_fen,
                "plan_year": today.year + 1,
                "details": {"performance_goals": "全市中小学覆盖率100%"},
                "materials": required_materials(),
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        ),
        201,
    )
    project = draft["id"]
    assert draft["status"] == "draft"

    # A step out of order is a 409 naming the stage the project is in.
    early = await api.post("bureau", f"/api/intake/applications/{project}/admit")
    assert early.status_code == 409 and early.json()["stage"] == "draft"

    assert ok(await api.post("edu", f"/api/intake/applications/{project}/submit"))["status"] == "submitted"
    assert ok(await api.post("bureau", f"/api/intake/applications/{project}/admit"))["stage"] == "library"

    # Review learns of the admission through Kafka, routes the approval by amount (dazhou:第十条).
    case = await reached(api, "bureau", f"/api/review/projects/{project}")
    assert case["stage"] == "admitted"
    case = ok(await api.post("bureau", f"/api/review/projects/{project}/scheme-review", {"passed": True}))
    assert [s["role"] for s in case["steps"]] == expected_steps
    # A leader acting out of turn is refused with the citation.
    if expected_steps[0] != "standing_committee":
        out_of_turn = await api.post("standing", f"/api/review/projects/{project}/approval", {"approve": True})
        assert out_of_turn.status_code == 403 and out_of_turn.json()["citation"] == "dazhou:第十条"
    for role in expected_steps:
        inbox = ok(await api.get(LEADER_USERS[role], "/api/review/approvals/pending"))["items"]
        assert project in [item["project_id"] for item in inbox]  # it waits in this leader's inbox
        case = ok(await api.post(LEADER_USERS[role], f"/api/review/projects/{project}/approval", {"approve": True}))
    assert case["stage"] == "approved" and case["approval_letter_no"]

    # Budget: the approval reaches it; the bureau approves the estimate (the ceiling).
    budget = await reached(api, "finance", f"/api/budget/projects/{project}")
    assert budget["approval_letter_no"] == case["approval_letter_no"]
    estimate = investment_fen - 10 * WAN
    budget = ok(await api.post("bureau", f"/api/budget/projects/{project}/estimate", {"estimate_fen": estimate}))
    assert budget["stage"] == "estimate_approved" and budget["estimate_history"][0]["estimate_fen"] == estimate

    # Procurement: a contract above the estimate is refused citing dazhou:第三十八条.
    await reached(api, "edu", f"/api/procurement/projects/{project}")
    signed_on = today - timedelta(days=70)
    contract_body = {
        "supplier": "四川某信息技术有限公司",
        "amount_fen": estimate + 1,
        "signed_on": signed_on.isoformat(),
        "planned_completion": (signed_on + timedelta(days=300)).isoformat(),
    }
    too_big = await api.post("edu", f"/api/procurement/projects/{project}/contracts", contract_body)
    assert too_big.status_code == 422, too_big.text
    assert too_big.headers["content-type"].startswith("application/problem+json")
    assert "dazhou:第三十八条" in [v["citation"] for v in too_big.json()["violations"]]
    contract = ok(
        await api.post(
            "edu", f"/api/procurement/projects/{project}/contracts", {**contract_body, "amount_fen": estimate}
        ),
        201,
    )

    # Acceptance: trial run, then the bureau's pre-acceptance approval, then performance acceptance.
    await reached(api, "edu", f"/api/acceptance/projects/{project}")
    early = await api.post("bureau", f"/api/acceptance/projects/{project}/pre-acceptance")
    assert early.status_code == 409 and early.json()["stage"] == "contracted"
    trial_start = (today - timedelta(days=40)).isoformat()
    ok(await api.post("edu", f"/api/acceptance/projects/{project}/trial-run", {"started_on": trial_start}))
    # Payment before acceptance is refused (dazhou:第四十九条).
    await reached(api, "finance", f"/api/budget/projects/{project}")
    unpaid = await api.post(
        "finance",
        f"/api/budget/projects/{project}/releases",
        {"contract_id": contract["id"], "amount_fen": 100 * WAN},
        headers={"Idempotency-Key": f"pay-early-{project}"},
    )
    assert unpaid.status_code == 422 and "dazhou:第四十九条" in [v["citation"] for v in unpaid.json()["violations"]]
    ok(await api.post("bureau", f"/api/acceptance/projects/{project}/pre-acceptance"))
    accepted = ok(
        await api.post(
            "edu",
            f"/api/acceptance/projects/{project}/acceptance",
            {"passed": True, "system_name": title, "items": passed_acceptance_items()},
        )
    )
    assert accepted["stage"] == "accepted"

    # Catalog registers the running system; budget may now pay, once per Idempotency-Key.
    systems = await reached(api, "bureau", f"/api/catalog/projects/{project}")
    assert systems["systems"][0]["state"] == "running" and systems["systems"][0]["name"] == title

    async def budget_accepted():
        return (await api.get("finance", f"/api/budget/projects/{project}")).json()["accepted"]

    await wait_for(budget_accepted, timeout=30, message="budget sees the acceptance")
    release_body = {"contract_id": contract["id"], "amount_fen": 100 * WAN}
    key = {"Idempotency-Key": f"pay-{project}"}
    first = ok(await api.post("finance", f"/api/budget/projects/{project}/releases", release_body, headers=key), 201)
    again = ok(await api.post("finance", f"/api/budget/projects/{project}/releases", release_body, headers=key), 201)
    assert again["id"] == first["id"]
    budget = ok(await api.get("finance", f"/api/budget/projects/{project}"))
    assert budget["released_fen"] == 100 * WAN  # paid once

    # The gateway composes the timeline from all six services.
    timeline = ok(await api.get("bureau", f"/api/projects/{project}/timeline"))
    assert [s["reached"] for s in timeline["stages"]] == [True] * 6
    assert timeline["current"]["service"] == "catalog"
    actions = [(e["service"], e.get("action")) for e in timeline["entries"]]
    assert ("intake", "application.submitted") in actions
    assert ("review", "approval.route") in actions
    assert ("acceptance", "acceptance.passed") in actions
    cited = {e["citation"] for e in timeline["entries"] if e["kind"] == "decision"}
    assert {"dazhou:第十条", "dazhou:第三十八条", "dazhou:第四十七条"} <= cited
    # Another unit gets nothing of it from any service: the timeline is a 404, as for a number that does not
    # exist (issue 15, defect 1).
    refused = await api.get("health", f"/api/projects/{project}/timeline")
    assert refused.status_code == 404, refused.text
    return project


async def test_two_projects_travel_the_whole_path(api: Api):
    projects = await asyncio.gather(
        drive(api, "智慧教育平台", 350 * WAN, ["vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance", "mayor"]),
        drive(api, "教育数据中台", 1200 * WAN, ["executive_meeting", "standing_committee"]),
    )
    assert len(set(projects)) == 2


async def test_bad_input_gets_problem_responses_and_writes_nothing(api: Api):
    base = {
        "unit": "达州市教育局",
        "jurisdiction": "dazhou",
        "title": "坏数据",
        "category": "application",
        "construction_type": "new",
        "plan_year": 2027,
    }
    for amount in (0, -5, 12.5, "100"):
        response = await api.post("edu", "/api/intake/applications", {**base, "total_investment_fen": amount})
        assert response.status_code == 422, (amount, response.text)
        assert response.json()["errors"][0]["field"] == "total_investment_fen"
    malformed = await api.client.post(
        "/api/intake/applications",
        content=b"{not json",
        headers={"authorization": f"Bearer {await api.token('edu')}", "content-type": "application/json"},
    )
    assert malformed.status_code == 400 and malformed.json()["type"].endswith("/malformed-json")
    unknown_field = await api.post("edu", "/api/intake/applications", {**base, "total_investment_fen": 1, "x": 1})
    assert unknown_field.status_code == 422
    assert (await api.post(None, "/api/intake/applications", base)).status_code == 401
    bad_token = await api.client.get("/api/intake/applications", headers={"authorization": "Bearer nope"})
    assert bad_token.status_code == 401
    wrong_role = await api.post("finance", "/api/intake/applications", {**base, "total_investment_fen": 50 * WAN})
    assert wrong_role.status_code == 403
    other_unit = await api.post("health", "/api/intake/applications", {**base, "total_investment_fen": 50 * WAN})
    assert other_unit.status_code == 403
    missing = await api.get("bureau", "/api/review/projects/P-does-not-exist")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    listing = ok(await api.get("edu", "/api/intake/applications", params={"limit": 500}))
    assert "坏数据" not in [item["title"] for item in listing["items"]]
