"""O&M budgets (运维经费), pure: the request's facts + the pack in, decisions out (dazhou:第二十一条,第三十二条,
第三十三条,第五十七条; fengxian:第二十二条,第二十六条,第二十九条; jiyuan:运行维护). Who reviews the money and in
which order, and when it stops. The project's lifecycle and its other money stay in domain.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.policy import Decision, Pack

# Rule ids (the pack holds what each one says; a child pack may override one with its own text).
OM_BUDGET = "budget.om_budget"
OM_REASSESSMENT = "budget.om_reassessment"
OM_CATALOG = "budget.om_requires_catalog"
OM_SECURITY = "budget.om_requires_security"
OM_ACCEPTANCE = "budget.om_requires_acceptance"
# a failed evaluation limits next year's O&M money (dazhou:第五十二条; quzhou:三(四); fengxian:第三十一条; suqian:(八))
OM_EVALUATION = "budget.om_evaluation_result"
OM_REVIEW_ROUTE = "budget.om_review_route"  # who reviews O&M money, in order (dazhou:第三十三条; fengxian:第二十九条)
OM_UNIFIED_TENDER = "budget.om_unified_tender"  # jiyuan:运行维护: the bureau's annual unified O&M tender
OM_STOP = "budget.om_stop_on_disuse"  # fengxian:第二十二条: O&M of a system no longer used stops


@dataclass(frozen=True)
class OmFacts:
    funding_year: int
    submitted_on: date
    om_type: str
    reassessed: bool
    in_system_catalog: bool
    failed_acceptance_items: tuple[str, ...]
    project_accepted: bool
    free_maintenance_ends_on: date | None = None
    amount_fen: int = 0
    #: the latest evaluation catalog reported for the system: its kind and result (None: none yet)
    evaluation_kind: str | None = None
    evaluation_passed: bool | None = None
    #: O&M approved for the system for the year before `funding_year`
    previous_om_amount_fen: int = 0


def om_decisions(pack: Pack, facts: OmFacts, *, at_request: bool = True) -> list[Decision]:
    """At the request the timing is checked too; at finance's approval only the standing conditions."""
    decisions = []
    if at_request:
        timing = {"om_funding_year": facts.funding_year, "om_budget_submitted_on": facts.submitted_on}
        if facts.free_maintenance_ends_on is not None:
            timing["free_maintenance_ends_on"] = facts.free_maintenance_ends_on
        needed = pack.needs(OM_BUDGET)["required"]
        if all(name in timing for name in needed):
            decisions.append(pack.decide(OM_BUDGET, timing))
        decisions.append(pack.decide(OM_REASSESSMENT, {"om_type": facts.om_type, "om_reassessed": facts.reassessed}))
    decisions.append(pack.decide(OM_CATALOG, {"in_system_catalog": facts.in_system_catalog}))
    decisions.append(pack.decide(OM_SECURITY, {"failed_security_items": list(facts.failed_acceptance_items)}))
    if pack.has(OM_ACCEPTANCE):
        decisions.append(pack.decide(OM_ACCEPTANCE, {"project_accepted": facts.project_accepted}))
    if pack.has(OM_EVALUATION):
        decisions.append(evaluation_decision(pack, facts))
    return decisions


def evaluation_decision(pack: Pack, facts: OmFacts) -> Decision:
    """A failed evaluation limits next year's O&M money until a later one passes (e.g. dazhou:第五十二条)."""
    return pack.decide(
        OM_EVALUATION,
        {
            "evaluation_failed": facts.evaluation_passed is False,
            "evaluation_kind": facts.evaluation_kind or "none",
            "om_amount_fen": facts.amount_fen,
            "previous_om_amount_fen": facts.previous_om_amount_fen,
        },
    )


#: where a pack has no O&M review route, finance reviews alone (the platform's behaviour before the rule)
FINANCE_ONLY = ("finance",)


def om_review_steps(pack: Pack) -> tuple[Decision | None, tuple[str, ...]]:
    """Who reviews O&M money, in order: e.g. finance alone (dazhou:第三十三条), or the bureau first and finance
    after its review (fengxian:第二十九条; jiyuan:职责,运行维护)."""
    if not pack.has(OM_REVIEW_ROUTE):
        return None, FINANCE_ONLY
    decision = pack.decide(OM_REVIEW_ROUTE, {})
    return decision, tuple(decision.value["steps"])


def om_next_step(steps: tuple[str, ...], status: str) -> str | None:
    """The step an O&M request waits for: the first while requested, the last once the bureau reviewed it."""
    if status == "requested":
        return steps[0]
    if status == "reviewed" and len(steps) > 1:
        return steps[-1]
    return None


def om_unified_tender(pack: Pack) -> Decision | None:
    return pack.decide(OM_UNIFIED_TENDER, {}) if pack.has(OM_UNIFIED_TENDER) else None


def om_stop(pack: Pack) -> Decision | None:
    """The O&M budgets of a system no longer used stop (fengxian:第二十二条); None where the pack says nothing."""
    return pack.decide(OM_STOP, {"system_in_use": False}) if pack.has(OM_STOP) else None


def om_timing_missing(pack: Pack, free_maintenance_ends_on: date | None) -> list[str]:
    """Facts the pack's O&M timing rule needs that the request did not give (e.g. jiyuan's free-period end)."""
    given = {"om_funding_year", "om_budget_submitted_on"} | (
        {"free_maintenance_ends_on"} if free_maintenance_ends_on else set()
    )
    return [name for name in pack.needs(OM_BUDGET)["required"] if name not in given]
