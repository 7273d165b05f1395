"""One meaning of "this decision refuses the request": every service's helper agrees with
shared.decisions for every rule of every pack, so a pack rule refuses everywhere it is evaluated or nowhere."""

from __future__ import annotations

from datetime import date

import pytest

from services.budget import domain as budget
from services.catalog.data_operations import domain as data_operations
from services.catalog.domain import operations as catalog
from services.intake import domain as intake
from services.procurement import domain as procurement
from shared.decisions import refuses, refusing
from shared.policy import Decision, packs

HELPERS = {
    "budget": budget.failed,
    "intake": intake.failures,
    "catalog": catalog.failures,
    "catalog.data_operations": data_operations.failed,
    "procurement": procurement.blocking,
}


def _failed(pack_id: str, rule_id: str, effect: str | None) -> Decision:
    return Decision(
        rule_id=rule_id,
        citation=f"{pack_id}:x",
        quote="",
        kind="requirement",
        stage=rule_id.split(".")[0],
        pack=pack_id,
        pack_version="1",
        outcome="fail",
        message_zh="",
        message_en="",
        effect=effect,
    )


@pytest.mark.parametrize("pack_id", packs.ids())
def test_every_service_refuses_the_same_failed_rules(pack_id):
    pack = packs.get(pack_id)
    decisions = [_failed(pack_id, rule.id, rule.effect) for rule in pack.rules]
    expected = [d.rule_id for d in decisions if refuses(d)]
    assert expected, "a pack without a single refusing rule would make this test vacuous"
    assert len(expected) < len(decisions), "and one without any recorded-only rule too"
    for service, helper in HELPERS.items():
        assert [d.rule_id for d in helper(decisions)] == expected, service


def test_the_effect_decides_and_a_pass_never_refuses():
    refusing_effects = ("reject", "block", "bar", "not_admitted", "out_of_scope", None)
    recorded_effects = ("overdue", "route", "needs_approval", "info", "escalate")
    assert all(refuses(_failed("dazhou", "r", effect)) for effect in refusing_effects)
    assert not any(refuses(_failed("dazhou", "r", effect)) for effect in recorded_effects)
    passed = _failed("dazhou", "r", "reject").model_copy(update={"outcome": "pass"})
    assert refusing([passed]) == []


def test_a_late_om_request_refuses_in_budget_as_in_jiyuan():
    """dazhou's O&M timing rule blocks a late request (its effect was `overdue`, read as a refusal only by
    budget's old helper); a missed review deadline stays recorded, not refused."""
    dazhou = packs.get("dazhou")
    late = dazhou.decide("budget.om_budget", {"om_funding_year": 2027, "om_budget_submitted_on": date(2027, 1, 5)})
    assert late.outcome == "fail" and refuses(late)
    missed = dazhou.decide(
        "budget.technical_review_due",
        {"technical_plan_submitted_on": date(2026, 3, 2), "technical_review_completed_on": date(2026, 9, 1)},
    )
    assert missed.outcome == "fail" and not refuses(missed)
