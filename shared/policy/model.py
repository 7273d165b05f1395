"""Loaded rules and the decisions they produce (what services store in their decision tables)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from shared.policy.params import Comparison, Strict

Outcome = Literal["pass", "fail", "info"]


class Rule(BaseModel):
    """One rule of a loaded pack. `params` is the kind's validated params model."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    id: str
    pack: str = Field(description="the pack that defines the rule (the parent's id when inherited)")
    kind: str
    stage: str
    citation: str
    quote: str = Field(description="the verbatim excerpt(s); several are joined with ' … '")
    quotes: list[str]
    title_zh: str
    title_en: str
    params: Any
    inherited: bool = False
    inherited_from: str | None = None
    effect: str | None = None
    note: str | None = None
    optional_facts: list[str] = Field(default_factory=list)
    applies_when: list[Comparison] = Field(default_factory=list)
    effective_from: date | None = None
    effective_until: date | None = None
    basis: str = Field(default="own_text", description="own_text | higher_document | local_setting")
    basis_why: str | None = None
    basis_pointer_citation: str | None = None
    basis_pointer: str | None = None
    origin_citation: str | None = Field(
        default=None, description="a local setting's source of its default (e.g. the parent's article)"
    )
    _needs: tuple[list[str], list[str]] | None = PrivateAttr(default=None)

    def needs(self) -> tuple[list[str], list[str]]:
        """(facts the rule may need, of which optional). Which are read depends on the facts given."""
        if self._needs is None:
            referenced, optional = _referenced(self.kind, self.params)
            referenced = _comparison_facts(self.applies_when) + referenced
            optional = sorted(set(optional) | set(self.optional_facts))
            self._needs = (sorted(set(referenced)), optional)
        return self._needs

    def public(self) -> dict[str, Any]:
        """JSON form for the API and docs."""
        needed, optional = self.needs()
        data = self.model_dump(mode="json", exclude={"params", "quotes"})
        data["params"] = self.params.model_dump(mode="json", by_alias=True, exclude_none=True)
        data["quotes"] = list(self.quotes)
        data["facts"] = {"required": [f for f in needed if f not in optional], "optional": optional}
        return data

    def content(self) -> dict[str, Any]:
        """What identifies the rule's meaning (hashed into the pack version, compared by `diff`)."""
        data = self.public()
        data.pop("facts", None)
        return data


class Decision(BaseModel):
    """The result of applying one rule to some facts. Frozen; `as_record()` is the decision-table row."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    citation: str
    quote: str
    kind: str
    stage: str
    pack: str
    pack_version: str
    outcome: Outcome
    value: Any = None
    message_zh: str
    message_en: str
    field: str | None = None
    facts: dict[str, Any] = Field(default_factory=dict)
    effect: str | None = None
    inherited: bool = False
    # additive (decisions are stored and emitted): what the citation is — the jurisdiction's own article,
    # its article pointing to a higher document, or a local setting with no article behind it
    basis: str = "own_text"
    basis_zh: str | None = None
    basis_why: str | None = None
    # additive (§3): `citation` names the list item / amount band / route case that decided (e.g.
    # 'dazhou:第十条(二)'); `article` is the rule's whole-article citation (what `citation` held before), so a
    # consumer grouping by article keeps working. `item_quote` is the item's verbatim words.
    article: str | None = None
    item_quote: str | None = None
    # additive: set when the regulation's own validity had ended (e.g. fengxian:第三十八条 有效期5年) on the day the
    # decision was made; the message says so too
    pack_expired_on: str | None = None

    @property
    def passed(self) -> bool:
        return self.outcome != "fail"

    def as_record(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _comparison_facts(comparisons: list[Comparison]) -> list[str]:
    return [name for c in comparisons for name in c.referenced()]


def _referenced(kind: str, params: Strict) -> tuple[list[str], list[str]]:
    """Facts named by a rule's params, and which of them the engine treats as optional by design."""
    from shared.policy import params as s

    if isinstance(params, s.ThresholdParams):
        return _comparison_facts(params.checks), []
    if isinstance(params, s.DeadlineParams):
        required = [params.counts_from] if params.counts_from else []
        optional = [name for name in (params.event, "as_of") if name]
        if params.year_from:
            required.append(params.year_from)
        return required + optional, optional
    if isinstance(params, s.ListParams):
        return [params.fact], []
    if isinstance(params, s.AuthorityParams):
        optional = [params.collective.when] if params.collective else []
        return [params.amount_fact, *optional], optional
    if isinstance(params, s.RequirementParams):
        conditions = [name for case in params.cases for name in case.when.referenced()]
        if params.supplied_fact:
            return [params.supplied_fact, *conditions], []
        items = params.required + [item for case in params.cases for item in case.require]
        return items + conditions, []
    if isinstance(params, s.SanctionParams):
        optional = [name for name in (params.since_fact, params.ladder_fact) if name]
        return _comparison_facts(params.when) + optional, optional
    if isinstance(params, s.RouteParams):
        names = [n for case in params.cases for n in _comparison_facts(case.when + case.when_any)]
        return names, []
    raise TypeError(f"no params model for kind {kind}")
