"""Each jurisdiction's pack decides at least one case differently from the default (dazhou), as its
own regulation says — the difference is data, visible as own (not inherited) rules."""

from __future__ import annotations

from datetime import date

import pytest

from shared.policy import UnknownRule, packs

WAN = 1_000_000


def test_quzhou_final_acceptance_only_three_months_after_all_preliminary_acceptances():
    quzhou = packs.get("quzhou")
    rule = "acceptance.final_application_after_preliminary"
    assert quzhou.rule(rule).citation == "quzhou:三(三)5" and not quzhou.rule(rule).inherited
    preliminary = {"preliminary_completed_on": date(2026, 3, 31)}
    assert quzhou.decide(rule, {**preliminary, "final_application_on": date(2026, 6, 29)}).outcome == "fail"
    assert quzhou.decide(rule, {**preliminary, "final_application_on": date(2026, 6, 30)}).outcome == "pass"
    with pytest.raises(UnknownRule):
        packs.default.rule(rule)  # dazhou has no such wait: its path is pre-acceptance → performance acceptance


def test_quzhou_and_jiyuan_approve_through_the_drc_where_dazhou_goes_to_the_leaders():
    amount = 700 * WAN
    assert packs.default.authority("approval.authority", amount).value == ["executive_meeting"]
    assert packs.get("quzhou").authority("approval.authority", amount).value == ["drc"]
    assert packs.get("jiyuan").authority("approval.authority", amount).value == ["drc"]


def test_fengxian_organises_acceptance_within_30_calendar_days():
    fengxian = packs.get("fengxian")
    received = {"application_received_on": date(2026, 9, 28)}
    assert fengxian.due("acceptance.organise_within", date(2026, 9, 28)) == date(2026, 10, 28)  # over National Day
    assert (
        fengxian.decide(
            "acceptance.organise_within", {**received, "acceptance_organised_on": date(2026, 10, 28)}
        ).outcome
        == "pass"
    )
    late = fengxian.decide("acceptance.organise_within", {**received, "acceptance_organised_on": date(2026, 10, 29)})
    assert late.outcome == "fail" and late.citation == "fengxian:第二十四条"


def test_jiyuan_acceptance_panel_includes_the_drc_and_nobody_else_outside_its_list():
    jiyuan = packs.get("jiyuan")
    assert (
        jiyuan.decide("acceptance.panel_allowed", {"panel_roles": ["data_bureau", "drc", "expert"]}).outcome == "pass"
    )
    refused = jiyuan.decide("acceptance.panel_allowed", {"panel_roles": ["data_bureau", "finance"]})
    assert refused.outcome == "fail" and refused.citation == "jiyuan:项目验收"


def test_suqian_monitors_monthly_and_forcibly_retires_after_three_abnormal_months():
    suqian = packs.get("suqian")
    assert suqian.decide("catalog.running_normally", {"usage_count": 0, "availability_bp": 9900}).outcome == "fail"
    assert suqian.decide("catalog.running_normally", {"usage_count": 12, "availability_bp": 9000}).outcome == "pass"
    assert suqian.decide("catalog.forced_retirement", {"consecutive_abnormal_months": 2}).outcome == "pass"
    retired = suqian.decide("catalog.forced_retirement", {"consecutive_abnormal_months": 3})
    assert retired.outcome == "fail" and retired.citation == "suqian:(二)"
    with pytest.raises(UnknownRule):
        packs.default.rule("catalog.forced_retirement")


def test_fengxian_caps_contract_changes_at_10_percent_reviewed_by_the_bureau():
    fengxian = packs.get("fengxian")
    facts = {"original_contract_fen": 1000 * WAN, "previous_supplements_fen": 60 * WAN}
    assert fengxian.decide("procurement.supplement_cap", {**facts, "supplement_fen": 40 * WAN}).outcome == "pass"
    over = fengxian.decide("procurement.supplement_cap", {**facts, "supplement_fen": 40 * WAN + 1})
    assert over.outcome == "fail" and over.citation == "fengxian:第二十二条"
    assert packs.default.rule("procurement.supplement_cap").citation == "dazhou:第四十三条"


@pytest.mark.parametrize("pack_id", ["quzhou", "jiyuan", "fengxian", "suqian"])
def test_every_child_pack_has_own_rules_and_marks_what_it_inherits(pack_id):
    pack = packs.get(pack_id)
    own = [r for r in pack.rules if not r.inherited]
    inherited = [r for r in pack.rules if r.inherited]
    assert own and inherited
    assert all(r.citation.startswith(f"{pack_id}:") for r in own)
    # an inherited rule is never shown under another city's article: it is a marked local setting (or the
    # own article pointing to a higher document); where its default came from stays in origin_citation
    assert all(r.citation.startswith(f"{pack_id}:") for r in inherited)
    assert all(r.basis in ("local_setting", "higher_document") for r in inherited)
    assert all(r.origin_citation.startswith("dazhou:") for r in inherited)
