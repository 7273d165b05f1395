"""The pack file schema's parameters: the conditions rules test facts with, and one params model per rule kind
(`PARAMS_BY_KIND`). The rule and the pack file around them are in schema.py. Every model forbids unknown keys."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from shared.policy.amounts import AMOUNT_OPS, format_ratio, parse_amount, parse_ratio

RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
CITATION = re.compile(r"^[a-z]+:\S.*$")

Amount = Annotated[int, BeforeValidator(parse_amount)]
Ratio = Annotated[Fraction, BeforeValidator(parse_ratio), PlainSerializer(format_ratio, return_type=str)]
FactName = Annotated[str, Field(pattern=NAME.pattern)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- conditions (used by threshold, requirement, sanction, route) --------------------------------

VALUE_OPS = ("equals", "not_equals", "in", "not_in", "is_true", "is_false", "contains")


class Comparison(Strict):
    """One test on the facts. Money: `amount`; ratio cap: `ratio` + `of`; other fact: `other`; else `value`."""

    fact: FactName | list[FactName] = Field(description="fact name, or a list whose values are summed")
    op: str = Field(
        description="以上 以下 超过 不超过 不低于 低于 不满 at_least above at_most below " + " ".join(VALUE_OPS)
    )
    amount: Amount | None = Field(default=None, description="int fen or '30万元'")
    ratio: Ratio | None = Field(default=None, description="'10%' or '0.1': fact / `of` compared with it")
    of: FactName | None = Field(default=None, description="the base fact of a ratio")
    other: FactName | None = Field(default=None, description="compare with another (money) fact")
    value: Any = Field(default=None, description="a count, or the value(s) for equals / in / contains")
    label_zh: str | None = None
    label_en: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> Comparison:
        if self.op not in AMOUNT_OPS and self.op not in VALUE_OPS:
            raise ValueError(f"unknown op {self.op!r}; use one of {', '.join(AMOUNT_OPS + VALUE_OPS)}")
        targets = [
            name
            for name, present in (
                ("amount", self.amount is not None),
                ("ratio", self.ratio is not None),
                ("other", self.other is not None),
                ("value", self.value is not None),
            )
            if present
        ]
        if (self.ratio is None) != (self.of is None):
            raise ValueError("`ratio` and `of` go together (a cap of one fact over another)")
        if self.op in ("is_true", "is_false"):
            if targets:
                raise ValueError(f"op {self.op} takes no amount/ratio/other/value")
        elif len(targets) != 1:
            raise ValueError(f"op {self.op} needs exactly one of amount, ratio+of, other, value (got {targets})")
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"op {self.op} needs `value` to be a list")
        if self.op in AMOUNT_OPS and self.value is not None:
            if isinstance(self.value, bool) or not isinstance(self.value, int):
                raise ValueError(f"op {self.op} with `value` needs an integer (counts); money goes in `amount`")
        if self.op in VALUE_OPS and (self.amount is not None or self.ratio is not None or self.other):
            raise ValueError(f"op {self.op} compares with `value`, not amount/ratio/other")
        if isinstance(self.fact, list) and not self.fact:
            raise ValueError("`fact` list must not be empty")
        return self

    @property
    def facts(self) -> list[str]:
        return list(self.fact) if isinstance(self.fact, list) else [self.fact]

    def referenced(self) -> list[str]:
        return self.facts + [name for name in (self.of, self.other) if name]


class Semantics(Strict):
    """dazhou:第六十二条 as data: whether 以上 and 以下 include the number itself."""

    yishang: Literal["includes", "excludes"] = Field(alias="以上")
    yixia: Literal["includes", "excludes"] = Field(alias="以下")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True)


class ThresholdParams(Strict):
    """Checks on amounts, counts or ratios; `mode: all` (default) or `any`. Or the pack's 以上/以下 semantics."""

    checks: list[Comparison] = Field(default_factory=list)
    mode: Literal["all", "any"] = "all"
    semantics: Semantics | None = Field(default=None, description="only in the thresholds.semantics rule")

    @model_validator(mode="after")
    def _one(self) -> ThresholdParams:
        if bool(self.checks) == (self.semantics is not None):
            raise ValueError("a threshold has either `checks` (one or more) or `semantics`, not both")
        return self


class AnnualDate(Strict):
    month: int = Field(ge=1, le=12)
    day: int | Literal["end"] | None = Field(
        default=None, description="day of month, 'end' for the last day, or omitted for the whole month"
    )

    @model_validator(mode="after")
    def _day(self) -> AnnualDate:
        if isinstance(self.day, int) and not 1 <= self.day <= 31:
            raise ValueError("day must be 1..31 or 'end'")
        return self


class DeadlineParams(Strict):
    """A period counted from a start fact (within / not_before), or an annual date."""

    unit: Literal["calendar_days", "working_days", "months", "years"] | None = None
    within: int | None = Field(default=None, ge=0, description="must happen at most this long after the start")
    not_before: int | None = Field(default=None, ge=0, description="may happen only this long after the start")
    counts_from: FactName | None = Field(default=None, description="fact holding the start date")
    counts_from_zh: str | None = None
    event: FactName | None = Field(default=None, description="fact holding the date the thing happened")
    event_zh: str | None = None
    annual: AnnualDate | None = None
    year_from: FactName | None = Field(default=None, description="annual: fact holding the year (int) or a date")
    year_offset: int = 0
    roll_to_working_day: bool = Field(
        default=False, description="a due date on a day off moves to the next working day"
    )
    unit_why: str | None = Field(
        default=None,
        description="why the period counts this kind of day when the text leaves it open (e.g. '3天', '在10内')",
    )

    @model_validator(mode="after")
    def _shape(self) -> DeadlineParams:
        if self.annual is not None:
            if self.unit or self.within is not None or self.not_before is not None or self.counts_from:
                raise ValueError("an annual deadline takes `annual` (+ year_from, year_offset), not unit/within")
            return self
        if self.unit is None or self.counts_from is None:
            raise ValueError("a period deadline needs `unit` and `counts_from`")
        if self.within is None and self.not_before is None:
            raise ValueError("a period deadline needs `within`, `not_before`, or both")
        if self.within is not None and self.not_before is not None and self.not_before > self.within:
            raise ValueError("`not_before` is later than `within`")
        return self


class ListItem(Strict):
    id: str = Field(min_length=1)
    zh: str
    en: str
    match: list[str] = Field(default_factory=list, description="tags in the fact that hit this item")
    citation: str | None = Field(default=None, pattern=CITATION.pattern)
    quote: str | None = None

    def tags(self) -> list[str]:
        return self.match or [self.id.rsplit(".", 1)[-1]]


class ListParams(Strict):
    """`forbidden`: every hit fails; `allowed`: every tag outside the items fails; `flag`: hits are info."""

    mode: Literal["forbidden", "allowed", "flag"]
    fact: FactName = Field(description="a list-of-strings fact (tags)")
    items: list[ListItem] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ListParams:
        ids = [item.id for item in self.items]
        if len(ids) != len(set(ids)):
            raise ValueError("list item ids must be unique")
        tags = [tag for item in self.items for tag in item.tags()]
        duplicates = sorted({tag for tag in tags if tags.count(tag) > 1})
        if duplicates:
            raise ValueError(f"tags matched by more than one item: {duplicates}")
        return self


class AuthorityBand(Strict):
    lower: Amount | None = Field(default=None, alias="from", description="以上: the band starts here")
    upper: Amount | None = Field(default=None, alias="to", description="以下: the band ends here")
    steps: list[FactName] = Field(min_length=1, description="ordered approval steps (role ids)")
    citation: str | None = Field(default=None, pattern=CITATION.pattern, description="the band's item, e.g. 第十条(二)")
    quote: str | None = Field(default=None, description="the band's item, verbatim (checked inside `citation`)")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True)


class CollectiveReview(Strict):
    when: FactName = Field(description="boolean fact: reviewed collectively (e.g. by the finance committee)")
    steps: list[FactName] = Field(min_length=1)
    citation: str | None = Field(default=None, pattern=CITATION.pattern)
    quote: str | None = Field(default=None, description="the collective route's words, verbatim")


class AuthorityParams(Strict):
    amount_fact: FactName = Field(description="the amount (fen) that picks the band")
    bands: list[AuthorityBand] = Field(min_length=1, description="from 0 upwards, covering every amount once")
    collective: CollectiveReview | None = None


class RequirementCase(Strict):
    when: Comparison
    require: list[str] = Field(min_length=1)


class ItemLabel(Strict):
    zh: str
    en: str


class Choice(Strict):
    """One value the text names for a stated fact, in its words (a form offers it as a choice)."""

    id: FactName
    zh: str
    en: str
    quote: str | None = Field(default=None, description="its words in the text, verbatim (inside the rule's citation)")


class RequirementParams(Strict):
    """Required items. With `supplied_fact` they must appear in that list fact; without, each is a boolean fact."""

    supplied_fact: FactName | None = Field(default=None, description="list fact of what was supplied")
    required: list[str] = Field(default_factory=list, description="always required")
    cases: list[RequirementCase] = Field(default_factory=list, description="required when a condition holds")
    labels: dict[str, ItemLabel] = Field(default_factory=dict, description="item → {zh, en} for messages")
    # None rather than {} when absent, so a rule without choices keeps its content (and its pack its version)
    choices: dict[FactName, list[Choice]] | None = Field(
        default=None,
        description="fact → the values the text names for it (e.g. fengxian's 首次运维 / 历史运维): a form's choices",
    )

    @model_validator(mode="after")
    def _some(self) -> RequirementParams:
        if not self.required and not self.cases:
            raise ValueError("a requirement needs `required`, `cases`, or both")
        if self.supplied_fact is None:
            for item in self.required + [i for case in self.cases for i in case.require]:
                if not NAME.match(item):
                    raise ValueError(f"{item!r} must be a fact name (lower_snake) when there is no supplied_fact")
        for fact, options in (self.choices or {}).items():
            ids = [choice.id for choice in options]
            if not ids or len(ids) != len(set(ids)):
                raise ValueError(f"the choices of {fact!r} must be a non-empty list of unique ids")
            for case in self.cases:
                if fact not in case.when.facts or case.when.value is None:
                    continue
                named = case.when.value if isinstance(case.when.value, list) else [case.when.value]
                unknown = sorted(set(named) - set(ids))
                if unknown:
                    raise ValueError(f"a case tests {fact!r} for {unknown}, not among its choices")
        return self


class Duration(Strict):
    value: int = Field(ge=1)
    unit: Literal["calendar_days", "working_days", "months", "years"]


class SanctionParams(Strict):
    """When the conditions hold (all, or any with `mode: any`), the subject is barred from `bars`.

    A `duration` (counted from `since_fact`) limits the bar; without one it lasts until cleared. A `ladder`
    escalates step by step: the decision names the step after `ladder_fact`.
    """

    when: list[Comparison] = Field(min_length=1)
    mode: Literal["all", "any"] = "all"
    bars: list[str] = Field(default_factory=list)
    duration: Duration | None = None
    since_fact: FactName | None = Field(default=None, description="date the sanction started (for `until`)")
    ladder: list[str] = Field(default_factory=list, description="escalation steps, mildest first")
    ladder_fact: FactName | None = Field(default=None, description="fact: the ladder step already applied")

    @model_validator(mode="after")
    def _some(self) -> SanctionParams:
        if not self.bars and not self.ladder:
            raise ValueError("a sanction needs `bars`, a `ladder`, or both")
        if self.ladder_fact and not self.ladder:
            raise ValueError("`ladder_fact` needs a `ladder`")
        return self


class PathTarget(Strict):
    path: FactName
    steps: list[FactName] = Field(min_length=1)


class RouteCase(Strict):
    when: list[Comparison] = Field(default_factory=list, description="all must hold")
    when_any: list[Comparison] = Field(default_factory=list, description="at least one must hold")
    target: FactName | PathTarget
    citation: str | None = Field(default=None, pattern=CITATION.pattern, description="the case's own item")
    quote: str | None = Field(default=None, description="the case's item, verbatim (checked inside `citation`)")

    @model_validator(mode="after")
    def _cond(self) -> RouteCase:
        if not self.when and not self.when_any:
            raise ValueError("a route case needs `when` or `when_any`")
        return self


class RouteParams(Strict):
    """The first case whose conditions hold gives the target; else `default`."""

    cases: list[RouteCase] = Field(default_factory=list)
    default: FactName | PathTarget | None = None
    default_citation: str | None = Field(default=None, pattern=CITATION.pattern, description="the default's item")
    default_quote: str | None = Field(default=None, description="the default's item, verbatim")

    @model_validator(mode="after")
    def _some(self) -> RouteParams:
        if not self.cases and self.default is None:
            raise ValueError("a route needs `cases`, a `default`, or both")
        return self


PARAMS_BY_KIND: dict[str, type[Strict]] = {
    "threshold": ThresholdParams,
    "deadline": DeadlineParams,
    "list": ListParams,
    "authority_table": AuthorityParams,
    "requirement": RequirementParams,
    "sanction": SanctionParams,
    "route": RouteParams,
}
