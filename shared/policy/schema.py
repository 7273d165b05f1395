"""The pack file schema: one pydantic model for the file, one for a rule, one params model per kind.

Every model forbids unknown keys, so a typo in a pack is a load error naming the field, not a
silently ignored setting. `docs/policy.md` documents these models field by field.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field, model_validator

from shared.policy.params import CITATION, NAME, RULE_ID, Comparison, FactName, Strict

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
