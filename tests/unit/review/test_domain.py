"""Review's pure decisions against the real packs."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from services.review import domain
from shared.policy import InvalidFact, packs

WAN = 1_000_000
TWO_VICE_MAYORS = ["vice_mayor_unit", "vice_mayor_digital"]


@pytest.fixture(scope="module", autouse=True)
def _packs():
    packs.load_all()


@pytest.mark.parametrize(
    ("amount_fen", "steps", "citation"),
    [
        (200 * WAN - 1, [*TWO_VICE_MAYORS, "vice_mayor_finance"], "dazhou:第十条(一)"),  # 199.99万 (one fen under)
        (199_990_000, [*TWO_VICE_MAYORS, "vice_mayor_finance"], "dazhou:第十条(一)"),  # 199.99万
        (200 * WAN, [*TWO_VICE_MAYORS, "vice_mayor_finance", "mayor"], "dazhou:第十条(二)"),  # 以上 includes
        (499_990_000, [*TWO_VICE_MAYORS, "vice_mayor_finance", "mayor"], "dazhou:第十条(二)"),  # 499.99万
        (500 * WAN, ["executive_meeting"], "dazhou:第十条(三)"),
        (999_990_000, ["executive_meeting"], "dazhou:第十条(三)"),  # 999.99万
        (1000 * WAN, ["executive_meeting", "standing_committee"], "dazhou:第十条(四)"),
    ],
)
def test_authority_table_boundaries(amount_fen, steps, citation):
    decision = domain.approval_route(packs.get("dazhou"), amount_fen)
    assert decision.value == steps
    # issue 19 §3: the band is the citation, the article beside it
    assert decision.citation == citation and decision.article == "dazhou:第十条"
    assert decision.facts == {"total_investment_fen": amount_fen}
    band = next(b for b in packs.get("dazhou").rule("approval.authority").params.bands if list(b.steps) == steps)
    assert band.citation == citation


@pytest.mark.parametrize("amount_fen", [1, 200 * WAN, 1000 * WAN])
def test_finance_committee_collective_review_goes_to_both_meetings(amount_fen):
    decision = domain.approval_route(packs.get("dazhou"), amount_fen, collective=True)
    assert decision.value == ["finance_committee", "executive_meeting", "standing_committee"]


def test_authority_refuses_a_float_amount():
    with pytest.raises(InvalidFact):
        domain.approval_route(packs.get("dazhou"), 2_000_000.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("jurisdiction", "path", "authority"),
    [
        ("dazhou", ["scheme_review", "approval"], "dazhou:第十条"),
        ("jiyuan", ["scheme_review", "approval"], "jiyuan:职责"),
        ("fengxian", ["prescreening", "scheme_review", "approval"], "fengxian:第五条"),
        ("quzhou", ["joint_review", "approval"], "quzhou:三(二)2"),
        (
            "suqian",
            [
                "registration",
                "scheme_review",
                "budget_check",
                "list_management",
                "pre_implementation_check",
                "approval",
            ],
            # suqian's text sets no approval bands: dazhou's 第十条 bands are a marked local setting there
            "suqian:本地设置（非条文规定）",
        ),
    ],
)
def test_each_pack_has_its_path_and_authority(jurisdiction, path, authority):
    pack = packs.get(jurisdiction)
    assert domain.review_path(pack).value["steps"] == path
    assert domain.approval_route(pack, 300 * WAN).article == authority


# --- the five-dimension rule (fengxian:第十八条–第十九条) ---------------------------------------------------


def sheet(score=15, **overrides):
    return {d: overrides.get(d, score) for d in ("necessity", "soundness", "sharing", "security", "cost")}


def test_five_dimensions_come_from_the_pack():
    assert domain.dimensions(packs.get("fengxian")) == ["necessity", "soundness", "sharing", "security", "cost"]
    assert domain.dimensions(packs.get("dazhou")) == []  # dazhou's text sets no scoring


def test_pass_rule_on_both_sides_of_the_marks():
    fx = packs.get("fengxian")
    assert domain.scheme_result(fx, [sheet(12)]).outcome == "pass"  # 60 total, every dimension 12
    assert domain.scheme_result(fx, [sheet(12, cost=11)]).outcome == "fail"  # 59 total
    low = domain.scheme_result(fx, [sheet(20, security=11)])  # 91 total but security below 12
    assert low.outcome == "fail" and low.citation == "fengxian:第十八条,第十九条"
    # means over reviewers: 11 and 13 average to 12 → passes; 11 and 12 average 11.5 → fails
    assert domain.scheme_result(fx, [sheet(12, cost=11), sheet(12, cost=13)]).outcome == "pass"
    assert domain.scheme_result(fx, [sheet(13, cost=11), sheet(13, cost=12)]).outcome == "fail"


def test_a_sheet_off_the_scale_or_incomplete_names_each_problem():
    fx = packs.get("fengxian")
    problems = domain.check_sheet(fx, {"necessity": 21, "soundness": -1, "sharing": 10, "bogus": 3})
    fields = sorted(where for _, where in problems)
    assert fields == ["scores", "scores.bogus", "scores.necessity", "scores.soundness"]
    assert {d.citation for d, _ in problems} == {"fengxian:第十八条"}
    assert domain.check_sheet(fx, sheet(0)) == [] and domain.check_sheet(fx, sheet(20)) == []


# --- pre-screening --------------------------------------------------------------------------------------

PANEL = ["data_bureau", "cyberspace", "finance", "police", "city_operations"]


def test_prescreening_outcomes():
    fx = packs.get("fengxian")
    assert domain.prescreen(fx, PANEL[:-1], [], {}).outcome == "incomplete"
    listed = domain.prescreen(fx, PANEL, ["immature_scheme"], {})
    assert listed.outcome == "not_reviewed" and listed.failures[0].citation == "fengxian:第十五条"
    assert domain.prescreen(fx, PANEL, [], {"city_operations": True}).routed_to == "one_network_governance"
    assert domain.prescreen(fx, PANEL, [], {"data_governance": True}).routed_to == "data_governance_fund"
    assert domain.prescreen(fx, PANEL, [], {}).outcome == "passed"


# --- implementation mode (dazhou:第十一条, 第十二条) ---------------------------------------------------------

BASE = {
    "mandated_by_higher_level": False,
    "national_security_urgent": False,
    "vertical_deployment_approved": False,
    "bundles_goods_or_works": False,
    "security_secrecy_compliant": True,
    "is_secret": False,
}


@pytest.mark.parametrize(("amount", "outcome"), [(1000 * WAN, "pass"), (1000 * WAN + 1, "fail")])
def test_self_build_only_up_to_ten_million_without_a_mandate(amount, outcome):
    facts = {**BASE, "implementation_mode": "self_build", "total_investment_fen": amount}
    self_build, purchase, *_rest = domain.implementation_checks(packs.get("dazhou"), facts)
    assert self_build.outcome == outcome and purchase.value == {"applicable": False}
    mandated = domain.implementation_checks(packs.get("dazhou"), {**facts, "mandated_by_higher_level": True})
    assert mandated[0].outcome == "pass"


def test_suqian_refuses_self_build_in_principle():
    facts = {**BASE, "implementation_mode": "self_build", "total_investment_fen": 10 * WAN}
    assert domain.implementation_checks(packs.get("suqian"), facts)[0].outcome == "fail"
    approved = {**facts, "vertical_deployment_approved": True}
    assert domain.implementation_checks(packs.get("suqian"), approved)[0].outcome == "pass"


def test_purchase_of_service_conditions():
    good = {
        **BASE,
        "implementation_mode": "purchase_of_service",
        "total_investment_fen": 300 * WAN,
        "service_fee_total_fen": 250 * WAN,
        "self_build_total_fen": 300 * WAN,
        "potential_providers": 3,
    }
    assert domain.implementation_checks(packs.get("dazhou"), good)[1].outcome == "pass"
    for bad in (
        {"service_fee_total_fen": 300 * WAN},  # not less than build + O&M
        {"potential_providers": 1},
        {"bundles_goods_or_works": True},
    ):
        assert domain.implementation_checks(packs.get("dazhou"), {**good, **bad})[1].outcome == "fail", bad


# --- expert draws ------------------------------------------------------------------------------------------

UNIT = "奉贤区教育局"
TODAY = date(2026, 5, 10)
employers = st.sampled_from([UNIT, "上海某大学", "某研究院", "某设计院"])
vendors = st.lists(st.sampled_from(["甲公司", "乙公司", "丙公司", "丁公司"]), max_size=2)
recent = st.one_of(st.none(), st.dates(min_value=date(2024, 1, 1), max_value=TODAY))
experts = st.lists(
    st.builds(
        domain.ExpertFacts,
        id=st.uuids().map(lambda u: f"E-{u.hex[:8]}"),
        employer=employers,
        fields=st.just(("software",)),
        vendor_links=vendors.map(tuple),
        last_reviewed_unit_on=recent,
    ),
    min_size=1,
    max_size=30,
    unique_by=lambda e: e.id,
)


@settings(max_examples=150, deadline=None)
@given(pool=experts, applicant_vendors=vendors, seed=st.integers(0, 2**62), count=st.integers(1, 8))
def test_a_draw_never_returns_a_conflicted_expert(pool, applicant_vendors, seed, count):
    pack = packs.get("fengxian")
    screening = domain.screen(pack, pool, unit=UNIT, vendors=applicant_vendors, fields=["software"], today=TODAY)
    chosen = domain.pick(screening.candidates, seed, count)
    by_id = {e.id: e for e in pool}
    for expert_id in chosen:
        expert = by_id[expert_id]
        assert expert.employer != UNIT
        assert not set(expert.vendor_links) & set(applicant_vendors)
        assert expert.last_reviewed_unit_on is None or (TODAY - expert.last_reviewed_unit_on).days >= 365
    # every expert left out is left out for a cited reason
    excluded = {row["expert_id"] for row in screening.excluded}
    assert excluded | set(screening.candidates) == set(by_id)
    assert all(row["citation"] for row in screening.excluded)


def test_cooling_off_boundary_twelve_months():
    pack = packs.get("dazhou")
    expert = domain.ExpertFacts(id="E-1", employer="某大学", last_reviewed_unit_on=date(2025, 5, 10))
    assert domain.conflicts(pack, expert, UNIT, [], date(2026, 5, 10)) == []
    late = domain.conflicts(pack, expert, UNIT, [], date(2026, 5, 9))
    assert [d.rule_id for d in late] == ["review.expert_cooling_off"]


def test_a_draw_is_reproducible_from_its_seed():
    candidates = [f"E-{i:03d}" for i in range(40)]
    assert domain.pick(candidates, 12345, 5) == domain.pick(list(reversed(candidates)), 12345, 5)
    assert domain.draw_order(candidates, 7) == domain.draw_order(candidates, 7)
    assert domain.pick(candidates, 1, 5) != domain.pick(candidates, 2, 5)
    first = domain.pick(candidates, 99, 3)
    assert domain.replacement(candidates, 99, first) == domain.draw_order(candidates, 99)[3]


def test_draws_are_fair_chi_square():
    """Each of 20 candidates should be picked about equally often over many seeded draws."""
    candidates = [f"E-{i:02d}" for i in range(20)]
    counts = Counter()
    draws = 4000
    for seed in range(draws):
        counts.update(domain.pick(candidates, seed, 5))
    observed = [counts[c] for c in candidates]
    assert sum(observed) == draws * 5
    assert chisquare(observed).pvalue > 0.001


def test_fields_filter_the_population():
    pool = [
        domain.ExpertFacts(id="E-a", employer="X", fields=("network",)),
        domain.ExpertFacts(id="E-b", employer="Y", fields=("software", "data")),
    ]
    screening = domain.screen(packs.get("dazhou"), pool, unit=UNIT, vendors=[], fields=["data"], today=TODAY)
    assert screening.candidates == ["E-b"]


def test_plan_year_and_midyear_window():
    assert domain.plan_year(packs.get("fengxian"), 2026, date(2026, 3, 1)) == 2027  # fengxian:第二十条
    assert domain.plan_year(packs.get("dazhou"), 2026, date(2026, 3, 1)) == 2026
    dz = packs.get("dazhou")
    assert domain.midyear_adjustment(dz, date(2026, 7, 1)).outcome == "pass"
    assert domain.midyear_adjustment(dz, date(2026, 7, 31)).outcome == "pass"
    assert domain.midyear_adjustment(dz, date(2026, 6, 30)).outcome == "fail"
    assert domain.midyear_adjustment(dz, date(2026, 8, 1)).citation == "dazhou:第十三条"
