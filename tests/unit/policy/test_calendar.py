"""Working days on the Chinese official calendar, and the weekends-only fallback for unknown years."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest

from shared import calendar


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
