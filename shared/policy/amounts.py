"""Money (integer fen), ratios and the one place where 以上 / 以下 become comparisons (dazhou:第六十二条).

Every threshold, band and ratio cap in every pack goes through `Semantics.compare` or `Band`, so the
rule "以上含本数，以下不含本数" is implemented once and read from the pack itself
(`thresholds.semantics`), not re-decided per rule.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

FEN_PER_YUAN = 100
FEN_PER_WAN = 1_000_000  # 1万元 = 10 000 元 = 1 000 000 分

_AMOUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(万元|万|元|分|fen|yuan|wan)\s*$")
_UNIT_FEN = {"万元": FEN_PER_WAN, "万": FEN_PER_WAN, "wan": FEN_PER_WAN, "元": 100, "yuan": 100, "分": 1, "fen": 1}


def parse_amount(value: Any) -> int:
    """An amount in a pack file: an int (fen) or a string with a unit ("30万元", "199.99万元", "500元").

    Floats are refused: money is exact.
    """
    if isinstance(value, bool):
        raise ValueError("an amount cannot be a boolean")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("an amount cannot be negative")
        return value
    if isinstance(value, float):
        raise ValueError(f"float amount {value!r} refused: write integer fen (e.g. 30000000) or a string like '30万元'")
    if isinstance(value, str):
        match = _AMOUNT.match(value)
        if not match:
            raise ValueError(f"cannot read amount {value!r}: use integer fen or e.g. '30万元', '500元'")
        fen = Decimal(match.group(1)) * _UNIT_FEN[match.group(2)]
        if fen != fen.to_integral_value():
            raise ValueError(f"amount {value!r} is not a whole number of fen")
        return int(fen)
    raise ValueError(f"cannot read amount of type {type(value).__name__}")


def check_fen(value: Any) -> int:
    """A money fact: integer fen only (not bool, not float, not a string)."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float):
            raise ValueError(f"float {value!r} refused: money facts are integer fen (1元 = 100, 1万元 = 1000000)")
        raise ValueError(f"expected integer fen, got {type(value).__name__} {value!r}")
    return value


def format_fen(fen: int) -> str:
    """Human form: 30万元, 199.99万元, 1234.56元."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    if fen >= FEN_PER_WAN or fen == 0:
        wan = (Decimal(fen) / FEN_PER_WAN).normalize()
        text = format(wan, "f")
        return f"{sign}{text}万元"
    yuan = Decimal(fen) / FEN_PER_YUAN
    return f"{sign}{yuan:.2f}元"


def parse_ratio(value: Any) -> Fraction:
    """A ratio in a pack: "10%", "0.15", or an int percentage is refused (ambiguous)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"ratio {value!r} refused: write a string such as '10%' or '0.10'")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if text.endswith("%"):
                return Fraction(Decimal(text[:-1].strip())) / 100
            return Fraction(Decimal(text))
        except (InvalidOperation, ValueError) as exc:
            raise ValueError(f"cannot read ratio {value!r}") from exc
    raise ValueError(f"cannot read ratio {value!r}: write a string such as '10%'")


def format_ratio(ratio: Fraction) -> str:
    percent = Decimal(ratio.numerator) * 100 / Decimal(ratio.denominator)
    shown = percent.quantize(Decimal("0.01"))
    if shown != percent:
        shown = percent.quantize(Decimal("0.000001"))
    return f"{shown.normalize():f}%"


#: Comparison words a pack may use. 以上/以下 take their meaning from the pack's semantics rule;
#: the others are fixed by ordinary Chinese legal usage.
CHINESE_OPS = ("以上", "以下", "超过", "不超过", "不低于", "低于", "不满")
ENGLISH_OPS = ("at_least", "above", "at_most", "below")
AMOUNT_OPS = CHINESE_OPS + ENGLISH_OPS


@dataclass(frozen=True)
class Semantics:
    """How 以上 and 以下 treat the number itself. dazhou:第六十二条: 以上含本数，以下不含本数."""

    yishang_includes: bool = True  # 以上
    yixia_includes: bool = False  # 以下

    def symbol(self, op: str) -> str:
        return {
            "以上": ">=" if self.yishang_includes else ">",
            "以下": "<=" if self.yixia_includes else "<",
            "超过": ">",
            "above": ">",
            "不超过": "<=",
            "at_most": "<=",
            "不低于": ">=",
            "at_least": ">=",
            "低于": "<",
            "不满": "<",
            "below": "<",
        }[op]

    def compare(self, value: int | Fraction, op: str, bound: int | Fraction) -> bool:
        """The only place a threshold is applied."""
        symbol = self.symbol(op)
        if symbol == ">=":
            return value >= bound
        if symbol == ">":
            return value > bound
        if symbol == "<=":
            return value <= bound
        return value < bound

    def ratio_holds(self, numerator: int, denominator: int, op: str, ratio: Fraction) -> bool:
        """numerator / denominator <op> ratio, exactly (no division, no float)."""
        if denominator <= 0:
            raise ValueError("the base of a ratio must be positive")
        return self.compare(Fraction(numerator, denominator), op, ratio)


DEFAULT_SEMANTICS = Semantics()


@dataclass(frozen=True)
class Band:
    """An amount band: from `lower` (以上) to `upper` (以下); None means unbounded."""

    lower: int | None
    upper: int | None

    def contains(self, amount: int, semantics: Semantics = DEFAULT_SEMANTICS) -> bool:
        if self.lower is not None and not semantics.compare(amount, "以上", self.lower):
            return False
        return not (self.upper is not None and not semantics.compare(amount, "以下", self.upper))

    def describe(self, semantics: Semantics = DEFAULT_SEMANTICS) -> str:
        parts = []
        if self.lower is not None:
            parts.append(f"{format_fen(self.lower)}以上({semantics.symbol('以上')})")
        if self.upper is not None:
            parts.append(f"{format_fen(self.upper)}以下({semantics.symbol('以下')})")
        return "，".join(parts) or "任意金额"


def check_bands(bands: list[Band], semantics: Semantics) -> str | None:
    """Bands must cover every amount from 0 exactly once under the pack's semantics; return the problem."""
    if not bands:
        return "an authority table needs at least one band"
    if bands[0].lower not in (None, 0):
        return f"the first band must start at 0 (starts at {format_fen(bands[0].lower)})"
    if bands[-1].upper is not None:
        return f"the last band must be open-ended (ends at {format_fen(bands[-1].upper)})"
    for index, (left, right) in enumerate(itertools.pairwise(bands)):
        if left.upper is None or right.lower is None or left.upper != right.lower:
            return f"bands {index} and {index + 1} do not meet (a gap or an overlap between them)"
        boundary = left.upper
        hits = left.contains(boundary, semantics) + right.contains(boundary, semantics)
        if hits != 1:
            return (
                f"the boundary {format_fen(boundary)} between bands {index} and {index + 1} falls in {hits} "
                "bands under this pack's 以上/以下 semantics"
            )
        if left.lower is not None and left.lower >= left.upper:
            return f"band {index} is empty"
    return None
