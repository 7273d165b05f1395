"""Budget's decisions against the real packs: deadlines on the official calendar, the 15% boundary, release
rules per jurisdiction, O&M conditions, city–county shares and data-operation payments."""

from __future__ import annotations

from datetime import date

import pytest

from services.budget import domain
from services.budget.om import OM_ACCEPTANCE, OM_REASSESSMENT, OmFacts, om_decisions, om_timing_missing
from shared.policy import packs

WAN = 1_000_000


@pytest.fixture(scope="module")
def dazhou():
    return packs.get("dazhou")


def test_technical_review_counts_working_days_across_national_day_and_the_makeup_saturday(dazhou):
    # Plan delivered Mon 2026-09-28: 29, 30, (Oct 1–7 off), 8, 9, Sat 10 (make-up working day), 12–16 → due Fri 16th.
    assert dazhou.due(domain.TECHNICAL_REVIEW_DUE, date(2026, 9, 28)) == date(2026, 10, 16)
    on_time = domain.technical_review_decision(dazhou, date(2026, 9, 28), date(2026, 10, 16))
    late = domain.technical_review_decision(dazhou, date(2026, 9, 28), date(2026, 10, 17))
    assert on_time.outcome == "pass" and late.outcome == "fail"
    assert late.citation == "dazhou:第三十七条"


def test_control_price_review_is_thirty_working_days_across_the_holiday(dazhou):
    # From Fri 2026-09-25: Sep 28–30 (3), Oct 8, 9, Sat 10 (6), then five-day weeks to Nov 6 (26), Nov 9–12 (30).
    due = dazhou.due(domain.CONTROL_PRICE_REVIEW_DUE, date(2026, 9, 25))
    assert due == date(2026, 11, 12)
    assert domain.control_price_review_decision(dazhou, date(2026, 9, 25), due).outcome == "pass"
    late = domain.control_price_review_decision(dazhou, date(2026, 9, 25), date(2026, 11, 13))
    assert late.outcome == "fail" and late.citation == "dazhou:第三十八条"


def test_price_consultation_needs_seven_days_and_the_plan_sixty_days_after(dazhou):
    assert domain.consultation_decision(dazhou, date(2026, 3, 1), date(2026, 3, 7)).outcome == "fail"
    assert domain.consultation_decision(dazhou, date(2026, 3, 1), date(2026, 3, 8)).outcome == "pass"
    decisions = domain.technical_plan_decisions(dazhou, date(2026, 3, 1), date(2026, 3, 8), date(2026, 5, 7))
    assert [d.outcome for d in decisions] == ["pass", "pass"]
    late = domain.technical_plan_decisions(dazhou, date(2026, 3, 1), date(2026, 3, 8), date(2026, 5, 8))
    assert late[1].outcome == "fail" and late[1].citation == "dazhou:第三十六条"


def test_control_price_may_equal_but_not_exceed_the_estimate(dazhou):
    assert domain.control_price_ceiling(dazhou, 500 * WAN, 500 * WAN).outcome == "pass"
    above = domain.control_price_ceiling(dazhou, 500 * WAN + 1, 500 * WAN)
    assert above.outcome == "fail" and above.citation == "dazhou:第三十八条"


def _route(pack, amount, previous=(), case="optimisation", major=False, total=1000 * WAN, goals=True):
    return domain.adjustment_route(
        pack,
        approved_total_fen=1000 * WAN,
        adjusted_total_fen=total,
        amount_fen=amount,
        previous_adjustments_fen=list(previous),
        goals_unchanged=goals,
        case=case,
        major=major,
    )


def test_exactly_fifteen_percent_is_filing_and_one_fen_more_needs_approval(dazhou):
    assert _route(dazhou, 150 * WAN).route == "filing"
    over = _route(dazhou, 150 * WAN + 1)
    assert over.route == "approval"
    assert [d.citation for d in over.reasons] == ["dazhou:第四十五条"]


def test_adjustments_count_cumulatively_toward_fifteen_percent(dazhou):
    assert _route(dazhou, 50 * WAN, previous=[60 * WAN, 40 * WAN]).route == "filing"
    assert _route(dazhou, 50 * WAN + 1, previous=[60 * WAN, 40 * WAN]).route == "approval"


def test_outside_the_three_cases_above_the_total_or_major_needs_approval(dazhou):
    other = _route(dazhou, 10 * WAN, case="other")
    assert other.route == "approval" and other.reasons[0].rule_id == domain.ADJUSTMENT_CASES
    assert _route(dazhou, 10 * WAN, total=1000 * WAN + 1).route == "approval"
    assert _route(dazhou, 10 * WAN, goals=False).route == "approval"
    major = _route(dazhou, 10 * WAN, major=True)
    assert major.route == "approval" and major.reasons[0].citation == "dazhou:第四十四条"


def _facts(**kw):
    base = dict(
        amount_fen=100 * WAN,
        released_fen=0,
        estimate_fen=1000 * WAN,
        accepted=True,
        acceptance_documents=("pre_acceptance_approval_letter", "acceptance_report"),
        approval_letter_no="达市数字立项〔2027〕1号",
    )
    return domain.ReleaseFacts(**{**base, **kw})


def test_dazhou_release_needs_both_documents_and_stays_under_the_estimate(dazhou):
    assert domain.failed(domain.release_decisions(dazhou, _facts())) == []
    one_document = domain.failed(
        domain.release_decisions(dazhou, _facts(acceptance_documents=("pre_acceptance_approval_letter",)))
    )
    assert [d.citation for d in one_document] == ["dazhou:第四十九条"]
    assert "履约验收报告" in one_document[0].message_zh
    at_ceiling = domain.release_decisions(dazhou, _facts(released_fen=900 * WAN))
    assert domain.failed(at_ceiling) == []
    above = domain.failed(domain.release_decisions(dazhou, _facts(released_fen=900 * WAN + 1)))
    assert [d.citation for d in above] == ["dazhou:第二十八条"]


@pytest.mark.parametrize(("pack_id", "citation"), [("jiyuan", "jiyuan:项目验收"), ("fengxian", "fengxian:第二十六条")])
def test_no_payment_before_completion_acceptance_in_jiyuan_and_fengxian(pack_id, citation):
    pack = packs.get(pack_id)
    refused = domain.failed(domain.release_decisions(pack, _facts(accepted=False, acceptance_documents=())))
    assert [d.citation for d in refused] == [citation]
    assert domain.failed(domain.release_decisions(pack, _facts(acceptance_documents=()))) == []


def test_every_failure_is_reported_together(dazhou):
    refused = domain.failed(
        domain.release_decisions(
            dazhou,
            _facts(accepted=False, acceptance_documents=(), released_fen=1000 * WAN, supervision_steps=("suspended",)),
        )
    )
    assert {d.rule_id for d in refused} == {
        domain.PAYMENT_REQUIRES_ACCEPTANCE,
        domain.ESTIMATE_CEILING,
        domain.RELEASE_STOPPED,
    }


def test_suspended_or_terminated_stops_releases_criticism_does_not(dazhou):
    for step in ("suspended", "terminated"):
        refused = domain.failed(domain.release_decisions(dazhou, _facts(supervision_steps=(step,))))
        assert [d.citation for d in refused] == ["dazhou:第五十三条"]
    assert domain.failed(domain.release_decisions(dazhou, _facts(supervision_steps=("public_criticism",)))) == []


def test_spending_from_an_unapproved_major_change_is_never_funded(dazhou):
    refused = domain.failed(domain.release_decisions(dazhou, _facts(adjustment_major=True, adjustment_approved=False)))
    assert [d.citation for d in refused] == ["dazhou:第四十四条"]
    approved = domain.release_decisions(dazhou, _facts(adjustment_major=True, adjustment_approved=True))
    assert domain.failed(approved) == []


def test_quzhou_joint_project_shares_and_per_level_ceiling():
    quzhou = packs.get("quzhou")
    assert domain.shares_decision(quzhou, [600 * WAN, 400 * WAN], 1000 * WAN).outcome == "pass"
    off = domain.shares_decision(quzhou, [600 * WAN, 400 * WAN - 1], 1000 * WAN)
    assert off.outcome == "fail" and off.citation == "quzhou:三(二)3"
    assert (
        domain.failed(domain.release_decisions(quzhou, _facts(payer_share_fen=400 * WAN, payer_released_fen=300 * WAN)))
        == []
    )
    over = domain.failed(
        domain.release_decisions(quzhou, _facts(payer_share_fen=400 * WAN, payer_released_fen=300 * WAN + 1))
    )
    assert [d.citation for d in over] == ["quzhou:三(二)3"]
    assert not packs.get("dazhou").has(domain.JOINT_SHARES)


def _om(**kw):
    base = dict(
        funding_year=2027,
        submitted_on=date(2026, 9, 1),
        om_type="new",
        reassessed=False,
        in_system_catalog=True,
        failed_acceptance_items=(),
        project_accepted=True,
    )
    return OmFacts(**{**base, **kw})


def test_om_budget_conditions(dazhou):
    assert domain.failed(om_decisions(dazhou, _om())) == []
    late = domain.failed(om_decisions(dazhou, _om(submitted_on=date(2027, 1, 5))))
    assert [d.citation for d in late] == ["dazhou:第三十二条,第三十三条"]
    outside = domain.failed(om_decisions(dazhou, _om(in_system_catalog=False)))
    assert [d.citation for d in outside] == ["dazhou:第二十一条"]
    insecure = domain.failed(
        om_decisions(dazhou, _om(failed_acceptance_items=("crypto_review", "data_dictionary")))
    )
    assert [d.citation for d in insecure] == ["dazhou:第五十七条"]
    assert domain.failed(om_decisions(dazhou, _om(failed_acceptance_items=("data_dictionary",)))) == []
    unassessed = domain.failed(om_decisions(dazhou, _om(om_type="continued")))
    assert [d.rule_id for d in unassessed] == [OM_REASSESSMENT]


def test_jiyuan_requests_om_after_the_free_period_and_fengxian_needs_acceptance():
    jiyuan = packs.get("jiyuan")
    assert om_timing_missing(jiyuan, None) == ["free_maintenance_ends_on"]
    early = domain.failed(om_decisions(jiyuan, _om(free_maintenance_ends_on=date(2026, 9, 2))))
    assert [d.citation for d in early] == ["jiyuan:运行维护"]
    assert domain.failed(om_decisions(jiyuan, _om(free_maintenance_ends_on=date(2026, 9, 1)))) == []
    fengxian = packs.get("fengxian")
    unaccepted = domain.failed(om_decisions(fengxian, _om(project_accepted=False)))
    assert [d.rule_id for d in unaccepted] == [OM_ACCEPTANCE]


def test_data_operation_payment_after_acceptance_and_check_for_at_most_the_confirmed_amount():
    fengxian = packs.get("fengxian")

    def decide(**kw):
        args = dict(accepted=True, third_party_confirmed=True, amount_fen=80 * WAN, confirmed_amount_fen=80 * WAN)
        return domain.failed(domain.data_operation_decisions(fengxian, **{**args, **kw}))

    assert decide() == []
    assert [d.citation for d in decide(accepted=False)] == ["fengxian:第三十六条"]
    assert [d.citation for d in decide(third_party_confirmed=False)] == ["fengxian:第三十六条"]
    assert [d.citation for d in decide(amount_fen=80 * WAN + 1)] == ["fengxian:第三十五条"]


def test_budget_lines_preparatory_first_and_mid_year_additions(dazhou):
    def decide(kind, review=False, reference=False, total=None, ceiling=None):
        return domain.failed(
            domain.budget_line_decisions(
                dazhou,
                kind=kind,
                budget_review_completed=review,
                plan_adjustment_reference=reference,
                project_lines_total_fen=total,
                ceiling_fen=ceiling,
            )
        )

    assert decide("preparatory") == []
    assert [d.citation for d in decide("supplementary")] == ["dazhou:第二十九条"]
    assert decide("supplementary", review=True) == []
    assert [d.citation for d in decide("mid_year_addition")] == ["dazhou:第三十四条"]
    assert decide("mid_year_addition", reference=True) == []
    assert [d.citation for d in decide("preparatory", total=1000 * WAN + 1, ceiling=1000 * WAN)] == [
        "dazhou:第二十八条"
    ]
