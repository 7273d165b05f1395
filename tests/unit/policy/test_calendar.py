"""Working days on the Chinese official calendar, and the weekends-only fallback for unknown years."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from shared import calendar
from shared.policy import packs


@pytest.fixture(autouse=True)
def _fresh_warnings():
    calendar.reset_fallback_warnings()
    yield
    calendar.reset_fallback_warnings()


def test_known_years() -> None:
    assert calendar.is_known_year(2026)
    assert calendar.is_known_year(2004)
    assert not calendar.is_known_year(2003)
    assert not calendar.is_known_year(2027)
    assert calendar.known_years()[0] == 2004
    assert 2026 in calendar.known_years()


def test_national_day_2026_per_the_official_calendar() -> None:
    # chinesecalendar 1.11.0 carries the State Council's 2026 arrangement: 10月1日至7日放假,
    # 9月20日(周日)、10月10日(周六)上班.
    for day in range(1, 8):
        assert not calendar.is_working_day(date(2026, 10, day)), day
    assert calendar.is_working_day(date(2026, 10, 8))
    assert calendar.is_working_day(date(2026, 10, 10))  # make-up Saturday
    assert calendar.is_working_day(date(2026, 9, 20))  # make-up Sunday
    assert not calendar.is_working_day(date(2026, 10, 11))


def test_add_working_days_across_national_day_2026() -> None:
    # Sep 29, Sep 30, Oct 8, Oct 9, Oct 10 (make-up), Oct 12, 13, 14, 15, 16
    assert calendar.add_working_days(date(2026, 9, 28), 10) == date(2026, 10, 16)
    assert calendar.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert calendar.add_working_days(date(2026, 9, 28), 0) == date(2026, 9, 28)
    assert calendar.add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert calendar.working_days_between(date(2026, 9, 28), date(2026, 10, 16)) == 10
    assert calendar.working_days_between(date(2026, 10, 16), date(2026, 9, 28)) == -10


def test_next_working_day() -> None:
    assert calendar.next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)
    assert calendar.next_working_day(date(2026, 10, 8)) == date(2026, 10, 8)


def test_aware_datetimes_count_in_china_time() -> None:
    # 2026-09-30 17:00 UTC is already 1 October in Beijing, a holiday
    assert not calendar.is_working_day(datetime(2026, 9, 30, 17, 0, tzinfo=UTC))
    assert calendar.is_working_day(datetime(2026, 9, 30, 15, 0, tzinfo=UTC))


def test_unknown_year_falls_back_to_weekends_and_warns_once_per_year(caplog) -> None:
    caplog.set_level(logging.WARNING, logger="shared.calendar")
    assert calendar.is_working_day(date(2027, 10, 1))  # a Friday: no holiday data, so a working day
    assert not calendar.is_working_day(date(2027, 10, 2))  # Saturday
    assert calendar.add_working_days(date(2027, 1, 1), 5) == date(2027, 1, 8)
    assert not calendar.is_official_calendar(date(2027, 3, 1))
    assert calendar.is_working_day(date(2003, 6, 2))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [w.args[0] for w in warnings] == [2027, 2003]
    assert "Monday-Friday" in warnings[0].getMessage()


# --- the schedule as versioned data, and a provisional count past it (issue 19 §5) ------------------

#: A 2027 schedule as the bureau adds it once published — test data only (the weekdays of a Spring Festival
#: week 2027-02-05..02-12 off, Saturday 2027-02-20 a make-up working day), not the official arrangement.
SCHEDULE_2027 = {
    "source": "test fixture",
    "holidays": {f"2027-02-{d:02d}": "Spring Festival" for d in (5, 6, 7, 8, 9, 10, 11, 12)},
    "workdays": {"2027-02-20": "Spring Festival"},
}


@pytest.fixture
def with_2027():
    data = json.loads(calendar.SCHEDULE_FILE.read_text(encoding="utf-8"))
    data["years"]["2027"] = SCHEDULE_2027
    calendar.use_schedule(calendar.Schedule.from_json(data))
    yield
    calendar.use_schedule(None)


def test_the_repo_schedule_matches_the_library_for_every_seeded_year() -> None:
    import chinese_calendar

    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_spring_festival_2027_without_a_schedule_is_monday_to_friday_and_provisional(caplog) -> None:
    # Thu 02-04 + 5 working days, Monday–Friday: 02-05, 08, 09, 10, 11
    with caplog.at_level(logging.WARNING, logger="shared.calendar"):
        assert calendar.add_working_days(date(2027, 2, 4), 5) == date(2027, 2, 11)
    assert "2027" in caplog.text
    assert calendar.provisional(date(2026, 12, 20), date(2027, 1, 5))
    assert not calendar.provisional(date(2026, 1, 5), date(2026, 12, 20))
    decision = packs.default.decide("budget.technical_review_due", {"technical_plan_submitted_on": date(2027, 2, 4)})
    assert decision.value["due"] == "2027-02-18"  # 10 Monday–Friday days
    assert decision.value["provisional"] is True and decision.value["official_calendar"] is False


def test_spring_festival_2027_on_a_loaded_schedule_is_official(with_2027) -> None:
    # the festival weekdays are off: 02-15, 16, 17, 18, 19 are the five working days
    assert calendar.is_known_year(2027)
    assert calendar.add_working_days(date(2027, 2, 4), 5) == date(2027, 2, 19)
    assert calendar.is_working_day(date(2027, 2, 20))  # the make-up Saturday
    decision = packs.default.decide("budget.technical_review_due", {"technical_plan_submitted_on": date(2027, 2, 4)})
    # 02-15..19 (5), 02-20 make-up (6), 02-22..25 (10) — recomputed once the year is loaded
    assert decision.value["due"] == "2027-02-25"
    assert decision.value["provisional"] is False and decision.value["official_calendar"] is True


def test_a_schedule_entry_outside_its_year_is_refused() -> None:
    with pytest.raises(ValueError, match="2027"):
        calendar.Schedule.from_json({"years": {"2027": {"holidays": {"2026-12-31": "x"}}}})
