"""Procurement's decisions, pure: facts and the jurisdiction's pack in, Decisions out (RULES.md §5).

Which rule applies where is the pack's business: a step asks for the rule ids below and uses the
ones the pack has (quzhou adds its own tender ceiling beside dazhou's; jiyuan and quzhou add supervision)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from fractions import Fraction
from typing import Any, Protocol

from shared.policy import Decision, Pack

#: The tender ceiling and contracts stay within the estimate (dazhou:第三十八条; quzhou:三(三)1).
CEILING_RULES = ("procurement.tender_ceiling", "procurement.tender_max_price")
INPUTS_RULE = "procurement.inputs_required"  # dazhou:第三十九条
PLAN_RULE = "procurement.plan_filing"  # dazhou:第四十条
ORGANISER_RULE = "procurement.organiser"  # dazhou:第四十一条; jiyuan:项目建设; fengxian:第二十一条
SUPERVISION_RULE = "procurement.supervision"  # jiyuan:项目建设; quzhou:三(三)2
PERIOD_RULE = "procurement.construction_period"  # dazhou:第四十二条
CAP_RULE = "procurement.supplement_cap"  # dazhou:第四十三条; fengxian:第二十二条
AUTHORITY_RULE = "procurement.supplement_authority"
DELAY_RULE = "procurement.delay_handling"  # dazhou:第四十六条
#: A supervision finding's escalation ladder (dazhou:第五十三条): the steps procurement acts on.
FINDING_SUSPENDS = "suspended"
FINDING_TERMINATES = "terminated"

#: A failing decision with one of these effects refuses the request; others (info, overdue, route) are recorded.
BLOCKING_EFFECTS = frozenset({"reject", "block", "bar", "not_admitted", "out_of_scope"})


def blocking(decisions: Sequence[Decision]) -> list[Decision]:
    return [d for d in decisions if d.outcome == "fail" and (d.effect or "reject") in BLOCKING_EFFECTS]


def _present(pack: Pack, rule_ids: Sequence[str]) -> list[str]:
    return [rule_id for rule_id in rule_ids if pack.has(rule_id)]


def ceiling_decisions(pack: Pack, amount_fen: int, estimate_fen: int) -> list[Decision]:
    """A tender ceiling, a plan budget or the contracts' total against the approved estimate."""
    facts = {"tender_ceiling_fen": amount_fen, "approved_estimate_fen": estimate_fen}
    return [pack.decide(rule_id, facts) for rule_id in _present(pack, CEILING_RULES)]


def organiser(pack: Pack, *, unit_is_soe: bool, above_procurement_limit: bool, in_annual_plan: bool) -> Decision:
    """Who organises the procurement; `value` is {path, steps}: reviews first, the organiser last."""
    return pack.decide(
        ORGANISER_RULE,
        {
            "unit_is_soe": unit_is_soe,
            "above_procurement_limit": above_procurement_limit,
            "in_annual_plan": in_annual_plan,
        },
    )


def plan_decisions(
    pack: Pack,
    *,
    estimate_fen: int,
    budget_fen: int,
    control_price_fen: int | None,
    above_procurement_limit: bool,
) -> list[Decision]:
    """Filing the plan: the inputs of dazhou:第三十九条 (quzhou:三(三)1), and a budget within the estimate."""
    decisions = []
    if pack.has(INPUTS_RULE):
        decisions.append(
            pack.decide(
                INPUTS_RULE,
                {
                    "above_procurement_limit": above_procurement_limit,
                    "estimate_approved": True,
                    "control_price_approved": control_price_fen is not None,
                },
            )
        )
    decisions += ceiling_decisions(pack, budget_fen, estimate_fen)
    if control_price_fen is not None:
        decisions += ceiling_decisions(pack, control_price_fen, estimate_fen)
    return decisions


def tender_decisions(pack: Pack, *, plan_filed: bool, ceiling_fen: int, estimate_fen: int) -> list[Decision]:
    """A tender needs the filed plan (dazhou:第四十条) and a ceiling within the estimate."""
    decisions = []
    if pack.has(PLAN_RULE):
        decisions.append(pack.decide(PLAN_RULE, {"procurement_plan_filed": plan_filed}))
    return decisions + ceiling_decisions(pack, ceiling_fen, estimate_fen)


def supervision_decisions(pack: Pack, *, major_project: bool, supervisor: str | None) -> list[Decision]:
    if not pack.has(SUPERVISION_RULE):
        return []
    facts = {"major_project": major_project, "supervision_engaged": bool(supervisor)}
    return [pack.decide(SUPERVISION_RULE, facts)]


def construction_period(pack: Pack, signed_on: date, planned_completion: date) -> tuple[Decision, date]:
    """The planned completion against the construction period, and the due date counted from signing.
    The period holds 原则上 (as a rule): a later plan is recorded and watched, not refused."""
    decision = pack.decide(
        PERIOD_RULE, {"contract_signed_on": signed_on, "construction_completed_on": planned_completion}
    )
    return decision, pack.due(PERIOD_RULE, signed_on)


def supplement_cap(pack: Pack, amount_fen: int, previous_fen: int, original_fen: int) -> Decision:
    return pack.decide(
        CAP_RULE,
        {"supplement_fen": amount_fen, "previous_supplements_fen": previous_fen, "original_contract_fen": original_fen},
    )


def supplement_authority(pack: Pack, amount_fen: int) -> Decision:
    """The ordered leader roles that approve a supplement of this amount."""
    return pack.authority(AUTHORITY_RULE, amount_fen)


def supplement_ratio(cumulative_fen: int, original_fen: int) -> Fraction:
    return Fraction(cumulative_fen, original_fen)


#: Incident kinds and the facts of dazhou:第四十六条 they set.
INCIDENT_FACTS = {
    "serious_delay": "seriously_overdue",
    "major_loss": "major_investment_loss",
    "cannot_continue": "cannot_continue",
}


def delay_handling(pack: Pack, kind: str, substantial_progress: bool) -> Decision:
    """report_rectify_or_suspend, terminate_with_approval, or continue."""
    facts: dict[str, Any] = {name: False for name in INCIDENT_FACTS.values()}
    facts[INCIDENT_FACTS[kind]] = True
    facts["substantial_progress"] = substantial_progress
    return pack.decide(DELAY_RULE, facts)


class _Step(Protocol):
    status: str
    role: str


def next_pending(steps: Sequence[_Step]) -> _Step | None:
    for step in steps:
        if step.status == "pending":
            return step
    return None
