"""dazhou:第五十七条 after acceptance: catalog's live security / crypto status stops O&M money in budget."""

from __future__ import annotations

from datetime import date

from shared import clock
from shared.auth import Role
from shared.contracts.catalog import SystemRegistered, SystemSecurityChanged
from tests.unit.budget.conftest import UNIT, WAN, travel


def _citations(response) -> list[str]:
    return [v["citation"] for v in response.json().get("violations", [])]


def _status(project: str, crypto: str, security: str) -> SystemSecurityChanged:
    return SystemSecurityChanged(
        project_id=project,
        system_id=f"S-{project}",
        unit=UNIT,
        crypto_status=crypto,
        security_status=security,
        changed_on=clock.today(),
    )


async def test_a_security_problem_found_after_acceptance_stops_om_money(budget):
    travel(date(2026, 9, 1))
    project = await budget.with_estimate(300 * WAN)
    await budget.accept(project, items=[("crypto_review", True), ("mlps_test", True)])  # passed at acceptance
    await budget.deliver(
        SystemRegistered(
            project_id=project, system_id=f"S-{project}", unit=UNIT, jurisdiction="dazhou", registered_on=clock.today()
        )
    )
    body = {"system_id": f"S-{project}", "funding_year": 2027, "om_type": "new", "amount_fen": 30 * WAN}
    requested = await budget.unit_post("/om-budgets", body)
    assert requested.status_code == 201, requested.text

    # later, the live status reports a major hazard: finance cannot arrange the money requested before it
    await budget.deliver(_status(project, "passed", "hazard"))
    refused = await budget.post(f"/om-budgets/{requested.json()['id']}/approval", None, Role.FINANCE)
    assert refused.status_code == 422 and _citations(refused) == ["dazhou:第五十七条"]
    assert "重大安全隐患" in refused.json()["violations"][0]["message_zh"]
    # nor a new request; a crypto failure counts the same
    await budget.deliver(_status(project, "failed", "passed"))
    again = await budget.unit_post("/om-budgets", {**body, "funding_year": 2028})
    assert again.status_code == 422 and _citations(again) == ["dazhou:第五十七条"]
    assert "密码应用" in again.json()["violations"][0]["message_zh"]

    # fixed: both pass again, and the money is arranged
    await budget.deliver(_status(project, "passed", "passed"))
    approved = await budget.post(f"/om-budgets/{requested.json()['id']}/approval", None, Role.FINANCE)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"



async def test_an_older_security_status_arriving_late_replaces_nothing(budget):
    """By catalog's day: a late 'passed' from before a hazard does not arrange the money the hazard stopped."""
    travel(date(2026, 9, 1))
    project = await budget.with_estimate(300 * WAN)
    await budget.accept(project, items=[("crypto_review", True), ("mlps_test", True)])
    await budget.deliver(
        SystemRegistered(
            project_id=project, system_id=f"S-{project}", unit=UNIT, jurisdiction="dazhou", registered_on=clock.today()
        )
    )
    body = {"system_id": f"S-{project}", "funding_year": 2027, "om_type": "new", "amount_fen": 30 * WAN}
    requested = await budget.unit_post("/om-budgets", body)
    assert requested.status_code == 201, requested.text

    hazard = _status(project, "passed", "hazard")
    await budget.deliver(hazard.model_copy(update={"changed_on": date(2026, 9, 20)}))
    await budget.deliver(_status(project, "passed", "passed"))  # of 9-01, delivered late
    refused = await budget.post(f"/om-budgets/{requested.json()['id']}/approval", None, Role.FINANCE)
    assert refused.status_code == 422 and _citations(refused) == ["dazhou:第五十七条"]

    # a newer pass lifts it
    await budget.deliver(_status(project, "passed", "passed").model_copy(update={"changed_on": date(2026, 9, 21)}))
    approved = await budget.post(f"/om-budgets/{requested.json()['id']}/approval", None, Role.FINANCE)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
