"""Budget on the real platform: the approval reaches budget through Kafka, the estimate (and its revision) and the
control price reach procurement through Kafka, and a release is paid once per Idempotency-Key."""

from __future__ import annotations

import uuid

import pytest

from shared import clock
from shared.policy import packs
from tests.support.api import Api, ok
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration

WAN = 1_000_000
STEPS_UNDER_500_WAN = {
    "vice_mayor_unit": "vm_unit",
    "vice_mayor_digital": "vm_digital",
    "vice_mayor_finance": "vm_finance",
    "mayor": "mayor",
}


async def approved_project(api: Api, title: str, investment_fen: int) -> str:
    """Intake → review → approval letter, driven through the gateway only."""
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
                "plan_year": clock.today().year + 1,
                "details": {"performance_goals": "全市覆盖"},
                # every material the pack requires (dazhou:第九条), so intake lets it through
                "materials": [
                    *packs.get("dazhou").rule("intake.required_materials").params.required,
                    *packs.get("dazhou").rule("intake.secure_products_statement").params.required,
                ],
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
        case = ok(
            await api.post(
                STEPS_UNDER_500_WAN[step["role"]], f"/api/review/projects/{project}/approval", {"approve": True}
            )
        )
    assert case["stage"] == "approved"
    return project


async def reached(api: Api, username: str, path: str, check=lambda body: True) -> dict:
    async def probe():
        response = await api.get(username, path)
        if response.status_code != 200:
            return None
        body = response.json()
        return body if check(body) else None

    return await wait_for(probe, timeout=30, message=f"GET {path}")


async def test_estimate_and_control_price_reach_procurement_through_kafka(api: Api):
    project = await approved_project(api, "预算事件测试平台", 300 * WAN)
    budget = await reached(api, "finance", f"/api/budget/projects/{project}")
    assert budget["stage"] == "approved" and budget["approved_investment_fen"] == 300 * WAN

    # Wrong role and a float amount are problems, and nothing is written.
    assert (
        await api.post("finance", f"/api/budget/projects/{project}/estimate", {"estimate_fen": 1})
    ).status_code == 403
    floaty = await api.post("bureau", f"/api/budget/projects/{project}/estimate", {"estimate_fen": 280.5})
    assert floaty.status_code == 422 and floaty.headers["content-type"].startswith("application/problem+json")

    ok(await api.post("bureau", f"/api/budget/projects/{project}/estimate", {"estimate_fen": 280 * WAN}))
    procurement = await reached(
        api, "edu", f"/api/procurement/projects/{project}", lambda body: body["ceiling_fen"] == 280 * WAN
    )
    assert procurement["ceiling_fen"] == 280 * WAN

    # A revised estimate (revision 2) moves procurement's ceiling too.
    revised = ok(await api.post("bureau", f"/api/budget/projects/{project}/estimate", {"estimate_fen": 260 * WAN}))
    assert [r["revision"] for r in revised["estimate_history"]] == [1, 2]
    await reached(api, "edu", f"/api/procurement/projects/{project}", lambda body: body["ceiling_fen"] == 260 * WAN)

    # The control price: above the estimate refused (dazhou:第三十八条); finance approves → procurement knows it.
    above = await api.post("edu", f"/api/budget/projects/{project}/control-price", {"control_price_fen": 260 * WAN + 1})
    assert above.status_code == 422 and [v["citation"] for v in above.json()["violations"]] == ["dazhou:第三十八条"]
    submitted = ok(
        await api.post("edu", f"/api/budget/projects/{project}/control-price", {"control_price_fen": 250 * WAN})
    )
    assert [d["rule_id"] for d in submitted["deadlines"]] == ["budget.control_price_review_due"]
    approved = ok(await api.post("finance", f"/api/budget/projects/{project}/control-price/approval", {}))
    assert approved["stage"] == "control_price_approved"
    await reached(
        api, "edu", f"/api/procurement/projects/{project}", lambda body: body.get("control_price_fen") == 250 * WAN
    )

    history = ok(await api.get("bureau", f"/api/budget/projects/{project}/history"))
    assert "dazhou:第三十八条" in {d["citation"] for d in history["decisions"]}
    # another unit and an expert read nothing of it, through the gateway too (issue 15, defect 1)
    for user in ("health", "expert"):
        for service in ("budget", "procurement"):
            refused = await api.get(user, f"/api/{service}/projects/{project}/history")
            assert refused.status_code in (403, 404), f"{user} read {service} history: {refused.text}"
    assert ok(await api.get("edu", f"/api/budget/projects/{project}/history"))["decisions"]
