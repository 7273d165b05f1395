"""Monthly monitoring (每月监测, suqian:(二)) and what it leads to: systems not running normally are
flagged and then forcibly retired (suqian), zombie systems (僵尸系统) bar their unit (quzhou).

Which of these a jurisdiction has is the pack's business: a rule absent from the pack is not applied.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from shared.policy import Decision, Pack

RUNNING_NORMALLY = "catalog.running_normally"
FORCED_RETIREMENT = "catalog.forced_retirement"
ZOMBIE = "catalog.zombie_system"

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def month_problem(month: str, today: date, went_live_on: date | None) -> str | None:
    """Why figures for `month` cannot be taken (None when they can): only ended months count."""
    if not MONTH.match(month):
        return f"month {month!r} is not YYYY-MM"
    current = month_of(today)
    if month > current:
        return f"month {month} is in the future"
    if month == current:
        return f"month {month} has not ended yet"
    if went_live_on is not None and month < month_of(went_live_on):
        return f"month {month} is before the system went live ({went_live_on})"
    return None


@dataclass(frozen=True)
class Figure:
    month: str
    usage_count: int
    availability_bp: int


def streak(figures: Sequence[Figure], holds: Callable[[Figure], bool]) -> int:
    """Consecutive reported months, newest first, for which `holds(figure)`; a gap ends the streak
    (a month nobody reported is no evidence either way)."""
    ordered = sorted(figures, key=lambda f: f.month, reverse=True)
    count = 0
    expected = ordered[0].month if ordered else None
    for figure in ordered:
        if figure.month != expected or not holds(figure):
            break
        count += 1
        expected = previous_month(figure.month)
    return count


@dataclass
class Assessment:
    """What this month's figures mean for one system."""

    decisions: list[Decision] = field(default_factory=list)
    running_normally: bool | None = None  # None: the pack has no such rule
    retire: Decision | None = None
    zombie: Decision | None = None


def assess(
    pack: Pack, figures: Sequence[Figure], *, already_zombie: bool, already_retired: bool, today: date
) -> Assessment:
    result = Assessment()
    if not figures or already_retired:
        return result
    latest = max(figures, key=lambda f: f.month)
    if pack.has(RUNNING_NORMALLY):

        def normal(figure: Figure) -> bool:
            return pack.decide(RUNNING_NORMALLY, _facts(figure)).passed

        verdict = pack.decide(RUNNING_NORMALLY, _facts(latest))
        result.decisions.append(verdict)
        result.running_normally = verdict.passed
        if pack.has(FORCED_RETIREMENT):
            abnormal = streak(figures, lambda f: not normal(f))
            retirement = pack.decide(FORCED_RETIREMENT, {"consecutive_abnormal_months": abnormal})
            result.decisions.append(retirement)
            if not retirement.passed:
                result.retire = retirement
    if pack.has(ZOMBIE) and not already_zombie:
        zero = streak(figures, lambda f: f.usage_count == 0)
        listing = pack.decide(ZOMBIE, {"consecutive_zero_use_months": zero, "listed_on": today})
        result.decisions.append(listing)
        if not listing.passed:
            result.zombie = listing
    return result


def _facts(figure: Figure) -> dict[str, int]:
    return {"usage_count": figure.usage_count, "availability_bp": figure.availability_bp}


def coverage(running: int, reported: int) -> float:
    """Share of running systems with figures for the last ended month (1.0 when none is running)."""
    return 1.0 if running == 0 else reported / running
