"""Budget's decisions, pure: facts + the jurisdiction's pack in, decisions out. No I/O, no clock.

Every function returns the Decisions it took; the handler records them all and refuses with the failed ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from shared.decisions import refusing
from shared.lifecycle import Lifecycle, Transition
from shared.policy import Decision, Pack

# Rule ids (the pack holds what each one says; a child pack may override one with its own text).
PRICE_CONSULTATION = "budget.price_consultation"
TECHNICAL_PLAN_DUE = "budget.technical_plan_due"
TECHNICAL_REVIEW_DUE = "budget.technical_review_due"
CONTROL_PRICE_REVIEW_DUE = "budget.control_price_review_due"
CONTROL_PRICE_CEILING = "budget.control_price_ceiling"
ESTIMATE_CEILING = "budget.estimate_ceiling"
PAYMENT_REQUIRES_ACCEPTANCE = "budget.payment_requires_acceptance"
RELEASE_STOPPED = "budget.release_stopped_by_supervision"
PAYMENT_BY_PROGRESS = "budget.payment_by_progress"  # quzhou:三(四): cumulative payments within the progress
ESTIMATE_AFTER_PLAN = "budget.estimate_after_plan"  # dazhou:第三十五条,第三十六条
ADJUSTMENT_FILING = "budget.adjustment_filing"
ADJUSTMENT_CASES = "budget.adjustment_cases"
ADJUSTMENT_APPROVAL = "budget.adjustment_approval"
SURPLUS_RETURN = "budget.surplus_return"
PREPARATORY_FIRST = "budget.preparatory_funds_first"
MID_YEAR_ADDITION = "budget.mid_year_addition"
JOINT_SHARES = "budget.joint_shares"
JOINT_SHARE_CEILING = "budget.joint_share_ceiling"
DATA_OPERATION_PAYMENT = "budget.data_operation_payment"
DATA_OPERATION_AMOUNT = "budget.data_operation_actual_amount"

BUDGET_LINE_KINDS = ("preparatory", "supplementary", "mid_year_addition", "om")


# --- the lifecycle: stages and the one table of transitions ---------------------------------------


class Stage(StrEnum):
    """A project's budget stage; the values are stored and answered as they are (no migration)."""

    APPROVED = "approved"
    CONSULTATION = "consultation"
    PLAN_SUBMITTED = "plan_submitted"
    PLAN_RETURNED = "plan_returned"
    ESTIMATE_APPROVED = "estimate_approved"
    CONTROL_PRICE_SUBMITTED = "control_price_submitted"
    CONTROL_PRICE_APPROVED = "control_price_approved"
    ACCEPTED = "accepted"
    CLOSED = "closed"

    @property
    def label_zh(self) -> str:
        return STAGE_ZH[self]

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


STAGE_ZH: Mapping[Stage, str] = {
    Stage.APPROVED: "已立项",
    Stage.CONSULTATION: "功能清单询价中",
    Stage.PLAN_SUBMITTED: "技术方案已报送",
    Stage.PLAN_RETURNED: "技术方案退回修改",
    Stage.ESTIMATE_APPROVED: "概算已批复",
    Stage.CONTROL_PRICE_SUBMITTED: "招标控制价评审中",
    Stage.CONTROL_PRICE_APPROVED: "招标控制价已审定",
    Stage.ACCEPTED: "已验收",
    Stage.CLOSED: "结余已收回（关闭）",
}
#: Budget first sees a project with its approval (立项批复); a closed one has returned its surplus.
INITIAL = Stage.APPROVED
TERMINAL = frozenset({Stage.CLOSED})


class Action(StrEnum):
    """What moves (or needs) a stage; the value is the phrase a 409 names."""

    PUBLISH_CONSULTATION = "publish the function list"
    SUBMIT_PLAN = "deliver the technical plan"
    RETURN_PLAN = "review the technical plan"
    APPROVE_ESTIMATE = "approve estimate"
    SUBMIT_CONTROL_PRICE = "submit the control price"
    APPROVE_CONTROL_PRICE = "approve the control price"
    ACCEPT = "record the acceptance"
    RELEASE_FUNDS = "release funds"
    ADJUST = "adjust the project"
    RETURN_SURPLUS = "return the surplus"


_OPEN = tuple(s for s in Stage if s not in TERMINAL)
_CONTROL_PRICE = (Stage.ESTIMATE_APPROVED, Stage.CONTROL_PRICE_SUBMITTED)

#: action → allowed from-stages → to-stage: the whole budget lifecycle of a project.
TRANSITIONS: Mapping[Action, Transition[Stage]] = {
    Action.PUBLISH_CONSULTATION: Transition(
        (Stage.APPROVED, Stage.CONSULTATION), Stage.CONSULTATION, PRICE_CONSULTATION
    ),
    Action.SUBMIT_PLAN: Transition((Stage.CONSULTATION, Stage.PLAN_RETURNED), Stage.PLAN_SUBMITTED, TECHNICAL_PLAN_DUE),
    # a passed review approves the estimate (APPROVE_ESTIMATE); a failed one returns the plan
    Action.RETURN_PLAN: Transition((Stage.PLAN_SUBMITTED,), Stage.PLAN_RETURNED, TECHNICAL_REVIEW_DUE),
    # the bureau may (re)approve the estimate up to the control price review, also with the plan off the platform
    Action.APPROVE_ESTIMATE: Transition(
        (Stage.APPROVED, Stage.CONSULTATION, Stage.PLAN_SUBMITTED, Stage.PLAN_RETURNED, Stage.ESTIMATE_APPROVED),
        Stage.ESTIMATE_APPROVED,
        ESTIMATE_CEILING,
    ),
    Action.SUBMIT_CONTROL_PRICE: Transition(_CONTROL_PRICE, Stage.CONTROL_PRICE_SUBMITTED, CONTROL_PRICE_CEILING),
    # finance may approve a price it was never sent (given in the approval itself)
    Action.APPROVE_CONTROL_PRICE: Transition(_CONTROL_PRICE, Stage.CONTROL_PRICE_APPROVED, CONTROL_PRICE_CEILING),
    # acceptance's event: whatever stage budget last recorded, short of closed
    Action.ACCEPT: Transition(_OPEN, Stage.ACCEPTED, PAYMENT_REQUIRES_ACCEPTANCE),
    # the release rules (acceptance, estimate, supervision) decide; the stage only stops a closed project
    Action.RELEASE_FUNDS: Transition(_OPEN, None, PAYMENT_REQUIRES_ACCEPTANCE),
    Action.ADJUST: Transition(
        (Stage.ESTIMATE_APPROVED, Stage.CONTROL_PRICE_SUBMITTED, Stage.CONTROL_PRICE_APPROVED, Stage.ACCEPTED),
        None,
        ADJUSTMENT_FILING,
    ),
    # only when the surplus decision returns money; otherwise the project stays accepted
    Action.RETURN_SURPLUS: Transition((Stage.ACCEPTED,), Stage.CLOSED, SURPLUS_RETURN),
}

LIFECYCLE = Lifecycle(Stage, TRANSITIONS, initial=INITIAL, terminal=TERMINAL, labels_zh=STAGE_ZH)
allows = LIFECYCLE.allows
refusal = LIFECYCLE.refusal
transition = LIFECYCLE.transition


#: The decisions that refuse a request: the rule's effect decides, the same in every service.
failed = refusing


def _unmet(decisions: Iterable[Decision]) -> list[Decision]:
    """Failed decisions of any effect: an adjustment's route reads them (needs_approval is not a refusal)."""
    return [d for d in decisions if d.outcome == "fail"]


# --- the technical-plan timeline (dazhou:第三十五条–第三十八条) -----------------------------------------


def consultation_decision(pack: Pack, published_on: date, ends_on: date) -> Decision:
    """The function list is published for price consultation for at least the pack's minimum."""
    return pack.decide(
        PRICE_CONSULTATION, {"consultation_published_on": published_on, "consultation_ended_on": ends_on}
    )


def estimate_sequence_decision(
    pack: Pack,
    stage: str,
    published_on: date | None,
    ends_on: date | None,
    plan_submitted_on: date | None,
    today: date,
) -> Decision | None:
    """dazhou:第三十五条,第三十六条: no estimate before the consultation's 7 days and the technical plan. None when
    the pack has no such rule or the timeline was not started on the platform (the plan was handled off it)."""
    if not pack.has(ESTIMATE_AFTER_PLAN) or published_on is None:
        return None
    ended = min(ends_on or today, plan_submitted_on or today, today)
    consultation = pack.decide(
        PRICE_CONSULTATION, {"consultation_published_on": published_on, "consultation_ended_on": ended}
    )
    return pack.decide(
        ESTIMATE_AFTER_PLAN,
        {
            "price_consultation_completed": consultation.outcome == "pass" and (ends_on is None or ends_on <= ended),
            "technical_plan_delivered": plan_submitted_on is not None and stage != Stage.PLAN_RETURNED,
        },
    )


def consultation_end(published_on: date | None, ends_on: date | None, plan_submitted_on: date) -> date:
    """Delivering the plan closes the consultation; a plan before the announced end ends it early."""
    if ends_on is None:
        return plan_submitted_on
    return min(ends_on, plan_submitted_on)


def technical_plan_decisions(
    pack: Pack, published_on: date | None, consultation_ended_on: date, submitted_on: date
) -> list[Decision]:
    """The plan follows a consultation long enough (第三十五条) and comes within the period after it (第三十六条)."""
    decisions = []
    if published_on is not None:
        decisions.append(consultation_decision(pack, published_on, consultation_ended_on))
    decisions.append(
        pack.decide(
            TECHNICAL_PLAN_DUE,
            {"consultation_ended_on": consultation_ended_on, "technical_plan_submitted_on": submitted_on},
        )
    )
    return decisions


TECHNICAL_PLAN_CONTENTS = "budget.technical_plan_contents"  # dazhou:第三十六条 方案应包含…


def technical_plan_contents_decision(pack: Pack, contents: Iterable[str]) -> Decision | None:
    """The delivered plan carries every item the pack lists (dazhou:第三十六条); None where the pack lists none."""
    if not pack.has(TECHNICAL_PLAN_CONTENTS):
        return None
    return pack.decide(TECHNICAL_PLAN_CONTENTS, {"technical_plan_contents": sorted(set(contents))})


RESOURCE_CATALOG_REQUIRED = "catalog.resource_catalog_required"
APPROVAL_LETTER_REQUIRED = "budget.approval_letter_required"  # dazhou:第十条: 立项批复 is the basis of both


def approval_letter_decision(pack: Pack, approval_letter_no: str | None) -> Decision | None:
    """The approval letter (立项批复) is the basis of the technical review and of funding (dazhou:第十条): an
    estimate approval or a release of a project without its letter number is refused, where the pack has the rule."""
    if not pack.has(APPROVAL_LETTER_REQUIRED):
        return None
    required = pack.needs(APPROVAL_LETTER_REQUIRED)["required"]
    present = bool((approval_letter_no or "").strip())
    return pack.decide(APPROVAL_LETTER_REQUIRED, {item: present for item in required})


def resource_catalog_decision(pack: Pack, materials: list[str]) -> Decision | None:
    """The information resource catalog is a precondition of the technical review (dazhou:第二十六条),
    where the jurisdiction's pack has that rule."""
    if not pack.has(RESOURCE_CATALOG_REQUIRED):
        return None
    required = pack.needs(RESOURCE_CATALOG_REQUIRED)["required"]
    return pack.decide(RESOURCE_CATALOG_REQUIRED, {item: item in materials for item in required})


def technical_review_decision(pack: Pack, submitted_on: date, completed_on: date) -> Decision:
    return pack.decide(
        TECHNICAL_REVIEW_DUE,
        {"technical_plan_submitted_on": submitted_on, "technical_review_completed_on": completed_on},
    )


def control_price_ceiling(pack: Pack, control_price_fen: int, estimate_fen: int) -> Decision:
    return pack.decide(
        CONTROL_PRICE_CEILING, {"control_price_fen": control_price_fen, "approved_estimate_fen": estimate_fen}
    )


def control_price_review_decision(pack: Pack, submitted_on: date, reviewed_on: date) -> Decision:
    return pack.decide(
        CONTROL_PRICE_REVIEW_DUE, {"control_price_submitted_on": submitted_on, "control_price_reviewed_on": reviewed_on}
    )


# --- fund release (dazhou:第二十八条,第四十四条,第四十九条,第五十三条; quzhou:三(二)3) -------------------------


@dataclass(frozen=True)
class ReleaseFacts:
    """What a release is decided on, gathered by the handler."""

    amount_fen: int
    released_fen: int
    estimate_fen: int
    accepted: bool
    acceptance_documents: tuple[str, ...]
    approval_letter_no: str | None  # 立项批复文号, dazhou:第十条 (None or blank: the project has none)
    supervision_steps: tuple[str, ...] = ()
    payer_share_fen: int | None = None  # set for a jointly built project
    payer_released_fen: int = 0
    adjustment_major: bool | None = None  # set when the spending comes from an adjustment
    adjustment_approved: bool = False
    contract_fen: int = 0
    contract_released_fen: int = 0
    progress_percent: int | None = None  # the confirmed progress, for packs that pay by progress


def release_decisions(pack: Pack, facts: ReleaseFacts) -> list[Decision]:
    """Every rule a release must pass; all failures are reported together."""
    documents = {
        name: name in facts.acceptance_documents for name in pack.needs(PAYMENT_REQUIRES_ACCEPTANCE)["required"]
    }
    documents["project_accepted"] = facts.accepted
    # Releases are only ever made against a contract procurement registered (checked by the handler);
    # packs that pay by contract and progress (quzhou:三(四)) require just this.
    documents["signed_contract"] = True
    decisions = [
        pack.decide(PAYMENT_REQUIRES_ACCEPTANCE, documents),
        pack.decide(
            ESTIMATE_CEILING,
            {
                "total_investment_fen": facts.released_fen + facts.amount_fen,
                "approved_estimate_fen": facts.estimate_fen,
            },
        ),
    ]
    letter = approval_letter_decision(pack, facts.approval_letter_no)
    if letter is not None:
        decisions.insert(0, letter)
    if pack.has(RELEASE_STOPPED):
        decisions.append(pack.decide(RELEASE_STOPPED, {"supervision_steps": list(facts.supervision_steps)}))
    if pack.has(PAYMENT_BY_PROGRESS) and facts.progress_percent is not None:
        # the share of the contract the confirmed progress covers, in whole fen (rounded down: never overpay)
        progress_value = facts.contract_fen * facts.progress_percent // 100
        decisions.append(
            pack.decide(
                PAYMENT_BY_PROGRESS,
                {
                    "contract_released_fen": facts.contract_released_fen,
                    "release_fen": facts.amount_fen,
                    "progress_value_fen": progress_value,
                },
            )
        )
    if facts.payer_share_fen is not None and pack.has(JOINT_SHARE_CEILING):
        decisions.append(
            pack.decide(
                JOINT_SHARE_CEILING,
                {
                    "payer_released_fen": facts.payer_released_fen,
                    "release_fen": facts.amount_fen,
                    "payer_share_fen": facts.payer_share_fen,
                },
            )
        )
    if facts.adjustment_major is not None:
        decisions.append(
            pack.decide(
                ADJUSTMENT_APPROVAL,
                {
                    "major_adjustment": facts.adjustment_major,
                    "adjustment_approved_beforehand": facts.adjustment_approved,
                },
            )
        )
    return decisions


def surplus_decision(pack: Pack, estimate_fen: int, released_fen: int, goals_unchanged: bool) -> Decision:
    """Route: return the surplus (dazhou:第三十一条) when the goals are unchanged and money is left."""
    return pack.decide(
        SURPLUS_RETURN, {"goals_unchanged": goals_unchanged, "surplus_fen": max(estimate_fen - released_fen, 0)}
    )


# --- adjustments (dazhou:第四十四条,第四十五条) --------------------------------------------------------------


@dataclass(frozen=True)
class AdjustmentRoute:
    route: str  # filing | approval
    decisions: list[Decision]

    @property
    def reasons(self) -> list[Decision]:
        """The rules that sent it to approval (empty for a filing)."""
        return _unmet(self.decisions)


def adjustment_route(
    pack: Pack,
    *,
    approved_total_fen: int,
    adjusted_total_fen: int,
    amount_fen: int,
    previous_adjustments_fen: list[int],
    goals_unchanged: bool,
    case: str,
    major: bool,
) -> AdjustmentRoute:
    """Filing when within the approved total, goals unchanged, cumulative ≤ the pack's share, in one of
    the listed cases and not major; otherwise prior approval."""
    decisions = [
        pack.decide(
            ADJUSTMENT_FILING,
            {
                "adjusted_total_fen": adjusted_total_fen,
                "approved_total_fen": approved_total_fen,
                "goals_unchanged": goals_unchanged,
                "adjustment_fen": amount_fen,
                "previous_adjustments_fen": previous_adjustments_fen,
            },
        ),
        pack.decide(ADJUSTMENT_CASES, {"adjustment_case": case}),
        pack.decide(ADJUSTMENT_APPROVAL, {"major_adjustment": major, "adjustment_approved_beforehand": False}),
    ]
    return AdjustmentRoute("approval" if _unmet(decisions) else "filing", decisions)


# --- annual budgets (dazhou:第二十八条,第二十九条,第三十四条) ------------------------------------------------


def budget_line_decisions(
    pack: Pack,
    *,
    kind: str,
    budget_review_completed: bool,
    plan_adjustment_reference: bool,
    project_lines_total_fen: int | None,
    ceiling_fen: int | None,
) -> list[Decision]:
    facts = {
        "budget_line_kind": kind,
        "budget_review_completed": budget_review_completed,
        "plan_adjustment_reference": plan_adjustment_reference,
    }
    decisions = [pack.decide(PREPARATORY_FIRST, facts), pack.decide(MID_YEAR_ADDITION, facts)]
    if project_lines_total_fen is not None and ceiling_fen is not None:
        decisions.append(
            pack.decide(
                ESTIMATE_CEILING,
                {"total_investment_fen": project_lines_total_fen, "approved_estimate_fen": ceiling_fen},
            )
        )
    return decisions


# --- city–county shares (quzhou:三(二)3) -------------------------------------------------------------------


def shares_decision(pack: Pack, shares_fen: list[int], estimate_fen: int) -> Decision:
    return pack.decide(JOINT_SHARES, {"shares_total_fen": sum(shares_fen), "approved_estimate_fen": estimate_fen})


# --- public data-operation payments (fengxian:第三十五条,第三十六条) ----------------------------------------


def data_operation_decisions(
    pack: Pack, *, accepted: bool, third_party_confirmed: bool, amount_fen: int, confirmed_amount_fen: int
) -> list[Decision]:
    decisions = [
        pack.decide(DATA_OPERATION_PAYMENT, {"task_accepted": accepted, "third_party_confirmed": third_party_confirmed})
    ]
    if third_party_confirmed:
        decisions.append(
            pack.decide(
                DATA_OPERATION_AMOUNT, {"payment_fen": amount_fen, "confirmed_amount_fen": confirmed_amount_fen}
            )
        )
    return decisions
