"""Working days on the Chinese official calendar (法定节假日与调休), kept as versioned data in the repo.

The State Council's arrangement of each year (holidays and make-up working days) lives in
`shared/data/official_calendar.json`, seeded from the chinesecalendar library (scripts/seed_official_calendar.py)
and extended by the bureau when a new year is published — not in a library whose data silently ends.
For a year without a schedule we count Monday–Friday, log a warning once per year, and callers mark
such a deadline **provisional** (`is_known_year()`), to be recomputed once the year is loaded.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from shared.clock import CHINA

log = logging.getLogger(__name__)

SCHEDULE_FILE = Path(__file__).parent / "data" / "official_calendar.json"

_warned_years: set[int] = set()
_warn_lock = threading.Lock()


@dataclass(frozen=True)
class YearSchedule:
    """One year's official arrangement: days off on weekdays and make-up working days on weekends."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str = ""


@dataclass
class Schedule:
    years: dict[int, YearSchedule] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict) -> Schedule:
        years = {}
        for key, entry in data.get("years", {}).items():
            year = int(key)
            holidays = frozenset(date.fromisoformat(d) for d in entry.get("holidays", {}))
            workdays = frozenset(date.fromisoformat(d) for d in entry.get("workdays", {}))
            wrong = sorted(d for d in holidays | workdays if d.year != year)
            if wrong:
                raise ValueError(f"official calendar {year}: {wrong[0]} is not in {year}")
            if holidays & workdays:
                raise ValueError(f"official calendar {year}: {sorted(holidays & workdays)[0]} is both off and on")
            years[year] = YearSchedule(year, holidays, workdays, entry.get("source", ""))
        return cls(years)

    @classmethod
    def load(cls, path: Path = SCHEDULE_FILE) -> Schedule:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


_schedule: Schedule | None = None
_schedule_lock = threading.Lock()


def schedule() -> Schedule:
    global _schedule
    if _schedule is None:
        with _schedule_lock:
            if _schedule is None:
                _schedule = Schedule.load()
    return _schedule


def use_schedule(new: Schedule | None) -> None:
    """Replace the loaded schedule (a newly published year; tests). None reloads the repo's file."""
    global _schedule
    with _schedule_lock:
        _schedule = new
    reset_fallback_warnings()


def _as_date(day: date | datetime) -> date:
    if isinstance(day, datetime):
        return day.astimezone(CHINA).date() if day.tzinfo else day.date()
    return day


def is_known_year(year: int) -> bool:
    """True when the official holiday arrangement of `year` is in the calendar data."""
    return year in schedule().years


def known_years() -> range:
    """The span of years with official data (contiguous in the schedule)."""
    known = sorted(schedule().years)
    return range(known[0], known[-1] + 1) if known else range(0)


def provisional(start: date | datetime, end: date | datetime) -> bool:
    """Whether a count from `start` to `end` crosses a year with no official schedule (Monday–Friday assumed)."""
    first, last = sorted((_as_date(start), _as_date(end)))
    return any(not is_known_year(year) for year in range(first.year, last.year + 1))


def _warn_fallback(year: int) -> None:
    with _warn_lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    log.warning(
        "no official holiday data for %s: counting Monday-Friday as working days "
        "(add the State Council's %s arrangement to shared/data/official_calendar.json)",
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
    year = schedule().years.get(day.year)
    if year is not None:
        if day in year.workdays:
            return True
        return day.weekday() < 5 and day not in year.holidays
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
