"""A supervision finding escalates on the catalog's clock step by step and the owning services react
(procurement refuses new contracts once suspended, budget stops releases); a rectified finding stops.
Driven through the gateway only, on real Kafka and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from shared import clock
from tests.support.api import Api, ok, required_materials
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration

WAN = 1_000_000
STEPS = ["vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance", "mayor"]
LEADERS = {"vice_mayor_unit": "vm_unit", "vice_mayor_digital": "vm_digital", "vice_mayor_finance": "vm_finance"}
LEADERS["mayor"] = "mayor"


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def reached(api: Api, username: str, path: str) -> dict:
    async def probe():
        response = await api.get(username, path)
        return response.json() if response.status_code == 200 else None

    return await wait_for(probe, timeout=30, message=f"GET {path}")


async def contracted_project(api: Api, title: str) -> tuple[str, str]:
    """Intake → review approval → estimate → a signed contract, as in test_lifecycle."""
    today = clock.today()
    investment = 350 * WAN
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
                "total_investment_fen": investment,
                "plan_year": today.year + 1,
                "details": {"performance_goals": "覆盖率100%"},
                "materials": required_materials(),
            },
            headers=key(),
        ),
        201,
    )
    project = draft["id"]
    ok(await api.post("edu", f"/api/intake/applications/{project}/submit"))
    ok(await api.post("bureau", f"/api/intake/applications/{project}/admit"))
    await reached(api, "bureau", f"/api/review/projects/{project}")
    ok(await api.post("bureau", f"/api/review/projects/{project}/scheme-review", {"passed": True}))
    for role in STEPS:
        ok(await api.post(LEADERS[role], f"/api/review/projects/{project}/approval", {"approve": True}))
    await reached(api, "finance", f"/api/budget/projects/{project}")
    estimate = investment - 10 * WAN
    ok(await api.post("bureau", f"/api/budget/projects/{project}/estimate", {"estimate_fen": estimate}))
    await reached(api, "edu", f"/api/procurement/projects/{project}")
    signed_on = today - timedelta(days=10)
    contract = ok(
        await api.post(
            "edu",
            f"/api/procurement/projects/{project}/contracts",
            {
                "supplier": "四川某信息技术有限公司",
                "amount_fen": estimate // 2,
                "signed_on": signed_on.isoformat(),
                "planned_completion": (signed_on + timedelta(days=300)).isoformat(),
            },
        ),
        201,
    )
    return project, contract["id"]


async def record(api: Api, project: str, area: str) -> dict:
    """The catalog learns of the project from review's event; until then a finding on it is a 404."""
    headers = key()

    async def attempt():
        response = await api.post(
            "bureau", "/api/catalog/findings", {"project_id": project, "area": area}, headers=headers
        )
        assert response.status_code in (201, 404), response.text
        return response.json() if response.status_code == 201 else None

    return await wait_for(attempt, timeout=30, message="catalog knows the project")


async def test_unanswered_finding_escalates_and_the_services_react(api: Api, platform):
    catalog = platform.urls["catalog"]
    project, contract_id = await contracted_project(api, "监督检查测试平台")
    unknown = await api.post(
        "bureau", "/api/catalog/findings", {"project_id": "P-none", "area": "funds"}, headers=key()
    )
    assert unknown.status_code == 404
    finding = await record(api, project, "progress")
    rectified = await record(api, project, "funds")
    answered = await api.post(
        "health", f"/api/catalog/findings/{rectified['id']}/rectification", {"report": "x"}, headers=key()
    )
    assert answered.status_code == 403 and answered.json()["citation"] == "dazhou:第五十三条"
    ok(
        await api.post(
            "edu", f"/api/catalog/findings/{rectified['id']}/rectification", {"report": "已整改"}, headers=key()
        ),
        201,
    )
    ok(
        await api.post("bureau", f"/api/catalog/findings/{rectified['id']}/review", {"accepted": True}, headers=key()),
        201,
    )

    moved = 0  # days the catalog's clock is ahead right now (moved back before any API call: tokens expire)
    ahead = 0  # how far each step jumps: every escalation gives a new period from the day it happened
    try:
        async with httpx.AsyncClient(base_url=catalog, timeout=30) as admin:

            async def step_forward() -> str | None:
                nonlocal moved, ahead
                ahead += 31
                ok(await admin.post("/_admin/clock", json={"advance_days": ahead}))
                moved = ahead
                ok(await admin.post("/_admin/sweep"))
                ok(await admin.post("/_admin/clock", json={"advance_days": -ahead}))
                moved = 0
                return ok(await api.get("bureau", f"/api/catalog/findings/{finding['id']}"))["step"]

            assert await step_forward() == "public_criticism"
            assert await step_forward() == "plan_deferred"
            assert await step_forward() == "suspended"

            # procurement suspends the project: a new contract is refused citing the finding's rule
            async def contract_refused():
                response = await api.post(
                    "edu",
                    f"/api/procurement/projects/{project}/contracts",
                    {
                        "supplier": "另一公司",
                        "amount_fen": 10 * WAN,
                        "signed_on": clock.today().isoformat(),
                        "planned_completion": (clock.today() + timedelta(days=100)).isoformat(),
                    },
                    headers=key(),
                )
                assert response.status_code in (201, 422), response.text
                cited = response.status_code == 422 and "dazhou:第五十三条" in response.text
                return response.json() if cited else None

            refused = await wait_for(contract_refused, timeout=30, message="procurement suspends the project")
            assert "dazhou:第五十三条" in [v["citation"] for v in refused["violations"]]

            # budget stops releases: the suspension is among the refusal's reasons
            async def budget_stopped():
                view = (await api.get("finance", f"/api/budget/projects/{project}")).json()
                return view.get("releases_stopped_by") or None

            await wait_for(budget_stopped, timeout=30, message="budget stops releases")
            release = await api.post(
                "finance",
                f"/api/budget/projects/{project}/releases",
                {"contract_id": contract_id, "amount_fen": 10 * WAN},
                headers=key(),
            )
            assert release.status_code == 422, release.text
            assert "supervision_steps" in [v.get("field") for v in release.json()["violations"]]

            assert await step_forward() == "terminated"
            assert await step_forward() == "terminated"  # the ladder's end: nothing further

            detail = ok(await api.get("bureau", f"/api/catalog/findings/{finding['id']}"))
            escalations = [h for h in detail["history"] if h["action"] == "escalated"]
            assert [h["step"] for h in escalations] == ["public_criticism", "plan_deferred", "suspended", "terminated"]
            assert all(h["citation"] == "dazhou:第五十三条" and h["actor"] and h["reason"] for h in escalations)

            # the rectified finding never escalated
            other = ok(await api.get("bureau", f"/api/catalog/findings/{rectified['id']}"))
            assert other["status"] == "resolved" and other["step"] is None
    finally:
        async with httpx.AsyncClient(base_url=catalog, timeout=30) as admin:
            if moved:
                await admin.post("/_admin/clock", json={"advance_days": -moved})
