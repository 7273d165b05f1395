"""Public data-operation services, pure: which of the pack's rules a step must pass (fengxian:第三十六条,
第三十七条; dazhou:第六十一条; suqian:(三)). A pack without any of them has no data operations."""

from __future__ import annotations

from shared.decisions import refusing
from shared.policy import Decision, Pack

PUBLICATION = "catalog.data_operation.publication_approval"
TARGET_REVIEW = "catalog.data_operation.target_review"
RECRUITMENT = "catalog.data_operation.operator_recruitment"
AUTHORISED = "catalog.data_operation.authorised_operator"
DISPATCH = "catalog.data_operation.task_dispatch"
ACCEPTANCE = "catalog.data_operation.task_acceptance"
RATING = "catalog.data_operation.operator_rating"
SUPERVISION = "catalog.data_operation.operator_supervision"
EVALUATION = "catalog.data_operation.performance_evaluation"
PAYMENT = "budget.data_operation_payment"  # budget's rule; catalog checks it before calling budget

OPERATOR_RULES = (RECRUITMENT, AUTHORISED)


def applies(pack: Pack) -> bool:
    return any(pack.has(rule_id) for rule_id in (*OPERATOR_RULES, DISPATCH, PUBLICATION))


#: The decisions that refuse a request: the rule's effect decides, the same in every service.
failed = refusing


def publication(pack: Pack, *, approved: bool, target_reviewed: bool | None = None) -> list[Decision]:
    """A catalog entry needs approval; an indicator also needs finance's review of its target."""
    decisions = []
    if pack.has(PUBLICATION):
        decisions.append(pack.decide(PUBLICATION, {"publication_approved": approved}))
    if target_reviewed is not None and pack.has(TARGET_REVIEW):
        decisions.append(pack.decide(TARGET_REVIEW, {"targets_reviewed_by_finance": target_reviewed}))
    return decisions


def registration(pack: Pack, facts: dict[str, bool]) -> list[Decision]:
    """An operator passes every operator rule of the pack (open recruitment and qualifications, or the
    government's authorisation). Facts a rule does not read are ignored."""
    decisions = []
    for rule_id in OPERATOR_RULES:
        if pack.has(rule_id):
            required = pack.rule(rule_id).params.required
            decisions.append(pack.decide(rule_id, {name: bool(facts.get(name)) for name in required}))
    return decisions


def dispatch(
    pack: Pack, *, operator_registered: bool, service_published: bool, from_annual_work: bool
) -> list[Decision]:
    """A task goes to a registered operator for a published service, split from the year's work. Where
    the pack has no dispatch rule, an unregistered operator still fails the pack's operator rule."""
    if pack.has(DISPATCH):
        return [
            pack.decide(
                DISPATCH,
                {
                    "operator_registered": operator_registered,
                    "service_published": service_published,
                    "from_annual_work": from_annual_work,
                },
            )
        ]
    if operator_registered:
        return []
    return registration(pack, {})


def acceptance(pack: Pack, *, delivered: bool, quality_checked: bool) -> list[Decision]:
    if not pack.has(ACCEPTANCE):
        return []
    return [pack.decide(ACCEPTANCE, {"task_delivered": delivered, "quality_checked": quality_checked})]


def payment(pack: Pack, *, accepted: bool, checked: bool) -> list[Decision]:
    if not pack.has(PAYMENT):
        return []
    return [pack.decide(PAYMENT, {"task_accepted": accepted, "third_party_confirmed": checked})]


def rating_route(pack: Pack) -> Decision | None:
    return pack.decide(RATING, {}) if pack.has(RATING) else None


def rating_summary(scores: list[int]) -> dict:
    """What the bureau sees of an operator when it dispatches the next task."""
    if not scores:
        return {"count": 0, "mean": None, "last": None}
    return {"count": len(scores), "mean": round(sum(scores) / len(scores), 1), "last": scores[-1]}


def supervision(pack: Pack, *, staff_finding: str, premises_finding: str) -> Decision | None:
    """fengxian:第三十六条: a supervision of an operator covers its staff and its premises. None without the rule."""
    if not pack.has(SUPERVISION):
        return None
    facts = {"staff_supervised": bool(staff_finding.strip()), "premises_supervised": bool(premises_finding.strip())}
    return pack.decide(SUPERVISION, facts)


def performance_evaluation(pack: Pack, *, indicators_published: int) -> Decision | None:
    """fengxian:第三十七条: finance evaluates against published indicators. None without the rule."""
    if not pack.has(EVALUATION):
        return None
    return pack.decide(EVALUATION, {"indicators_published": indicators_published > 0})
