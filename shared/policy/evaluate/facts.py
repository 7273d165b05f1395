"""The facts a rule is applied to (typed, with dates and money checked) and the result it gives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, Final, Literal

from shared.clock import CHINA
from shared.policy.amounts import check_fen
from shared.policy.errors import InvalidFact
from shared.policy.model import Outcome, Rule


class _Absent(Enum):
    # An enum member rather than object(), so `x is _ABSENT` narrows `int | Absent` to int for mypy.
    ABSENT = "absent"


_ABSENT: Final = _Absent.ABSENT
Absent = Literal[_Absent.ABSENT]

OP_ZH = {
    "以上": "以上",
    "以下": "以下",
    "超过": "超过",
    "不超过": "不超过",
    "不低于": "不低于",
    "低于": "低于",
    "不满": "不满",
    "at_least": "不低于",
    "above": "超过",
    "at_most": "不超过",
    "below": "低于",
    "equals": "等于",
    "not_equals": "不等于",
    "in": "属于",
    "not_in": "不属于",
    "contains": "包含",
    "is_true": "为是",
    "is_false": "为否",
}
OP_EN = {
    "以上": "at least (以上)",
    "以下": "below (以下)",
    "超过": "more than",
    "不超过": "at most",
    "不低于": "at least",
    "低于": "below",
    "不满": "below",
    "at_least": "at least",
    "above": "more than",
    "at_most": "at most",
    "below": "below",
    "equals": "equal to",
    "not_equals": "not equal to",
    "in": "one of",
    "not_in": "none of",
    "contains": "containing",
    "is_true": "true",
    "is_false": "false",
}


@dataclass
class Result:
    outcome: Outcome
    value: Any
    detail_zh: str
    detail_en: str
    field: str | None
    # the list item, amount band or route case that decided it (§3 item-level citations): its citation and
    # verbatim words; None when the rule decided as a whole
    item_citation: str | None = None
    item_quote: str | None = None


def _join_citations(citations: list[str]) -> str | None:
    """'dazhou:第二十条(一)' + 'dazhou:第二十条(四)' -> 'dazhou:第二十条(一),第二十条(四)' (one citation string)."""
    unique = list(dict.fromkeys(c for c in citations if c))
    if not unique:
        return None
    pack = unique[0].partition(":")[0]
    if any(c.partition(":")[0] != pack for c in unique):
        return unique[0]
    return f"{pack}:" + ",".join(c.partition(":")[2] for c in unique)


@dataclass
class Facts:
    """Reads facts for one rule: records what was used and what is missing."""

    rule: Rule
    given: Mapping[str, Any]
    used: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.optional = set(self.rule.needs()[1])

    def get(self, name: str, *, optional: bool = False) -> Any:
        value = self.given.get(name)
        if value is not None:
            self.used[name] = value
            return value
        if not (optional or name in self.optional) and name not in self.missing:
            self.missing.append(name)
        return _ABSENT

    def is_optional(self, name: str) -> bool:
        return name in self.optional

    def invalid(self, name: str, reason: str) -> InvalidFact:
        return InvalidFact(self.rule.id, name, reason)

    def fen(self, name: str) -> int | Absent:
        value = self.get(name)
        if value is _ABSENT:
            return 0 if self.is_optional(name) else _ABSENT
        if isinstance(value, list):
            total = 0
            for item in value:
                try:
                    total += check_fen(item)
                except ValueError as exc:
                    raise self.invalid(name, str(exc)) from None
            return total
        try:
            return check_fen(value)
        except ValueError as exc:
            raise self.invalid(name, str(exc)) from None

    def number(self, name: str) -> int | Absent:
        value = self.get(name)
        if value is _ABSENT:
            return _ABSENT
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.invalid(name, f"expected an integer, got {type(value).__name__} {value!r}")
        return value

    def boolean(self, name: str, *, optional: bool = False) -> bool | Absent:
        value = self.get(name, optional=optional)
        if value is _ABSENT:
            return False if (optional or self.is_optional(name)) else _ABSENT
        if not isinstance(value, bool):
            raise self.invalid(name, f"expected true or false, got {value!r}")
        return value

    def day(self, name: str, *, optional: bool = False) -> date | Absent:
        value = self.get(name, optional=optional)
        if value is _ABSENT:
            return _ABSENT
        try:
            return as_date(value)
        except ValueError as exc:
            raise self.invalid(name, str(exc)) from None

    def tags(self, name: str) -> list[str] | Absent:
        value = self.get(name)
        if value is _ABSENT:
            return [] if self.is_optional(name) else _ABSENT
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list | tuple | set | frozenset) or not all(isinstance(v, str) for v in value):
            raise self.invalid(name, "expected a list of strings")
        return list(value)


def as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(CHINA).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            return as_date(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            raise ValueError(f"cannot read date {value!r} (use YYYY-MM-DD)") from None
    raise ValueError(f"expected a date, got {type(value).__name__}")
