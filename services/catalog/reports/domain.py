"""Report periods (月报、季报、半年报、年报; quzhou:四 一月一主题、一季一发声、半年一总结、一年一提炼), pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

KINDS = ("month", "quarter", "half_year", "year")
_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})-Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-H([12])$"), "half_year"),
    (re.compile(r"^(\d{4})$"), "year"),
)


@dataclass(frozen=True)
class Period:
    label: str
    kind: str
    start: date  # first day
    end: date  # the day after the last (exclusive)

    def contains(self, day: date | None) -> bool:
        return day is not None and self.start <= day < self.end


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def parse(label: str) -> Period:
    """`2026-03` (month), `2026-Q1` (quarter), `2026-H1` (half-year) or `2026` (year); ValueError otherwise."""
    for pattern, kind in _PATTERNS:
        match = pattern.match(label)
        if match is None:
            continue
        year = int(match.group(1))
        number = int(match.group(2)) if kind != "year" else 1
        first_month, months = {
            "month": (number, 1),
            "quarter": ((number - 1) * 3 + 1, 3),
            "half_year": ((number - 1) * 6 + 1, 6),
            "year": (1, 12),
        }[kind]
        if not 1 <= first_month <= 12 or year < 1900:
            break
        return Period(label, kind, _month_start(year, first_month), _month_start(year, first_month + months))
    raise ValueError(f"period {label!r}: use YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY")


def current(kind: str, today: date) -> Period:
    """The period of `kind` that contains today."""
    label = {
        "month": f"{today.year:04d}-{today.month:02d}",
        "quarter": f"{today.year:04d}-Q{(today.month - 1) // 3 + 1}",
        "half_year": f"{today.year:04d}-H{(today.month - 1) // 6 + 1}",
        "year": f"{today.year:04d}",
    }[kind]
    return parse(label)
