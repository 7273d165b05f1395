"""Dazhou 第四十三条: supplements above the cap restart the basic procedure; budget redoes 概算 and the price review."""

from __future__ import annotations

from shared import clock
from shared.auth import Role
from shared.contracts.procurement import ProcedureRestarted
from tests.unit.budget.conftest import UNIT, WAN


def _restart(project: str, cycle: int = 2) -> ProcedureRestarted:
    return ProcedureRestarted(
        project_id=project,
        unit=UNIT,
        jurisdiction="dazhou",
        cycle=cycle,
        rule_id="procurement.supplement_cap",
        citation="dazhou:第四十三条",
        restarted_on=clock.today(),
    )


async def test_a_restart_sends_the_estimate_and_the_control_price_round_again(budget):
    project = await budget.with_estimate(900 * WAN)
    submitted = await budget.unit_post(f"/projects/{project}/control-price", {"control_price_fen": 880 * WAN})
    assert submitted.status_code == 200
    approved = await budget.post(f"/projects/{project}/control-price/approval", {}, Role.FINANCE)
    assert approved.json()["stage"] == "control_price_approved"

    await budget.deliver(_restart(project))
    view = (await budget.get(f"/projects/{project}")).json()
    assert view["stage"] == "approved" and view["control_price_fen"] is None
    assert [r["revision"] for r in view["estimate_history"]] == [1]  # the old cycle's estimate stays on record
    # the old cycle's control price cannot be submitted again before a new estimate
    early = await budget.unit_post(f"/projects/{project}/control-price", {"control_price_fen": 880 * WAN})
    assert early.status_code == 409
    # a redelivered restart changes nothing
    await budget.deliver(_restart(project))

    again = await budget.post(f"/projects/{project}/estimate", {"estimate_fen": 950 * WAN}, Role.DATA_BUREAU)
    assert again.status_code == 200 and again.json()["stage"] == "estimate_approved"
    revisions = [e["revision"] for e in await budget.events("budget.estimate.approved.v1")]
    assert revisions == [1, 2]  # procurement opens its new cycle on the newer revision
    resubmitted = await budget.unit_post(f"/projects/{project}/control-price", {"control_price_fen": 940 * WAN})
    assert resubmitted.status_code == 200 and resubmitted.json()["stage"] == "control_price_submitted"


async def test_a_restart_of_an_unknown_project_is_ignored_and_an_estimate_goes_round_again(budget):
    await budget.deliver(_restart("P-unknown"))
    project = await budget.with_estimate(100 * WAN)
    await budget.deliver(_restart(project))
    assert (await budget.get(f"/projects/{project}")).json()["stage"] == "approved"
