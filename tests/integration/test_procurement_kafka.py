"""Procurement on the real platform: a project reaches procurement through intake, review and budget;
plan, tender, bids and award run here; the signed contract reaches acceptance through Kafka; a
supplement goes to its leaders; the OCDS release package is served through the gateway."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest

from shared import clock
from tests.support.api import Api, ok, required_materials
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration

WAN = 1_000_000
LEADERS = {"vice_mayor_unit": "vm_unit", "vice_mayor_digital": "vm_digital", "vice_mayor_finance": "vm_finance"}
LEADERS["mayor"] = "mayor"


async def reached(api: Api, username: str, path: str) -> dict:
    async def probe():
        response = await api.get(username, path)
        return response.json() if response.status_code == 200 else None

    return await wait_for(probe, timeout=30, message=f"GET {path}")


async def approved_project(api: Api, investment_fen: int) -> tuple[str, int]:
    """Intake → review → budget through their APIs; returns the project and its estimate."""
    draft = ok(
        await api.post(
            "edu",
            "/api/intake/applications",
            {
                "unit": "达州市教育局",
                "jurisdiction": "dazhou",
                "title": "教育采购集成测试",
                "category": "application",
                "construction_type": "new",
                "total_investment_fen": investment_fen,
                "plan_year": clock.today().year + 1,
                "details": {"performance_goals": "覆盖率100%"},
                "materials": required_materials(),
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        ),
        201,
    )
    project = draft["id"]
    ok(await api.post("edu", f"/api/intake/applications/{project}/submit"))
    ok(await api.post("bureau", f"/api/intake/applications/{project}/admit"))
    await reached(api, "bureau", f"/api/review/projects/{project}")
    case = ok(await api.post("bureau", f"/api/review/projects/{project}/scheme-review", {"passed": True}))
    for step in case["steps"]:
        ok(await api.post(LEADERS[step["role"]], f"/api/review/projects/{project}/approval", {"approve": True}))
    await reached(api, "finance", f"/api/budget/projects/{project}")
    estimate = investment_fen - 10 * WAN
    ok(await api.post("bureau", f"/api/budget/projects/{project}/estimate", {"estimate_fen": estimate}))
    return project, estimate


def credit_code() -> str:
    return "91510100" + "".join(random.choice("0123456789") for _ in range(10))


async def test_a_tendered_contract_reaches_acceptance_through_kafka(api: Api):
    project, estimate = await approved_project(api, 350 * WAN)
    view = await reached(api, "edu", f"/api/procurement/projects/{project}")
    assert view["ceiling_fen"] == estimate and view["stage"] == "estimate_approved"
    today = clock.today()
    plan = ok(await api.post("edu", f"/api/procurement/projects/{project}/plan", {"control_price_fen": estimate}), 201)
    assert plan["organiser"] == "unit"
    tender_body = {
        "title": "教育平台公开招标",
        "ceiling_fen": estimate + 1,
        "published_on": (today - timedelta(days=40)).isoformat(),
        "bid_deadline": (today - timedelta(days=20)).isoformat(),
    }
    above = await api.post("edu", f"/api/procurement/projects/{project}/tenders", tender_body)
    assert above.status_code == 422 and [v["citation"] for v in above.json()["violations"]] == ["dazhou:第三十八条"]
    tender = ok(
        await api.post("edu", f"/api/procurement/projects/{project}/tenders", {**tender_body, "ceiling_fen": estimate}),
        201,
    )
    suppliers = [
        ok(await api.post("edu", "/api/procurement/suppliers", {"name": name, "credit_code": credit_code()}), 201)["id"]
        for name in ("四川甲科技有限公司", "四川乙信息有限公司")
    ]
    for supplier_id, amount in zip(suppliers, (estimate - 30 * WAN, estimate - 5 * WAN), strict=True):
        bid = {
            "supplier_id": supplier_id,
            "amount_fen": amount,
            "submitted_on": (today - timedelta(days=25)).isoformat(),
        }
        ok(await api.post("edu", f"/api/procurement/tenders/{tender['id']}/bids", bid), 201)
    award = ok(
        await api.post(
            "edu",
            f"/api/procurement/tenders/{tender['id']}/award",
            {"supplier_id": suppliers[0], "awarded_on": (today - timedelta(days=15)).isoformat()},
        ),
        201,
    )
    signed = today - timedelta(days=10)
    contract = ok(
        await api.post(
            "edu",
            f"/api/procurement/projects/{project}/contracts",
            {
                "award_id": award["id"],
                "amount_fen": award["amount_fen"],
                "signed_on": signed.isoformat(),
                "planned_completion": (signed + timedelta(days=300)).isoformat(),
            },
            headers={"Idempotency-Key": f"contract-{project}"},
        ),
        201,
    )
    assert contract["procured_via"] == "platform_tender"

    # acceptance learns of the contract only through procurement.contract.signed.v1 on Kafka
    accepting = await reached(api, "edu", f"/api/acceptance/projects/{project}")
    assert accepting["stage"] == "contracted"

    # a supplement within 10% goes to the leaders in the pack's order
    supplement = ok(
        await api.post("edu", f"/api/procurement/contracts/{contract['id']}/supplements", {"amount_fen": 10 * WAN}),
        201,
    )
    assert [s["role"] for s in supplement["steps"]] == ["vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance"]
    turn = await api.post("mayor", f"/api/procurement/supplements/{supplement['id']}/approval", {"approve": True})
    assert turn.status_code == 403 and turn.json()["citation"] == "dazhou:第四十三条(一)"
    for role in supplement["steps"]:
        acted = ok(
            await api.post(
                LEADERS[role["role"]], f"/api/procurement/supplements/{supplement['id']}/approval", {"approve": True}
            )
        )
    assert acted["status"] == "approved"

    # OCDS through the gateway
    package = ok(await api.get("platform", "/api/procurement/ocds/releases", params={"project_id": project}))
    tags = [r["tag"][0] for r in package["releases"]]
    assert tags == ["planning", "tender", "award", "contract", "contractAmendment", "implementation"]
    record = ok(await api.get("bureau", f"/api/procurement/ocds/records/{project}"))
    assert record["records"][0]["compiledRelease"]["contracts"][0]["id"] == contract["id"]


async def test_supplements_over_the_cap_restart_budget_through_kafka(api: Api):
    """dazhou:第四十三条: over 10% the basic procedure runs again; budget consumes the restart and sends the
    project back for a new estimate and price review (the new cycle), procurement waits for that estimate."""
    project, estimate = await approved_project(api, 300 * WAN)
    await reached(api, "edu", f"/api/procurement/projects/{project}")
    signed = clock.today() - timedelta(days=5)
    contract = ok(
        await api.post(
            "edu",
            f"/api/procurement/projects/{project}/contracts",
            {
                "supplier": "四川某信息技术有限公司",
                "amount_fen": 100 * WAN,
                "signed_on": signed.isoformat(),
                "planned_completion": (signed + timedelta(days=300)).isoformat(),
            },
        ),
        201,
    )
    over = await api.post(
        "edu", f"/api/procurement/contracts/{contract['id']}/supplements", {"amount_fen": 10 * WAN + 1}
    )
    assert over.status_code == 422 and over.json()["restart_required"] is True

    async def budget_restarted():
        view = (await api.get("finance", f"/api/budget/projects/{project}")).json()
        return view if view.get("stage") == "approved" else None

    view = await wait_for(budget_restarted, timeout=30, message="budget consumes procurement.procedure.restarted.v1")
    assert view["control_price_fen"] is None and [r["revision"] for r in view["estimate_history"]] == [1]
    # the new cycle's estimate reaches procurement and opens its cycle 2
    ok(await api.post("bureau", f"/api/budget/projects/{project}/estimate", {"estimate_fen": estimate}))

    async def new_cycle():
        view = (await api.get("edu", f"/api/procurement/projects/{project}")).json()
        return view if view.get("stage") == "estimate_approved" and view.get("cycle") == 2 else None

    await wait_for(new_cycle, timeout=30, message="procurement opens cycle 2 on the new estimate")
