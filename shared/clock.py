"""The injectable clock: every 'now' in the platform comes from here, so tests and demos can move time."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

#: Deadlines and calendar days are counted in China Standard Time.
CHINA = ZoneInfo("Asia/Shanghai")

_offset = timedelta(0)


def now() -> datetime:
    """The current time (UTC, aware), shifted by the offset a test or demo set."""
    return datetime.now(UTC) + _offset


def today() -> date:
    """Today's date in China, which is what deadlines count from."""
    return now().astimezone(CHINA).date()


def offset() -> timedelta:
    return _offset


def set_offset(delta: timedelta) -> None:
    global _offset
    _offset = delta


def advance(delta: timedelta) -> datetime:
    set_offset(_offset + delta)
    return now()


def travel_to(moment: datetime) -> None:
    """Make `now()` return `moment` (from this instant on, time keeps running)."""
    if moment.tzinfo is None:
        raise ValueError("travel_to needs an aware datetime")
    set_offset(moment - datetime.now(UTC))


def monotonic() -> float:
    """Seconds for measuring ages and intervals: `time.monotonic`, which the wall clock's corrections never
    move, plus the offset a test or demo set, so moving time forward ages what was kept (the cockpit's
    snapshot) as it ages the deadlines. Moving it back can make an age negative: callers treat that as stale."""
    return time.monotonic() + _offset.total_seconds()
