"""Working days on the Chinese official calendar (法定节假日与调休), with a weekends-only fallback.

`chinese_calendar` carries the State Council's holiday arrangements for the years it knows
(2004–2026 in 1.11.0). For any other year we fall back to "Monday–Friday are working days",
log a warning once per year, and `is_known_year()` lets a caller (or a health check) say so.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta

import chinese_calendar

from shared.clock import CHINA

log = logging.getLogger(__name__)

_warned_years: set[int] = set()
_warn_lock = threading.Lock()
_known_cache: dict[int, bool] = {}


def _as_date(day: date | datetime) -> date:
    if isinstance(day, datetime):
        return day.astimezone(CHINA).date() if day.tzinfo else day.date()
    return day


def is_known_year(year: int) -> bool:
    """True when the official holiday arrangement of `year` is in the calendar data."""
    if year not in _known_cache:
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
            _known_cache[year] = True
        except NotImplementedError:
            _known_cache[year] = False
    return _known_cache[year]


def known_years() -> range:
    """The span of years with official data (contiguous in chinese_calendar)."""
    known = [y for y in range(1990, 2100) if is_known_year(y)]
    return range(known[0], known[-1] + 1) if known else range(0)


def _warn_fallback(year: int) -> None:
    with _warn_lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    log.warning(
        "no official holiday data for %s: counting Monday-Friday as working days "
        "(upgrade chinesecalendar once the State Council publishes the %s arrangement)",
        year,
        year,
    )


def reset_fallback_warnings() -> None:
    """Forget which years were warned about (for tests)."""
    with _warn_lock:
        _warned_years.clear()


def is_working_day(day: date | datetime) -> bool:
    """A working day: official calendar when known (make-up Saturdays count), else Monday–Friday."""
    day = _as_date(day)
    if is_known_year(day.year):
        return bool(chinese_calendar.is_workday(day))
    _warn_fallback(day.year)
    return day.weekday() < 5


def is_official_calendar(day: date | datetime) -> bool:
    """Whether `day` is judged by official data (False means the weekends-only fallback applies)."""
    return is_known_year(_as_date(day).year)


def add_working_days(start: date | datetime, count: int) -> date:
    """The `count`-th working day after `start` (the start day itself is not counted).

    `count == 0` returns `start` unchanged. Negative counts go backwards.
    """
    day = _as_date(start)
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def next_working_day(day: date | datetime) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    day = _as_date(day)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_days_between(start: date | datetime, end: date | datetime) -> int:
    """Working days in (start, end]; negative when end is before start."""
    first, last = _as_date(start), _as_date(end)
    sign = 1
    if last < first:
        first, last, sign = last, first, -1
    count = 0
    day = first
    while day < last:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return sign * count
