"""The dazhou pack's numbers, on both sides of every boundary the regulation draws."""

from __future__ import annotations

import pytest

from shared.policy import InvalidFact, MissingFacts, Pack

from .conftest import WAN

FINANCE = ["vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance"]
MAYOR = [*FINANCE, "mayor"]
EXEC = ["executive_meeting"]
STANDING = ["executive_meeting", "standing_committee"]


@pytest.mark.parametrize(
    ("amount_fen", "steps"),
    [
        (0, FINANCE),
        (19_999_900, FINANCE),  # 19.9999万元
        (199_990_000, FINANCE),  # 199.99万元
        (200 * WAN - 1, FINANCE),
        (200 * WAN, MAYOR),  # 200万元以上 includes 200万
        (499_990_000, MAYOR),
        (500 * WAN - 1, MAYOR),
        (500 * WAN, EXEC),
        (999_990_000, EXEC),
        (1000 * WAN - 1, EXEC),
        (1000 * WAN, STANDING),
        (10**12, STANDING),
    ],
)
def test_approval_authority_bands(dazhou: Pack, amount_fen: int, steps: list[str]) -> None:
    decision = dazhou.authority("approval.authority", amount_fen)
    assert decision.value == steps
    # the band that decided is the citation (issue 19 §3), the whole article beside it
    band = {FINANCE[-1]: "(一)", "mayor": "(二)"}.get(steps[-1]) or ("(三)" if steps == EXEC else "(四)")
    assert decision.citation == f"dazhou:第十条{band}" and decision.article == "dazhou:第十条"
    assert decision.item_quote and decision.item_quote.startswith(band)
    assert decision.facts == {"total_investment_fen": amount_fen}


def test_approval_authority_collective_review(dazhou: Pack) -> None:
    decision = dazhou.authority("approval.authority", 100 * WAN, collective=True)
    assert decision.value == ["finance_committee", "executive_meeting", "standing_committee"]
    by_fact = dazhou.decide("approval.authority", {"total_investment_fen": 100 * WAN, "collective_review": True})
    assert by_fact.value == decision.value


@pytest.mark.parametrize(
    ("amount_fen", "steps"),
    [
        (499_990_000, FINANCE),
        (500 * WAN, MAYOR),
        (999_990_000, MAYOR),
        (1000 * WAN, EXEC),
        (4_999_990_000, EXEC),
        (5000 * WAN, STANDING),
    ],
)
def test_supplement_authority_bands(dazhou: Pack, amount_fen: int, steps: list[str]) -> None:
    assert dazhou.authority("procurement.supplement_authority", amount_fen).value == steps


@pytest.mark.parametrize(
    ("supplement", "previous", "outcome"),
    [
        (100 * WAN, None, "pass"),  # exactly 10%
        (100 * WAN + 1, None, "fail"),  # 10% + 1 fen
        (60 * WAN, [20 * WAN, 20 * WAN], "pass"),  # cumulative exactly 10%
        (60 * WAN, [20 * WAN, 20 * WAN + 1], "fail"),
        (50 * WAN, 50 * WAN + 1, "fail"),  # previous as one int
    ],
)
def test_supplement_cap_is_cumulative_and_exact(dazhou: Pack, supplement, previous, outcome) -> None:
    facts = {"supplement_fen": supplement, "original_contract_fen": 1000 * WAN}
    if previous is not None:
        facts["previous_supplements_fen"] = previous
    assert dazhou.decide("procurement.supplement_cap", facts).outcome == outcome


@pytest.mark.parametrize(
    ("adjustment", "outcome"),
    [(150 * WAN, "pass"), (150 * WAN + 1, "fail"), (0, "pass")],
)
def test_adjustment_filing_fifteen_percent(dazhou: Pack, adjustment: int, outcome: str) -> None:
    facts = {
        "adjustment_fen": adjustment,
        "approved_total_fen": 1000 * WAN,
        "adjusted_total_fen": 1000 * WAN,
        "goals_unchanged": True,
    }
    assert dazhou.decide("budget.adjustment_filing", facts).outcome == outcome


def test_adjustment_filing_cumulative_and_within_total(dazhou: Pack) -> None:
    base = {"approved_total_fen": 1000 * WAN, "adjusted_total_fen": 1000 * WAN, "goals_unchanged": True}
    ok = dazhou.decide(
        "budget.adjustment_filing", {**base, "adjustment_fen": 50 * WAN, "previous_adjustments_fen": [100 * WAN]}
    )
    assert ok.outcome == "pass"
    over = dazhou.decide(
        "budget.adjustment_filing", {**base, "adjustment_fen": 50 * WAN + 1, "previous_adjustments_fen": [100 * WAN]}
    )
    assert over.outcome == "fail"
    assert over.effect == "needs_approval"
    above_total = dazhou.decide(
        "budget.adjustment_filing", {**base, "adjustment_fen": 1, "adjusted_total_fen": 1000 * WAN + 1}
    )
    assert above_total.outcome == "fail"
    assert above_total.field == "adjusted_total_fen"


@pytest.mark.parametrize(("amount", "outcome"), [(30 * WAN - 1, "fail"), (30 * WAN, "pass"), (30 * WAN + 1, "pass")])
def test_min_investment_includes_thirty_wan(dazhou: Pack, amount: int, outcome: str) -> None:
    decision = dazhou.decide("scope.min_investment", {"total_investment_fen": amount})
    assert decision.outcome == outcome
    if outcome == "fail":
        assert decision.effect == "out_of_scope"


def test_float_amount_is_refused(dazhou: Pack) -> None:
    with pytest.raises(InvalidFact, match="float"):
        dazhou.decide("scope.min_investment", {"total_investment_fen": 300000.0})
    with pytest.raises(InvalidFact):
        dazhou.authority("approval.authority", 2.5e8)  # type: ignore[arg-type]


def test_missing_fact_is_named(dazhou: Pack) -> None:
    with pytest.raises(MissingFacts) as info:
        dazhou.decide("procurement.supplement_cap", {"supplement_fen": 1})
    assert info.value.missing == ["original_contract_fen"]  # previous_supplements_fen is optional
    assert info.value.by_rule == {"procurement.supplement_cap": ["original_contract_fen"]}
