"""Procurement decisions against the real packs: ceilings, the 10% cap, the authority table on each
boundary, construction period, delays, organisers and supervision per jurisdiction."""

from __future__ import annotations

from datetime import date

import pytest

from services.procurement import domain
from shared.policy import packs

WAN = 1_000_000
dazhou = packs.get("dazhou")


def citations(decisions) -> list[str]:
    return [d.citation for d in domain.blocking(decisions)]


def test_a_tender_above_the_estimate_is_refused_in_dazhou_citing_article_38():
    assert citations(domain.ceiling_decisions(dazhou, 300 * WAN + 1, 300 * WAN)) == ["dazhou:第三十八条"]
    assert citations(domain.ceiling_decisions(dazhou, 300 * WAN, 300 * WAN)) == []


def test_in_quzhou_a_tender_above_the_estimate_breaks_both_rules():
    quzhou = packs.get("quzhou")
    decisions = domain.tender_decisions(quzhou, plan_filed=True, ceiling_fen=300 * WAN + 1, estimate_fen=300 * WAN)
    assert sorted(citations(decisions)) == [
        "quzhou:三(三)1",
        "quzhou:本地设置（非条文规定）",
    ]  # dazhou:第三十八条 is a local setting in quzhou
    assert (
        citations(domain.tender_decisions(quzhou, plan_filed=True, ceiling_fen=300 * WAN, estimate_fen=300 * WAN)) == []
    )


def test_a_tender_without_a_filed_plan_is_refused_citing_article_40():
    decisions = domain.tender_decisions(dazhou, plan_filed=False, ceiling_fen=1, estimate_fen=2)
    assert citations(decisions) == ["dazhou:第四十条"]


@pytest.mark.parametrize("pack_id", ["dazhou", "quzhou", "jiyuan", "fengxian", "suqian"])
def test_the_cumulative_cap_allows_exactly_ten_percent_and_refuses_one_fen_more(pack_id):
    pack = packs.get(pack_id)
    original = 1_234_567_89  # not a round figure: the ratio is exact, never a float
    tenth = original // 10  # 12_345_678 fen; 10% is 12_345_678.9 fen
    assert domain.supplement_cap(pack, tenth, 0, original).outcome == "pass"
    assert domain.supplement_cap(pack, tenth - 100, 100, original).outcome == "pass"
    assert domain.supplement_cap(pack, tenth + 1, 0, original).outcome == "fail"
    round_original = 100 * WAN
    assert domain.supplement_cap(pack, 4 * WAN, 6 * WAN, round_original).outcome == "pass"  # exactly 10%
    refused = domain.supplement_cap(pack, 4 * WAN + 1, 6 * WAN, round_original)
    assert refused.outcome == "fail" and refused.effect == "reject"


def test_the_cap_cites_article_43_in_dazhou_and_article_22_in_fengxian():
    assert domain.supplement_cap(dazhou, 11, 0, 100).citation == "dazhou:第四十三条"
    assert domain.supplement_cap(packs.get("fengxian"), 11, 0, 100).citation == "fengxian:第二十二条"


FOUR = ["vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance"]


@pytest.mark.parametrize(
    ("amount", "steps"),
    [
        (1, FOUR),
        (500 * WAN - 1, FOUR),
        (500 * WAN, [*FOUR, "mayor"]),
        (1000 * WAN - 1, [*FOUR, "mayor"]),
        (1000 * WAN, ["executive_meeting"]),
        (5000 * WAN - 1, ["executive_meeting"]),
        (5000 * WAN, ["executive_meeting", "standing_committee"]),
    ],
)
def test_the_supplement_authority_table_on_each_boundary(amount, steps):
    decision = domain.supplement_authority(dazhou, amount)
    assert decision.value == steps and decision.article == "dazhou:第四十三条"
    assert decision.citation.startswith("dazhou:第四十三条(")  # the band (issue 19 §3)


def test_fengxian_changes_are_reviewed_by_the_bureau_whatever_the_amount():
    assert domain.supplement_authority(packs.get("fengxian"), 6000 * WAN).value == ["data_bureau"]


def test_construction_period_is_one_year_from_signing_and_a_later_plan_is_recorded_not_refused():
    decision, due = domain.construction_period(dazhou, date(2026, 3, 2), date(2027, 3, 2))
    assert due == date(2027, 3, 2) and decision.outcome == "pass"
    late, _ = domain.construction_period(dazhou, date(2026, 3, 2), date(2027, 3, 3))
    assert late.outcome == "fail" and late.citation == "dazhou:第四十二条"
    assert domain.blocking([late]) == []  # 原则上: watched as a deadline, not a refusal


@pytest.mark.parametrize(
    ("kind", "progress", "handling"),
    [
        ("serious_delay", False, "report_rectify_or_suspend"),
        ("major_loss", True, "report_rectify_or_suspend"),
        ("cannot_continue", True, "terminate_with_approval"),
        ("cannot_continue", False, "continue"),
    ],
)
def test_delay_handling_routes_per_article_46(kind, progress, handling):
    decision = domain.delay_handling(dazhou, kind, progress)
    assert decision.value == handling and decision.citation == "dazhou:第四十六条"


@pytest.mark.parametrize(
    ("pack_id", "soe", "path", "steps", "citation"),
    [
        ("dazhou", False, "government_procurement", ["unit"], "dazhou:第三十九条,第四十一条"),
        ("dazhou", True, "soe_self_organised", ["unit"], "dazhou:第三十九条,第四十一条"),
        ("jiyuan", False, "central_volume_procurement", ["leading_office", "procurement_center"], "jiyuan:项目建设"),
        ("fengxian", False, "district_procurement_centre", ["procurement_center"], "fengxian:第二十一条"),
        (
            "suqian",
            False,
            "government_procurement",
            ["unit"],
            "suqian:本地设置（非条文规定）",
        ),  # no text: local setting
    ],
)
def test_who_organises_the_procurement(pack_id, soe, path, steps, citation):
    decision = domain.organiser(packs.get(pack_id), unit_is_soe=soe, above_procurement_limit=True, in_annual_plan=True)
    assert decision.value == {"path": path, "steps": steps} and decision.article == citation
    if pack_id == "dazhou":  # the case that decided names its own article (issue 19 §3)
        assert decision.citation == ("dazhou:第四十一条" if soe else "dazhou:第三十九条")


def test_fengxian_below_the_catalogue_threshold_procures_itself():
    decision = domain.organiser(
        packs.get("fengxian"), unit_is_soe=False, above_procurement_limit=False, in_annual_plan=True
    )
    assert decision.value["path"] == "government_procurement"


def test_supervision_is_required_for_major_projects_in_jiyuan_and_only_encouraged_in_quzhou():
    jiyuan, quzhou = packs.get("jiyuan"), packs.get("quzhou")
    assert citations(domain.supervision_decisions(jiyuan, major_project=True, supervisor=None)) == ["jiyuan:项目建设"]
    assert citations(domain.supervision_decisions(jiyuan, major_project=True, supervisor="某监理公司")) == []
    assert citations(domain.supervision_decisions(jiyuan, major_project=False, supervisor=None)) == []
    encouraged = domain.supervision_decisions(quzhou, major_project=True, supervisor=None)
    assert encouraged[0].outcome == "fail" and domain.blocking(encouraged) == []
    assert domain.supervision_decisions(dazhou, major_project=True, supervisor=None) == []


def test_the_plan_needs_the_control_price_above_the_procurement_threshold():
    missing = domain.plan_decisions(
        dazhou, estimate_fen=100, budget_fen=100, control_price_fen=None, above_procurement_limit=True
    )
    assert citations(missing) == ["dazhou:第三十九条"]
    below = domain.plan_decisions(
        dazhou, estimate_fen=100, budget_fen=100, control_price_fen=None, above_procurement_limit=False
    )
    assert citations(below) == []
    over = domain.plan_decisions(
        dazhou, estimate_fen=100, budget_fen=100, control_price_fen=101, above_procurement_limit=True
    )
    assert citations(over) == ["dazhou:第三十八条"]
