"""Comparisons of facts against a rule's conditions, in three-valued logic (unknown when a fact is absent)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from shared.policy import params as s
from shared.policy.amounts import Semantics, format_fen, format_ratio
from shared.policy.evaluate.facts import _ABSENT, OP_EN, OP_ZH, Facts

# --- comparisons -----------------------------------------------------------------------------------


def _show(value: Any, money: bool) -> str:
    if money and isinstance(value, int) and not isinstance(value, bool):
        return format_fen(value)
    return str(value)


def compare(c: s.Comparison, facts: Facts, semantics: Semantics) -> tuple[bool | None, str, str]:
    """(holds or None if unknown, zh text, en text)."""
    name = "+".join(c.facts)
    zh_label = c.label_zh or name
    en_label = c.label_en or name
    if c.op in ("is_true", "is_false"):
        value = facts.boolean(c.fact if isinstance(c.fact, str) else c.fact[0])
        if value is _ABSENT:
            return None, "", ""
        holds = value is (c.op == "is_true")
        return holds, f"{zh_label}={'是' if value else '否'}", f"{en_label}={'yes' if value else 'no'}"
    if c.op in ("equals", "not_equals", "in", "not_in", "contains"):
        value = facts.get(c.facts[0])
        if value is _ABSENT:
            return None, "", ""
        if c.op == "equals":
            holds = value == c.value
        elif c.op == "not_equals":
            holds = value != c.value
        elif c.op == "in":
            holds = value in c.value
        elif c.op == "not_in":
            holds = value not in c.value
        else:
            if not isinstance(value, list):
                raise facts.invalid(c.facts[0], "expected a list")
            holds = c.value in value
        return (
            holds,
            f"{zh_label}={value}（应{OP_ZH[c.op]} {c.value}）",
            f"{en_label}={value} (should be {OP_EN[c.op]} {c.value})",
        )
    # amount, count or ratio
    money = c.value is None
    parts = [facts.fen(n) if money else facts.number(n) for n in c.facts]
    known = [p for p in parts if p is not _ABSENT]
    if len(known) < len(parts):
        for n in (c.of, c.other):
            if n:
                facts.fen(n)
        return None, "", ""
    left = sum(known)
    symbol = semantics.symbol(c.op)
    if c.ratio is not None:
        assert c.of is not None, "the schema pairs `ratio` with `of`"
        base = facts.fen(c.of)
        if base is _ABSENT:
            return None, "", ""
        if base <= 0:
            raise facts.invalid(c.of or "", "the base of a ratio must be a positive amount")
        holds = semantics.ratio_holds(left, base, c.op, c.ratio)
        share = Fraction(left, base)
        return (
            holds,
            f"{zh_label}={format_fen(left)}，占{c.of}({format_fen(base)})的{format_ratio(share)}"
            f"，应{OP_ZH[c.op]}{format_ratio(c.ratio)}({symbol})",
            f"{en_label}={format_fen(left)} is {format_ratio(share)} of {c.of} ({format_fen(base)}); "
            f"must be {OP_EN[c.op]} {format_ratio(c.ratio)} ({symbol})",
        )
    bound: Any  # money in fen, or the rule's count
    if c.other is not None:
        other = facts.fen(c.other)
        if other is _ABSENT:
            return None, "", ""
        bound = other
        bound_zh, bound_en = f"{c.other}({format_fen(other)})", f"{c.other} ({format_fen(other)})"
    else:
        bound = c.amount if money else c.value
        bound_zh = bound_en = _show(bound, money)
    holds = semantics.compare(left, c.op, bound)
    wanted_zh = f"{bound_zh}{c.op}" if c.op in ("以上", "以下") else f"{OP_ZH[c.op]}{bound_zh}"
    return (
        holds,
        f"{zh_label}={_show(left, money)}，应{wanted_zh}({symbol})",
        f"{en_label}={_show(left, money)}, must be {OP_EN[c.op]} {bound_en} ({symbol})",
    )


def all_of(results: list[bool | None]) -> bool | None:
    if any(r is False for r in results):
        return False
    if any(r is None for r in results):
        return None
    return True


def any_of(results: list[bool | None]) -> bool | None:
    if any(r is True for r in results):
        return True
    if any(r is None for r in results):
        return None
    return False


class Undecided(Exception):
    """Raised inside an evaluator when the known facts do not settle the rule."""


def _settle(value: bool | None) -> bool:
    if value is None:
        raise Undecided
    return value
