"""Each rule kind on the dazhou pack, stage evaluation, and the one place 以上/以下 is decided."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.policy import Band, Decision, MissingFacts, Pack, PolicyError, Semantics, UnknownRule, parse_amount
from shared.policy.amounts import check_bands, format_fen, parse_ratio

from .conftest import WAN

# --- amounts and the semantics of 第六十二条 -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fen"),
    [("30万元", 30 * WAN), ("199.99万元", 199_990_000), ("500元", 50_000), ("0.01元", 1), (12345, 12345), ("7分", 7)],
)
def test_parse_amount(text, fen: int) -> None:
    assert parse_amount(text) == fen


@pytest.mark.parametrize("bad", [3.5, "0.001元", "-5元", -1, True, "30 million", None])
def test_parse_amount_refuses(bad) -> None:
    with pytest.raises(ValueError):
        parse_amount(bad)


def test_format_fen() -> None:
    assert format_fen(199_990_000) == "199.99万元"
    assert format_fen(200 * WAN) == "200万元"
    assert format_fen(12_345) == "123.45元"


def test_ratio_is_exact() -> None:
    assert parse_ratio("10%") == Fraction(1, 10)
    assert parse_ratio("0.15") == Fraction(3, 20)
    sem = Semantics()
    assert sem.ratio_holds(100 * WAN, 1000 * WAN, "不超过", Fraction(1, 10))
    assert not sem.ratio_holds(100 * WAN + 1, 1000 * WAN, "不超过", Fraction(1, 10))
    with pytest.raises(ValueError):
        parse_ratio(0.1)


def test_semantics_of_yishang_and_yixia() -> None:
    dazhou = Semantics(yishang_includes=True, yixia_includes=False)
    assert dazhou.compare(200, "以上", 200) and not dazhou.compare(200, "以下", 200)
    civil_code = Semantics(yishang_includes=True, yixia_includes=True)
    assert civil_code.compare(200, "以下", 200)
    assert Band(200, 500).contains(200) and not Band(200, 500).contains(500)
    assert check_bands([Band(None, 200), Band(200, None)], dazhou) is None
    assert "2 bands" in (check_bands([Band(None, 200), Band(200, None)], civil_code) or "")
    assert "meet" in (check_bands([Band(None, 200), Band(300, None)], dazhou) or "")


def test_the_pack_reads_its_semantics_from_its_rule(dazhou: Pack) -> None:
    decision = dazhou.decide("thresholds.semantics", {})
    assert decision.outcome == "info"
    assert decision.value == {"以上": ">=", "以下": "<"}
    assert dazhou.semantics == Semantics(yishang_includes=True, yixia_includes=False)


def _reference_authority(amount: int) -> str:
    if amount < 200 * WAN:
        return "vice_mayor_finance"
    if amount < 500 * WAN:
        return "mayor"
    if amount < 1000 * WAN:
        return "executive_meeting"
    return "standing_committee"


@given(st.integers(min_value=0, max_value=10**13))
def test_authority_table_matches_the_article_for_any_amount(amount: int) -> None:
    from shared.policy import packs

    assert packs.get("dazhou").authority("approval.authority", amount).value[-1] == _reference_authority(amount)


# --- kinds -------------------------------------------------------------------------------------------


def test_list_reports_every_hit_with_its_item_citation(dazhou: Pack) -> None:
    decision = dazhou.decide("intake.not_accepted", {"project_tags": ["new_server", "mobile_app", "website_platform"]})
    assert decision.outcome == "fail"
    assert [(h["item"], h["citation"]) for h in decision.value] == [
        ("intake.not_accepted.1", "dazhou:第二十条(一)"),
        ("intake.not_accepted.4", "dazhou:第二十条(四)"),
    ]
    assert decision.field == "project_tags"
    clean = dazhou.decide("intake.not_accepted", {"project_tags": []})
    assert clean.outcome == "pass"


def test_every_not_accepted_item_has_its_own_id() -> None:
    from shared.policy import packs

    items = packs.default.rule("intake.not_accepted").params.items
    assert [i.id for i in items] == [f"intake.not_accepted.{n}" for n in range(1, 9)]
    assert [i.citation for i in items] == [f"dazhou:第二十条({n})" for n in "一二三四五六七八"]


def test_allowed_list_fails_on_anything_outside(dazhou: Pack) -> None:
    decision = dazhou.decide("scope.out_of_scope_items", {"scope_items": ["business_system", "office_pc"]})
    assert decision.outcome == "fail"
    assert decision.value == [{"tag": "office_pc", "item": None}]
    assert decision.effect == "out_of_scope"


def test_flag_list_is_information(dazhou: Pack) -> None:
    decision = dazhou.decide("intake.priority_key_types", {"priority_tags": ["critical_infrastructure_security"]})
    assert decision.outcome == "info"
    assert decision.value[0]["citation"] == "dazhou:第十九条(五)"


def test_required_materials(dazhou: Pack) -> None:
    rule = dazhou.rule("intake.required_materials")
    everything = list(rule.params.required)
    assert dazhou.decide("intake.required_materials", {"materials": everything}).outcome == "pass"
    lacking = dazhou.decide("intake.required_materials", {"materials": everything[:-2]})
    assert lacking.outcome == "fail"
    assert lacking.value["missing"] == ["om_funding", "funding_channels"]
    assert "运行维护经费" in lacking.message_zh and "O&M funding" in lacking.message_en


@pytest.mark.parametrize(
    ("facts", "outcome"),
    [
        ({"construction_type": "upgrade", "original_project_accepted": False}, "fail"),
        ({"construction_type": "upgrade", "original_project_accepted": True}, "pass"),
        ({"construction_type": "new"}, "pass"),
    ],
)
def test_upgrade_of_unaccepted_project(dazhou: Pack, facts, outcome) -> None:
    assert dazhou.decide("intake.upgrade_not_accepted_project", facts).outcome == outcome


def test_upgrade_needs_the_acceptance_fact(dazhou: Pack) -> None:
    with pytest.raises(MissingFacts) as info:
        dazhou.decide("intake.upgrade_not_accepted_project", {"construction_type": "upgrade"})
    assert info.value.missing == ["original_project_accepted"]


def test_acceptance_items_depend_on_a_new_data_centre(dazhou: Pack) -> None:
    base = ["mlps_test", "crypto_review", "secure_reliable_products"]
    assert dazhou.decide("acceptance.items", {"acceptance_items": base}).outcome == "pass"
    with_dc = dazhou.decide("acceptance.items", {"acceptance_items": base, "new_data_center": True})
    assert with_dc.outcome == "fail"
    assert with_dc.value["missing"] == ["datacenter_energy_efficiency"]


def test_payment_requires_both_documents(dazhou: Pack) -> None:
    both = {"pre_acceptance_approval_letter": True, "acceptance_report": True}
    assert dazhou.decide("budget.payment_requires_acceptance", both).outcome == "pass"
    one = dazhou.decide("budget.payment_requires_acceptance", {**both, "acceptance_report": False})
    assert one.outcome == "fail" and one.value["missing"] == ["acceptance_report"]
    assert one.effect == "block"


@pytest.mark.parametrize(
    ("it_fen", "target"),
    [(50 * WAN, "drc"), (50 * WAN + 1, "data_bureau"), (49 * WAN, "drc"), (100 * WAN, "data_bureau")],
)
def test_mixed_project_route(dazhou: Pack, it_fen: int, target: str) -> None:
    decision = dazhou.decide("intake.mixed_project_route", {"it_estimate_fen": it_fen, "total_estimate_fen": 100 * WAN})
    assert decision.value == target
    assert decision.outcome == "info"


def test_acceptance_path(dazhou: Pack) -> None:
    decision = dazhou.decide("acceptance.path", {})
    assert decision.value["path"] == "dazhou_acceptance"
    # 第四十八条: pre-acceptance approval by the bureau, then performance acceptance by the unit (a trial run
    # step before them is the acceptance service's choice)
    assert decision.value["steps"][-2:] == ["pre_acceptance_approval", "performance_acceptance"]
    assert decision.citation == "dazhou:第四十七条–第四十九条"


@pytest.mark.parametrize(
    ("level", "next_step"),
    [
        (None, "public_criticism"),
        ("public_criticism", "plan_deferred"),
        ("plan_deferred", "suspended"),
        ("suspended", "terminated"),
        ("terminated", "terminated"),
    ],
)
def test_supervision_escalation_ladder(dazhou: Pack, level, next_step) -> None:
    facts = {"rectification_failed": True}
    if level:
        facts["escalation_level"] = level
    decision = dazhou.decide("supervision.escalation", facts)
    assert decision.outcome == "fail"
    assert decision.value["next_step"] == next_step
    assert decision.effect == "escalate"


def test_rectified_finding_does_not_escalate(dazhou: Pack) -> None:
    assert dazhou.decide("supervision.escalation", {"rectification_failed": False}).outcome == "pass"


def test_sanction_any_of(dazhou: Pack) -> None:
    hazard = dazhou.decide("intake.security_failure_bar", {"major_security_hazard": True})  # one is enough
    assert hazard.outcome == "fail"
    assert hazard.value["bars"] == ["om_funding", "new_project", "rebuild_project", "extend_project"]
    clean = dazhou.decide("intake.security_failure_bar", {"major_security_hazard": False, "security_compliant": True})
    assert clean.outcome == "pass"
    with pytest.raises(MissingFacts):
        dazhou.decide("intake.security_failure_bar", {"major_security_hazard": False})


def test_data_aggregation_bar(dazhou: Pack) -> None:
    decision = dazhou.decide("intake.data_aggregation", {"data_aggregation_complete": False})
    assert decision.outcome == "fail" and decision.value["bars"] == ["new_project_application"]


@pytest.mark.parametrize(
    ("facts", "outcome"),
    [
        ({"implementation_mode": "self_build", "total_investment_fen": 1000 * WAN}, "pass"),
        (
            {"implementation_mode": "self_build", "total_investment_fen": 2000 * WAN, "mandated_by_higher_level": True},
            "pass",
        ),
        (
            {
                "implementation_mode": "self_build",
                "total_investment_fen": 1000 * WAN + 1,
                "mandated_by_higher_level": False,
                "national_security_urgent": False,
            },
            "fail",
        ),
        ({"implementation_mode": "purchase_of_service"}, "info"),
    ],
)
def test_self_build_allowed(dazhou: Pack, facts, outcome) -> None:
    decision = dazhou.decide("review.self_build_allowed", facts)
    assert decision.outcome == outcome
    if outcome == "info":
        assert decision.value == {"applicable": False}


def test_self_build_needs_a_fact_only_when_undecided(dazhou: Pack) -> None:
    with pytest.raises(MissingFacts) as info:
        dazhou.decide(
            "review.self_build_allowed", {"implementation_mode": "self_build", "total_investment_fen": 2000 * WAN}
        )
    assert info.value.missing == ["mandated_by_higher_level", "national_security_urgent"]


def test_purchase_of_service(dazhou: Pack) -> None:
    facts = {
        "implementation_mode": "purchase_of_service",
        "bundles_goods_or_works": False,
        "service_fee_total_fen": 300 * WAN,
        "self_build_total_fen": 400 * WAN,
        "potential_providers": 3,
        "security_secrecy_compliant": True,
    }
    assert dazhou.decide("review.purchase_of_service", facts).outcome == "pass"
    single = dazhou.decide("review.purchase_of_service", {**facts, "potential_providers": 1})
    assert single.outcome == "fail" and single.field == "potential_providers"
    dearer = dazhou.decide("review.purchase_of_service", {**facts, "service_fee_total_fen": 400 * WAN})
    assert dearer.outcome == "fail" and dearer.field == "service_fee_total_fen"


def test_estimate_and_control_price_ceilings(dazhou: Pack) -> None:
    assert dazhou.decide("budget.control_price_ceiling", {"control_price_fen": 5, "approved_estimate_fen": 5}).passed
    assert not dazhou.decide(
        "budget.control_price_ceiling", {"control_price_fen": 6, "approved_estimate_fen": 5}
    ).passed
    assert not dazhou.decide("procurement.tender_ceiling", {"tender_ceiling_fen": 6, "approved_estimate_fen": 5}).passed
    assert dazhou.decide("budget.estimate_ceiling", {"total_investment_fen": 5, "approved_estimate_fen": 5}).passed


# --- stages, facts, decisions ----------------------------------------------------------------------


def test_evaluate_a_stage_reports_every_missing_fact_by_rule(dazhou: Pack) -> None:
    with pytest.raises(MissingFacts) as info:
        dazhou.evaluate("acceptance", {"trial_run_started_on": "2026-01-01"})
    assert "acceptance.items" in info.value.by_rule
    assert info.value.by_rule["acceptance.items"] == ["acceptance_items"]
    assert "acceptance.trial_run" not in info.value.by_rule
    assert "acceptance_items" in info.value.missing


def test_evaluate_a_stage(dazhou: Pack) -> None:
    facts = {
        "trial_run_started_on": "2026-01-01",
        "trial_run_ended_on": "2026-02-01",
        "acceptance_items": [
            "mlps_test",
            "crypto_review",
            "secure_reliable_products",
            "public_platform_connected",
            "no_exclusive_data_opening",
            "sharing_and_security_status",
        ],
    }
    decisions = dazhou.evaluate("acceptance", facts)
    assert [d.rule_id for d in decisions] == [
        "acceptance.trial_run",
        "acceptance.path",
        "acceptance.items",
        "acceptance.information_sharing",
        "acceptance.sharing_security_basis",
    ]
    assert all(d.outcome != "fail" for d in decisions)


def test_evaluate_selected_rules(dazhou: Pack) -> None:
    decisions = dazhou.evaluate(
        None, {"total_investment_fen": 30 * WAN}, ["scope.min_investment", "approval.authority"]
    )
    assert [d.outcome for d in decisions] == ["pass", "info"]
    with pytest.raises(PolicyError, match="not in stage"):
        dazhou.evaluate("budget", {"total_investment_fen": 1}, ["scope.min_investment"])
    with pytest.raises(UnknownRule):
        dazhou.evaluate(None, {}, ["no.such_rule"])
    with pytest.raises(PolicyError, match="unknown stage"):
        dazhou.evaluate("construction", {})


def test_every_stage_has_rules(dazhou: Pack) -> None:
    for stage in ("intake", "review", "budget", "procurement", "acceptance", "catalog", "general"):
        assert dazhou.rules_for(stage), stage


def test_needs_lists_required_and_optional_facts(dazhou: Pack) -> None:
    assert dazhou.needs("procurement.supplement_cap") == {
        "required": ["original_contract_fen", "supplement_fen"],
        "optional": ["previous_supplements_fen"],
    }
    assert dazhou.needs("acceptance.trial_run")["optional"] == ["as_of", "trial_run_ended_on"]


def test_decision_is_frozen_and_records_as_json(dazhou: Pack) -> None:
    decision = dazhou.decide(
        "acceptance.trial_run", {"trial_run_started_on": "2026-01-31", "trial_run_ended_on": "2026-03-01"}
    )
    assert isinstance(decision, Decision)
    with pytest.raises(ValidationError):
        decision.outcome = "fail"  # type: ignore[misc]
    record = decision.as_record()
    json.dumps(record, ensure_ascii=False)
    assert record["pack"] == "dazhou" and record["pack_version"] == dazhou.version
    assert record["quote"].startswith("项目建设完成后")
    assert set(record) >= {
        "rule_id",
        "citation",
        "quote",
        "kind",
        "outcome",
        "value",
        "message_zh",
        "message_en",
        "field",
        "facts",
    }


def test_wrong_types_are_invalid_facts(dazhou: Pack) -> None:
    from shared.policy import InvalidFact

    with pytest.raises(InvalidFact):
        dazhou.decide("scope.min_investment", {"total_investment_fen": "30万元"})
    with pytest.raises(InvalidFact):
        dazhou.decide("intake.data_aggregation", {"data_aggregation_complete": "no"})
    with pytest.raises(InvalidFact):
        dazhou.decide("intake.not_accepted", {"project_tags": [1, 2]})
    with pytest.raises(InvalidFact):
        dazhou.decide("supervision.escalation", {"rectification_failed": True, "escalation_level": "jail"})
    with pytest.raises(InvalidFact):
        dazhou.decide("procurement.supplement_cap", {"supplement_fen": 1, "original_contract_fen": 0})
