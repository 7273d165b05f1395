"""What every review command shares: the pack, refusals, the step guard, step records, moving along the
path (advance, route for approval, reject) and the routing event the leaders' to-dos come from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.review import domain, queries
from services.review.domain import Action
from services.review.tables import ApprovalStep, ReviewCase, ReviewStepRecord
from shared import clock
from shared.auth import Principal, Role
from shared.contracts.review import ApprovalRouted, ProjectRejected, SchemeReviewSummary
from shared.errors import Problem, Violation, bad_request, rule_violations
from shared.policy import Decision, Pack, UnknownPack, packs
from shared.uow import UnitOfWork

#: Departments on the scheme-review panel besides the drawn experts (fengxian:第十八条).
PANEL_DEPARTMENTS = (Role.DATA_BUREAU, Role.CYBERSPACE, Role.FINANCE)


def pack_of(jurisdiction: str) -> Pack:
    try:
        return packs.get(jurisdiction)
    except UnknownPack:
        raise bad_request(f"no policy pack for jurisdiction '{jurisdiction}'", field="jurisdiction") from None


def refuse(failures: Sequence[tuple[Decision, str | None]]) -> Problem:
    """422 naming every failed rule, each on the field (where) it concerns."""
    return rule_violations(
        [Violation.from_decision(d).model_copy(update={"field": where or d.field}) for d, where in failures]
    )


def ensure_step(case: ReviewCase, step: str | Sequence[str], action: Action, pack: Pack | None = None) -> None:
    """The case is reviewing and at `step` of its path (409 naming the stage, or the step it is at)."""
    domain.at_step(case.stage, case.step, step, action, subject=case.project_id, pack=pack)


async def record_step(
    uow: UnitOfWork, case: ReviewCase, outcome: str, principal: Principal | str, comment: str = "", **detail: Any
) -> None:
    actor = principal if isinstance(principal, str) else principal.subject
    uow.session.add(
        ReviewStepRecord(
            project_id=case.project_id,
            step=case.step or "",
            outcome=outcome,
            actor=actor,
            comment=comment,
            detail=detail,
            at=clock.now(),
        )
    )
    await uow.audit(
        subject=case.project_id, action=f"{case.step}.{outcome}", actor=principal, detail={"comment": comment}
    )


async def advance(uow: UnitOfWork, case: ReviewCase, principal: Principal) -> None:
    """Move to the next path step; reaching `approval` routes the project to its authorities."""
    case.updated_at = clock.now()
    case.step = domain.next_step(case.path_steps or [domain.APPROVAL_STEP], case.step or domain.APPROVAL_STEP)
    case.stage = domain.transition(case.stage, Action.ADVANCE, subject=case.project_id)
    if case.step == domain.APPROVAL_STEP:
        await open_approval(uow, case, principal)


async def open_approval(uow: UnitOfWork, case: ReviewCase, principal: Principal) -> None:
    pack = pack_of(case.jurisdiction)
    mixed = domain.mixed_route(pack, case.mixed_estimate or {})
    if mixed is not None:
        await uow.record_decision(mixed, subject=case.project_id, action="approval.route", actor=principal)
    special = domain.special_route(pack, case.mixed_estimate or {}, case.county_parts or [])
    if special is not None and special.rule_id == domain.CITY_COUNTY:
        await uow.record_decision(special, subject=case.project_id, action="approval.route", actor=principal)
    if special is not None:
        # 由市发改委对整个项目予以立项 (第八条) / 由市数字经济局进行技术性审核立项 (第二十二条): that one
        # authority approves the whole project, not the amount bands of 第十条
        route = special.model_copy(update={"value": [special.value]})
    else:
        route = domain.approval_route(pack, case.total_investment_fen, case.collective_review)
        await uow.record_decision(route, subject=case.project_id, action="approval.route", actor=principal)
    for position, role in enumerate(route.value, start=1):
        uow.session.add(ApprovalStep(project_id=case.project_id, position=position, role=role))
    queries.forget_steps(uow, case.project_id)
    case.stage = domain.transition(case.stage, Action.ROUTE_FOR_APPROVAL, subject=case.project_id, pack=pack)
    case.pack_version = route.pack_version
    await emit_routed(uow, case, list(route.value), 0, route.rule_id, route.citation)
    if pack.has("review.design_approval_due"):  # quzhou:三(二)2 — DRC's design approval within 3 days
        received = clock.today()
        decision = pack.decide("review.design_approval_due", {"received_on": received})
        await uow.record_decision(decision, subject=case.project_id, action="deadline.opened", actor=principal)
        await uow.open_deadline(
            subject=case.project_id,
            decision=decision,
            due_on=pack.due("review.design_approval_due", received),
            description="市发改委出具初步设计批复 / DRC issues the preliminary-design approval",
        )


def scheme_summary(case: ReviewCase) -> SchemeReviewSummary | None:
    """What the leaders read of the scheme review: the outcome, and the scores unless the project is secret."""
    result = case.scheme_result
    if not result:
        return None
    if case.secret:
        return SchemeReviewSummary(passed=bool(result.get("passed")), reviewers=result.get("reviewers") or 0)
    return SchemeReviewSummary(
        passed=bool(result.get("passed")),
        reviewers=result.get("reviewers") or 0,
        mean_total_score=result.get("mean_total_score"),
        dimension_means=result.get("dimension_means") or {},
    )


async def emit_routed(
    uow: UnitOfWork, case: ReviewCase, steps: list[str], position: int, rule_id: str, citation: str
) -> None:
    """Who signs next (None after the last): the leaders' 待办 in the portfolio come from this event."""
    await uow.emit(
        ApprovalRouted(
            project_id=case.project_id,
            unit=case.unit,
            jurisdiction=case.jurisdiction,
            steps=steps,
            position=position,
            next_role=steps[position] if position < len(steps) else None,
            rule_id=rule_id,
            citation=citation,
            routed_on=clock.today(),
            scheme_review=scheme_summary(case),
        )
    )


async def reject(uow: UnitOfWork, case: ReviewCase, reason: str, decision: Decision | None = None) -> None:
    case.stage = domain.transition(case.stage, Action.REJECT, subject=case.project_id)
    case.updated_at = clock.now()
    await uow.emit(
        ProjectRejected(
            project_id=case.project_id,
            unit=case.unit,
            reason="" if case.secret else reason,
            rule_id=decision.rule_id if decision else None,
            citation=decision.citation if decision else None,
        )
    )
