"""dazhou:第十六条 at the scheme review: a city governance platform goes into the city brain, a cross-department
or integrable project is built centrally; a plan stating another mode is approved with that condition, cited."""

from __future__ import annotations

import pytest

from services.review import domain
from shared.policy import packs
from tests.unit.review.conftest import WAN

PURCHASE = {
    "implementation_mode": "purchase_of_service",
    "service_fee_total_fen": 200 * WAN,
    "self_build_total_fen": 300 * WAN,
    "potential_providers": 3,
}


async def _scheme(review, project: str, implementation: dict):
    return await review.post(
        f"/api/review/projects/{project}/scheme-review", {"passed": True, "implementation": implementation}
    )


async def _checked(review, project: str) -> dict:
    history = (await review.get(f"/api/review/projects/{project}/history")).json()
    return {d["rule_id"]: d for d in history["decisions"] if d["action"] == "implementation.checked"}


async def test_a_city_governance_platform_is_approved_on_condition_of_the_city_brain(review):
    project = await review.admit(amount_fen=350 * WAN)
    done = await _scheme(review, project, {**PURCHASE, "city_governance_platform": True})
    assert done.status_code == 200, done.text
    decision = (await _checked(review, project))["review.centralized_build"]
    assert (decision["value"], decision["citation"]) == ("city_brain", "dazhou:第十六条")
    case = (await review.get(f"/api/review/projects/{project}")).json()
    condition = case["centralized_build_condition"]
    assert condition["required_mode"] == "city_brain" and condition["citation"] == "dazhou:第十六条"
    assert "城市大脑" in condition["message_zh"] and condition["stated_mode"] == "purchase_of_service"


async def test_a_unit_project_with_no_centralisation_finding_carries_no_condition(review):
    project = await review.admit(amount_fen=350 * WAN)
    assert (await _scheme(review, project, PURCHASE)).status_code == 200
    assert (await _checked(review, project))["review.centralized_build"]["value"] == "unit_build"
    case = (await review.get(f"/api/review/projects/{project}")).json()
    assert case["centralized_build_condition"] is None


@pytest.mark.parametrize(
    ("facts", "mode", "required"),
    [
        ({"cross_department": True}, "self_build", "centralized_build"),
        ({"integrable_into_city_project": True}, "unit_build", "centralized_build"),
        ({"cross_department": True}, "centralized_build", None),  # stated centrally: nothing owed
        ({}, "self_build", None),
        ({"city_governance_platform": True, "cross_department": True}, "centralized_build", "city_brain"),
    ],
)
def test_the_route_and_its_condition(facts, mode, required):
    packs.load_all()
    decision = domain.centralized_build_decision(packs.default, facts)
    assert decision is not None and decision.citation.startswith("dazhou:第十六条")
    condition = domain.centralized_condition(decision, mode)
    assert (condition["required_mode"] if condition else None) == required


def test_quzhou_reads_it_as_a_local_setting():
    packs.load_all()
    decision = domain.centralized_build_decision(packs.get("quzhou"), {"cross_department": True})
    assert decision is not None and decision.basis == "local_setting"
    assert decision.citation.startswith("quzhou:")
