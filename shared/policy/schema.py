"""The pack file schema: one pydantic model for the file, one for a rule, one params model per kind.

Every model forbids unknown keys, so a typo in a pack is a load error naming the field, not a
silently ignored setting. `docs/policy.md` documents these models field by field.
"""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from shared.policy.amounts import AMOUNT_OPS, format_ratio, parse_amount, parse_ratio

STAGES = ("intake", "review", "budget", "procurement", "acceptance", "catalog", "general")
Stage = Literal["intake", "review", "budget", "procurement", "acceptance", "catalog", "general"]
KINDS = ("threshold", "deadline", "list", "authority_table", "requirement", "sanction", "route")
Kind = Literal["threshold", "deadline", "list", "authority_table", "requirement", "sanction", "route"]
#: What a failing decision means for the service that asked (informational for services and docs).
Effect = Literal[
    "out_of_scope",  # not a managed project at all (not a failed application)
    "reject",  # application not accepted / not approved
    "not_admitted",  # not put into the project library
    "bar",  # the unit or project is barred from something for a while
    "block",  # a step cannot happen yet (payment, procurement, acceptance)
    "needs_approval",  # allowed only with a (higher) approval
    "escalate",  # supervision escalates
    "overdue",  # a deadline passed
    "route",  # decides who handles it, never fails
    "info",  # documents a definition or a schedule
]

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


class RequirementParams(Strict):
    """Required items. With `supplied_fact` they must appear in that list fact; without, each is a boolean fact."""

    supplied_fact: FactName | None = Field(default=None, description="list fact of what was supplied")
    required: list[str] = Field(default_factory=list, description="always required")
    cases: list[RequirementCase] = Field(default_factory=list, description="required when a condition holds")
    labels: dict[str, ItemLabel] = Field(default_factory=dict, description="item → {zh, en} for messages")

    @model_validator(mode="after")
    def _some(self) -> RequirementParams:
        if not self.required and not self.cases:
            raise ValueError("a requirement needs `required`, `cases`, or both")
        if self.supplied_fact is None:
            for item in self.required + [i for case in self.cases for i in case.require]:
                if not NAME.match(item):
                    raise ValueError(f"{item!r} must be a fact name (lower_snake) when there is no supplied_fact")
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


# --- rules and packs ------------------------------------------------------------------------------


#: Where a rule's law comes from: the jurisdiction's own text, a higher-level document that text points
#: to, or a local setting (a number or choice the text leaves open, chosen by the bureau).
Basis = Literal["own_text", "higher_document", "local_setting"]

#: What a decision by a local setting shows instead of an article.
LOCAL_SETTING_ZH = "本地设置（非条文规定）"


class BasisDef(Strict):
    """Why a rule that is not quoted from the jurisdiction's own text is in its pack."""

    basis: Basis = Field(default="own_text", description="own_text | higher_document | local_setting")
    why: str | None = Field(default=None, description="local_setting: why this default was chosen")
    pointer_citation: str | None = Field(
        default=None,
        pattern=CITATION.pattern,
        description="higher_document: the article of the pack's own text that points to the document",
    )
    pointer: str | None = Field(default=None, description="higher_document: the pointing words, verbatim")

    @model_validator(mode="after")
    def _basis(self) -> BasisDef:
        if self.basis == "local_setting" and not (self.why or "").strip():
            raise ValueError("a local_setting needs `why` the default was chosen")
        if self.basis == "higher_document" and not (self.pointer_citation and (self.pointer or "").strip()):
            raise ValueError("a higher_document basis needs `pointer_citation` and the verbatim `pointer`")
        return self


class InheritDef(BasisDef):
    """A parent rule taken into a child pack: always with the basis that lets it apply there."""

    id: str = Field(pattern=RULE_ID.pattern)
    basis: Literal["higher_document", "local_setting"] = Field(
        description="an inherited rule is never the child's own text: higher_document or local_setting"
    )


class RuleDef(Strict):
    """A rule as written in a pack file (params are checked by the kind's own model afterwards)."""

    id: str = Field(pattern=RULE_ID.pattern, description="stable dotted id, e.g. approval.authority")
    stage: Stage = Field(description="the stage whose service applies it; general = everywhere")
    kind: Kind
    citation: str = Field(pattern=CITATION.pattern, description="<pack>:<article>, e.g. dazhou:第十条")
    quote: str | list[str] = Field(description="verbatim excerpt(s) of the cited article")
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    params: dict[str, Any] = Field(description="the kind's params (see below)")
    effect: Effect | None = Field(
        default=None,
        description="what a failing decision means: out_of_scope reject not_admitted bar block needs_approval "
        "escalate overdue route info",
    )
    note: str | None = Field(default=None, description="how the rule reads the text where it is unclear")
    optional_facts: list[FactName] = Field(default_factory=list, description="facts the rule may go without")
    applies_when: list[Comparison] = Field(
        default_factory=list, description="preconditions (all); when one is false the decision is 'not applicable'"
    )
    effective_from: date | None = Field(default=None, description="default: the pack's effective_from")
    effective_until: date | None = Field(default=None, description="replaced from this date (exclusive)")
    basis: Basis = Field(default="own_text", description="own_text (default) | higher_document | local_setting")
    basis_why: str | None = Field(default=None, description="local_setting: why the default was chosen")
    basis_pointer_citation: str | None = Field(default=None, pattern=CITATION.pattern)
    basis_pointer: str | None = Field(default=None, description="higher_document: the own text's pointer")

    @model_validator(mode="after")
    def _quote(self) -> RuleDef:
        quotes = [self.quote] if isinstance(self.quote, str) else self.quote
        if not quotes or any(not q.strip() for q in quotes):
            raise ValueError("quote must be non-empty verbatim text from the source")
        if self.effective_from and self.effective_until and self.effective_until <= self.effective_from:
            raise ValueError("effective_until must be after effective_from")
        BasisDef(
            basis=self.basis,
            why=self.basis_why,
            pointer_citation=self.basis_pointer_citation,
            pointer=self.basis_pointer,
        )
        return self

    @property
    def quotes(self) -> list[str]:
        return [self.quote] if isinstance(self.quote, str) else list(self.quote)


class LocalSettingDef(Strict):
    """One local setting (本地设置): a number or switch the text leaves to the bureau, never an article."""

    value: int | bool = Field(description="the setting: a whole number (days, per cent) or true/false")
    basis: Literal["local_setting"] = Field(description="always local_setting: no article says this number")
    why: str = Field(min_length=1, description="why this value was chosen (shown wherever the setting is used)")
    title_zh: str = Field(min_length=1)


def _setting(value: int | bool, title_zh: str, why: str) -> LocalSettingDef:
    return LocalSettingDef(value=value, basis="local_setting", why=why, title_zh=title_zh)


_DEFAULT_WHY = "未设置时的默认值，参照美国 IT Dashboard 的 CIO 评级"


class LocalSettings(Strict):
    """The pack's local settings: the cockpit's thresholds and the open-data switch (docs/cockpit.md).

    Each is optional in the file and defaults as listed; a bureau changing one publishes a new pack version."""

    variance_amber_pct: LocalSettingDef = Field(
        default=_setting(10, "成本/进度偏差中风险阈值（%，以上含本数）", _DEFAULT_WHY),
        description="a cost or schedule variance at or above this per cent rates 中风险 (amber)",
    )
    variance_red_pct: LocalSettingDef = Field(
        default=_setting(30, "成本/进度偏差高风险阈值（%，以上含本数）", _DEFAULT_WHY),
        description="a variance at or above this per cent rates 高风险 (red)",
    )
    deadline_amber_days: LocalSettingDef = Field(
        default=_setting(14, "期限临近（黄色）天数", "未设置时的默认值：两周内到期显示黄色"),
        description="a deadline due within this many days is amber (overdue is red)",
    )
    notify_before_days: LocalSettingDef = Field(
        default=_setting(7, "期限临近提醒提前天数", "未设置时的默认值：到期前一周提醒"),
        description="a deadline this close becomes a notification (临近提醒)",
    )
    open_data: LocalSettingDef = Field(
        default=_setting(False, "公开数据", "默认关闭：由数据局决定是否公开本辖区非涉密项目的概要数据"),
        description="publish the open-data feed (公开数据) for this jurisdiction; off by default",
    )

    @model_validator(mode="after")
    def _types(self) -> LocalSettings:
        for name in ("variance_amber_pct", "variance_red_pct", "deadline_amber_days", "notify_before_days"):
            value = getattr(self, name).value
            if isinstance(value, bool) or value < 0:
                raise ValueError(f"{name}.value must be a whole number ≥ 0")
        if not isinstance(self.open_data.value, bool):
            raise ValueError("open_data.value must be true or false")
        if self.variance_amber_pct.value >= self.variance_red_pct.value:
            raise ValueError("variance_amber_pct.value must be below variance_red_pct.value")
        return self

    def values(self) -> dict[str, int | bool]:
        return {name: getattr(self, name).value for name in type(self).model_fields}


class RoleDef(Strict):
    zh: str
    en: str


class PackHeader(Strict):
    """Everything in a pack file except the rules (validated first, so errors point at the header)."""

    pack: str = Field(pattern=NAME.pattern, description="the pack id = the file name without .yaml")
    title_zh: str = Field(min_length=1)
    title_en: str | None = None
    source: str = Field(pattern=r"^[a-z][a-z0-9_]*\.txt$", description="the regulation text in sources/")
    effective_from: date = Field(description="when the regulation took effect (default for its rules)")
    effective_until: date | None = Field(
        default=None,
        description="the end of validity the regulation itself sets (e.g. 有效期5年), exclusive; decisions made on "
        "or after it still use the last version and say the regulation has expired",
    )
    effective_until_citation: str | None = Field(default=None, pattern=CITATION.pattern)
    effective_until_quote: str | None = Field(default=None, description="the validity clause, verbatim")
    status: Literal["in_force", "draft", "interpretation"] = "in_force"
    extends: str | None = Field(default=None, description="parent pack id (normally dazhou)")
    inherits: list[InheritDef] = Field(
        default_factory=list, description="parent rules taken unchanged, each with its basis here"
    )
    roles: dict[str, RoleDef] = Field(default_factory=dict, description="role id → {zh, en}; used by approval steps")
    settings: LocalSettings = Field(
        default_factory=LocalSettings, description="local settings (cockpit thresholds, open data), see below"
    )
    note: str | None = None

    @model_validator(mode="after")
    def _validity(self) -> PackHeader:
        given = [self.effective_until_citation, self.effective_until_quote]
        if self.effective_until is None:
            if any(given):
                raise ValueError("effective_until_citation/quote need effective_until")
            return self
        if not all(given):
            raise ValueError("effective_until needs the clause that sets it: effective_until_citation and _quote")
        if self.effective_until <= self.effective_from:
            raise ValueError("effective_until must be after effective_from")
        if not str(self.effective_until_citation).startswith(f"{self.pack}:"):
            raise ValueError("effective_until_citation must cite the pack's own text")
        return self


PACK_KEYS = set(PackHeader.model_fields) | {"rules", "history"}
