"""Deadline rules: calendar days, working days, months, years, annual dates, windows, overdue."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest

from shared import calendar
from shared.policy import MissingFacts, Pack, PolicyError


def test_technical_review_due_across_national_day_2026(dazhou: Pack) -> None:
    assert dazhou.due("budget.technical_review_due", date(2026, 9, 28)) == date(2026, 10, 16)
    on_time = dazhou.decide(
        "budget.technical_review_due",
        {"technical_plan_submitted_on": "2026-09-28", "technical_review_completed_on": "2026-10-16"},
    )
    assert on_time.outcome == "pass"
    assert on_time.value["official_calendar"] is True
    late = dazhou.decide(
        "budget.technical_review_due",
        {"technical_plan_submitted_on": date(2026, 9, 28), "technical_review_completed_on": date(2026, 10, 19)},
    )
    assert late.outcome == "fail"
    assert late.effect == "overdue"
    assert late.field == "technical_review_completed_on"


def test_control_price_review_thirty_working_days(dazhou: Pack) -> None:
    # after 2026-09-01: 21 working days in September (make-up Sunday 20th in, Mid-Autumn 25th out),
    # then Oct 8, 9, 10 (make-up Saturday), 12-16 and 19
    due = dazhou.due("budget.control_price_review_due", date(2026, 9, 1))
    assert calendar.working_days_between(date(2026, 9, 1), due) == 30
    assert due == date(2026, 10, 19)


def test_working_day_deadline_in_an_unknown_year_warns(dazhou: Pack, caplog) -> None:
    calendar.reset_fallback_warnings()
    caplog.set_level(logging.WARNING, logger="shared.calendar")
    decision = dazhou.decide("budget.technical_review_due", {"technical_plan_submitted_on": "2027-09-27"})
    assert decision.outcome == "info"
    assert decision.value["due"] == "2027-10-11"  # weekends only: no National Day data for 2027
    assert decision.value["official_calendar"] is False
    assert any(record.args and record.args[0] == 2027 for record in caplog.records)


def test_due_accepts_an_aware_datetime_in_china_time(dazhou: Pack) -> None:
    # 2026-09-27 17:00 UTC is 28 September in Beijing
    assert dazhou.due("budget.technical_review_due", datetime(2026, 9, 27, 17, 0, tzinfo=UTC)) == date(2026, 10, 16)


def test_calendar_days_and_not_before(dazhou: Pack) -> None:
    assert dazhou.due("budget.technical_plan_due", date(2026, 1, 1)) == date(2026, 3, 2)
    assert dazhou.due("budget.price_consultation", date(2026, 3, 1)) == date(2026, 3, 8)
    short = dazhou.decide(
        "budget.price_consultation", {"consultation_published_on": "2026-03-01", "consultation_ended_on": "2026-03-07"}
    )
    assert short.outcome == "fail"
    enough = dazhou.decide(
        "budget.price_consultation", {"consultation_published_on": "2026-03-01", "consultation_ended_on": "2026-03-08"}
    )
    assert enough.outcome == "pass"


@pytest.mark.parametrize(
    ("started", "ended", "outcome"),
    [
        ("2026-01-31", "2026-02-27", "fail"),
        ("2026-01-31", "2026-02-28", "pass"),  # no 31 February: the month's last day (民法典 第二百零二条)
        ("2026-03-15", "2026-04-14", "fail"),
        ("2026-03-15", "2026-04-15", "pass"),
    ],
)
def test_trial_run_at_least_one_month(dazhou: Pack, started: str, ended: str, outcome: str) -> None:
    facts = {"trial_run_started_on": started, "trial_run_ended_on": ended}
    assert dazhou.decide("acceptance.trial_run", facts).outcome == outcome


def test_trial_run_still_running_is_info_with_the_earliest_date(dazhou: Pack) -> None:
    decision = dazhou.decide("acceptance.trial_run", {"trial_run_started_on": "2026-01-31"})
    assert decision.outcome == "info"
    assert decision.value["earliest"] == "2026-02-28"
    assert dazhou.due("acceptance.trial_run", date(2026, 1, 31)) == date(2026, 2, 28)


def test_construction_period_one_year(dazhou: Pack) -> None:
    assert dazhou.due("procurement.construction_period", date(2024, 2, 29)) == date(2025, 2, 28)
    facts = {"contract_signed_on": "2025-05-10", "as_of": "2026-05-11"}
    overdue = dazhou.decide("procurement.construction_period", facts)
    assert overdue.outcome == "fail"
    assert overdue.value["overdue_since"] == "2026-05-11"
    pending = dazhou.decide("procurement.construction_period", {**facts, "as_of": "2026-05-10"})
    assert pending.outcome == "info"


@pytest.mark.parametrize(
    ("submitted", "outcome"),
    [
        ("2026-07-10", "fail"),
        ("2027-01-10", "fail"),
        ("2027-01-11", "pass"),
        ("2028-01-11", "pass"),
        ("2028-01-12", "fail"),
    ],
)
def test_self_evaluation_window_12_to_24_months(dazhou: Pack, submitted: str, outcome: str) -> None:
    facts = {"went_live_on": "2026-01-11", "self_evaluation_submitted_on": submitted}
    assert dazhou.decide("catalog.self_evaluation", facts).outcome == outcome
    assert dazhou.window("catalog.self_evaluation", date(2026, 1, 11)) == (date(2027, 1, 11), date(2028, 1, 11))


@pytest.mark.parametrize(
    ("submitted", "outcome"), [("2025-10-31", "pass"), ("2025-11-01", "fail"), ("2025-03-01", "pass")]
)
def test_intake_window_end_of_october_before_the_plan_year(dazhou: Pack, submitted: str, outcome: str) -> None:
    decision = dazhou.decide("intake.window", {"plan_year": 2026, "submitted_on": submitted})
    assert decision.outcome == outcome
    assert decision.value["due"] == "2025-10-31"


def test_intake_window_due_is_the_next_end_of_october(dazhou: Pack) -> None:
    assert dazhou.due("intake.window", date(2026, 5, 1)) == date(2026, 10, 31)
    assert dazhou.due("intake.window", date(2026, 11, 1)) == date(2027, 10, 31)


def test_midyear_adjustment_is_july(dazhou: Pack) -> None:
    assert dazhou.window("review.midyear_adjustment", date(2026, 3, 1)) == (date(2026, 7, 1), date(2026, 7, 31))
    assert dazhou.decide("review.midyear_adjustment", {"adjustment_proposed_on": "2026-07-15"}).outcome == "pass"
    assert dazhou.decide("review.midyear_adjustment", {"adjustment_proposed_on": "2026-08-01"}).outcome == "fail"
    with pytest.raises(MissingFacts):
        dazhou.decide("review.midyear_adjustment", {})


def test_om_budget_the_year_before(dazhou: Pack) -> None:
    facts = {"om_funding_year": date(2027, 3, 31), "om_budget_submitted_on": "2026-09-30"}
    assert dazhou.decide("budget.om_budget", facts).outcome == "pass"
    assert dazhou.decide("budget.om_budget", {**facts, "om_budget_submitted_on": "2027-01-05"}).outcome == "fail"


def test_due_refuses_a_rule_that_is_not_a_deadline(dazhou: Pack) -> None:
    with pytest.raises(PolicyError, match="not a deadline"):
        dazhou.due("approval.authority", date(2026, 1, 1))


def test_bad_date_fact_is_invalid(dazhou: Pack) -> None:
    from shared.policy import InvalidFact

    with pytest.raises(InvalidFact, match="date"):
        dazhou.decide("acceptance.trial_run", {"trial_run_started_on": "31/01/2026"})
