"""Procurement's decisions, pure: facts and the jurisdiction's pack in, Decisions out (RULES.md §5).

Which rule applies where is the pack's business: a step asks for the rule ids below and uses the
ones the pack has (quzhou adds its own tender ceiling beside dazhou's; jiyuan and quzhou add supervision)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from enum import StrEnum
from fractions import Fraction
from typing import Any, Protocol, TypeVar

from shared.decisions import REFUSING_EFFECTS, refusing
from shared.lifecycle import Lifecycle, Transition
from shared.policy import Decision, Pack

#: The tender ceiling and contracts stay within the estimate (dazhou:第三十八条; quzhou:三(三)1).
CEILING_RULES = ("procurement.tender_ceiling", "procurement.tender_max_price")
INPUTS_RULE = "procurement.inputs_required"  # dazhou:第三十九条
PLAN_RULE = "procurement.plan_filing"  # dazhou:第四十条
ORGANISER_RULE = "procurement.organiser"  # dazhou:第四十一条; jiyuan:项目建设; fengxian:第二十一条
SUPERVISION_RULE = "procurement.supervision"  # jiyuan:项目建设; quzhou:三(三)2
METHOD_RULE = "procurement.method_decision"  # fengxian:第五条 区财政局确定采购方式
TENDER_DOCUMENTS_RULE = "procurement.tender_document_review"  # fengxian:第五条 区数据局审核招标文件
#: Reviews of a filed plan before the organiser's steps, in this order, where the pack has them.
PLAN_REVIEW_RULES = (METHOD_RULE, TENDER_DOCUMENTS_RULE)
PERIOD_RULE = "procurement.construction_period"  # dazhou:第四十二条
CAP_RULE = "procurement.supplement_cap"  # dazhou:第四十三条; fengxian:第二十二条
AUTHORITY_RULE = "procurement.supplement_authority"
DELAY_RULE = "procurement.delay_handling"  # dazhou:第四十六条
#: A supervision finding's escalation ladder (dazhou:第五十三条): the steps procurement acts on.
FINDING_SUSPENDS = "suspended"
FINDING_TERMINATES = "terminated"


# --- the lifecycle: stages and the one table of transitions ---------------------------------------


class Stage(StrEnum):
    """A procurement project's stage; the values are stored and answered as they are (no migration)."""

    APPROVED = "approved"
    ESTIMATE_APPROVED = "estimate_approved"
    PLAN_FILED = "plan_filed"
    TENDERING = "tendering"
    AWARDED = "awarded"
    CONTRACTED = "contracted"
    RESTARTED = "restarted"
    TERMINATED = "terminated"

    @property
    def label_zh(self) -> str:
        return STAGE_ZH[self]

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


STAGE_ZH: Mapping[Stage, str] = {
    Stage.APPROVED: "已立项",
    Stage.ESTIMATE_APPROVED: "概算已批复",
    Stage.PLAN_FILED: "采购计划已备案",
    Stage.TENDERING: "招标中",
    Stage.AWARDED: "已定标",
    Stage.CONTRACTED: "已签合同（建设中）",
    Stage.RESTARTED: "重新履行基本程序",
    Stage.TERMINATED: "已终止建设",
}
#: The stage a project enters with the approval letter (立项批复); a project first seen through its
#: estimate starts at ESTIMATE_APPROVED (the table's column default).
INITIAL = Stage.APPROVED
TERMINAL = frozenset({Stage.TERMINATED})


class Action(StrEnum):
    """What moves (or needs) a stage; the value is the phrase a 409 names."""

    APPROVE_ESTIMATE = "approve the estimate"
    FILE_PLAN = "file the procurement plan"
    RETURN_PLAN = "review the procurement plan"
    PUBLISH_TENDER = "publish a tender"
    AWARD = "award a tender"
    REGISTER_CONTRACT = "register a contract"
    REQUEST_SUPPLEMENT = "sign a supplementary contract"
    RESTART = "restart the procedure (supplements above the cap)"
    REPORT_INCIDENT = "report a construction incident"
    SUSPEND = "suspend"
    TERMINATE = "terminate"


_LIVE = tuple(s for s in Stage if s not in TERMINAL)

#: action → allowed from-stages → to-stage: the whole lifecycle of a procurement project.
TRANSITIONS: Mapping[Action, Transition[Stage]] = {
    # a revised estimate after a restart opens the new cycle (the handler checks the revision is newer)
    Action.APPROVE_ESTIMATE: Transition((Stage.APPROVED, Stage.RESTARTED), Stage.ESTIMATE_APPROVED),
    Action.FILE_PLAN: Transition((Stage.ESTIMATE_APPROVED,), Stage.PLAN_FILED, INPUTS_RULE),
    # a reviewer returns the plan: the unit files it again
    Action.RETURN_PLAN: Transition((Stage.PLAN_FILED,), Stage.ESTIMATE_APPROVED, ORGANISER_RULE),
    # several tenders (lots) per cycle: a later one may follow an award
    Action.PUBLISH_TENDER: Transition(
        (Stage.ESTIMATE_APPROVED, Stage.PLAN_FILED, Stage.TENDERING, Stage.AWARDED),
        Stage.TENDERING,
        PLAN_RULE,
    ),
    # an open tender of the cycle may be awarded after a contract for another lot was registered
    Action.AWARD: Transition((Stage.TENDERING, Stage.AWARDED, Stage.CONTRACTED), Stage.AWARDED),
    # one call registers a contract, also one procured outside the platform (no tender on record)
    Action.REGISTER_CONTRACT: Transition(
        (Stage.ESTIMATE_APPROVED, Stage.PLAN_FILED, Stage.TENDERING, Stage.AWARDED, Stage.CONTRACTED),
        Stage.CONTRACTED,
    ),
    Action.REQUEST_SUPPLEMENT: Transition((Stage.CONTRACTED,), None, CAP_RULE),
    Action.RESTART: Transition((Stage.CONTRACTED,), Stage.RESTARTED, CAP_RULE),
    Action.REPORT_INCIDENT: Transition((Stage.CONTRACTED,), None, DELAY_RULE),
    Action.SUSPEND: Transition(_LIVE, None, DELAY_RULE),
    Action.TERMINATE: Transition(_LIVE, Stage.TERMINATED, DELAY_RULE),
}


LIFECYCLE = Lifecycle(Stage, TRANSITIONS, initial=INITIAL, terminal=TERMINAL, labels_zh=STAGE_ZH)
allows = LIFECYCLE.allows
refusal = LIFECYCLE.refusal
transition = LIFECYCLE.transition


#: What refuses a request is the rule's effect, the same in every service (shared/decisions.py).
BLOCKING_EFFECTS = REFUSING_EFFECTS
blocking = refusing


def _present(pack: Pack, rule_ids: Sequence[str]) -> list[str]:
    return [rule_id for rule_id in rule_ids if pack.has(rule_id)]


def ceiling_decisions(pack: Pack, amount_fen: int | None, estimate_fen: int | None) -> list[Decision]:
    """A tender ceiling, a plan budget or the contracts' total against the approved estimate (an amount not
    known yet is a missing fact for the pack to name)."""
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


def plan_reviews(pack: Pack) -> list[Decision]:
    """The reviews a filed plan takes before the organiser (fengxian:第五条: finance decides the method, the
    bureau reviews the tender documents); each decision's value names its steps."""
    return [pack.decide(rule_id, {}) for rule_id in PLAN_REVIEW_RULES if pack.has(rule_id)]


def review_rule(pack: Pack, role: str) -> str:
    """The rule under which `role` reviews a plan: a plan-review rule naming it, else the organiser route."""
    for rule_id in PLAN_REVIEW_RULES:
        if pack.has(rule_id) and role in pack.decide(rule_id, {}).value["steps"]:
            return rule_id
    return ORGANISER_RULE


def plan_decisions(
    pack: Pack,
    *,
    estimate_fen: int | None,
    budget_fen: int | None,
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


def tender_decisions(pack: Pack, *, plan_filed: bool, ceiling_fen: int, estimate_fen: int | None) -> list[Decision]:
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


StepT = TypeVar("StepT", bound=_Step)


def next_pending(steps: Sequence[StepT]) -> StepT | None:
    for step in steps:
        if step.status == "pending":
            return step
    return None
