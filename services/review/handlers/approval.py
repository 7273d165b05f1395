"""Approval by authority (立项, dazhou:第十条): the authorities act on their steps strictly in order;
after the last one the approval letter is issued and the project joins the year's plan."""

from __future__ import annotations

from services.review import domain
from services.review.domain import Action
from services.review.handlers.common import emit_routed, pack_of
from services.review.handlers.plan import add_to_plan
from services.review.metrics import APPROVAL_LEAD_TIME, APPROVALS
from services.review.queries import deadline_opened_at, load, steps_of
from services.review.tables import ApprovalStep, ReviewCase
from shared import clock
from shared.auth import Principal
from shared.contracts.intake import ProjectSummary
from shared.contracts.review import ProjectApproved, ProjectRejected
from shared.errors import forbidden
from shared.uow import UnitOfWork

DESIGN_APPROVAL_DUE = "review.design_approval_due"


async def decide_step(
    uow: UnitOfWork, project_id: str, approve: bool, comment: str, principal: Principal
) -> ReviewCase:
    """A leader acts on the project's next approval step; the letter is issued after the last."""
    case = await load(uow, project_id, for_update=True)
    pack = pack_of(case.jurisdiction)
    domain.transition(case.stage, Action.DECIDE_APPROVAL, subject=project_id, pack=pack)
    citation = pack.rule(domain.APPROVAL_RULE).citation
    steps = await steps_of(uow, project_id)
    step = domain.next_pending(steps)
    if step is None or step.role not in {role.value for role in principal.roles}:
        raise forbidden(
            f"the next approval step is '{step.role if step else 'none'}' ({citation}); "
            f"your roles are {sorted(principal.roles)}",
            citation=citation,
            next_step=step.role if step else None,
        )
    now = clock.now()
    step.status = "approved" if approve else "rejected"
    step.decided_by = principal.subject
    step.decided_at = now
    step.comment = comment
    case.updated_at = now
    await uow.audit(subject=project_id, action=f"approval.{step.role}.{step.status}", actor=principal)
    if not approve:
        await uow.close_deadline(subject=project_id, rule_id=DESIGN_APPROVAL_DUE, status="cancelled")
        case.stage = domain.transition(case.stage, Action.REJECT, subject=project_id, pack=pack)
        await uow.emit(
            ProjectRejected(
                project_id=project_id,
                unit=case.unit,
                # a secret project's content never leaves the service (dazhou:第六十五条), as in `reject`
                reason="" if case.secret else comment or f"{step.role} refused",
                citation=citation,
                rule_id=domain.APPROVAL_RULE,
            )
        )
        return case
    done = sum(1 for s in steps if s.status == "approved")
    await emit_routed(uow, case, [s.role for s in steps], done, domain.APPROVAL_RULE, citation)
    if domain.next_pending(steps) is None:
        await issue_approval_letter(uow, case, steps, principal)
    return case


async def issue_approval_letter(
    uow: UnitOfWork, case: ReviewCase, steps: list[ApprovalStep], principal: Principal
) -> None:
    pack = pack_of(case.jurisdiction)
    special = domain.special_route(pack, case.mixed_estimate or {}, case.county_parts or [])
    # the DRC approving a whole mixed project does so under dazhou:第八条, the bureau approving a city–county
    # shared project under 第二十二条, not the amount bands
    rule = pack.rule(special.rule_id if special is not None else domain.APPROVAL_RULE)
    today = clock.today()
    case.stage = domain.transition(case.stage, Action.ISSUE_LETTER, subject=case.project_id, pack=pack)
    case.step = None
    case.approved_on = today
    case.approval_letter_no = f"{case.jurisdiction}-立项-{today:%Y}-{case.project_id[-8:]}"
    if pack.has(DESIGN_APPROVAL_DUE):
        received = await deadline_opened_at(uow, case.project_id, DESIGN_APPROVAL_DUE)
        if received is not None:
            decision = pack.decide(DESIGN_APPROVAL_DUE, {"received_on": received, "design_approved_on": today})
            await uow.record_decision(decision, subject=case.project_id, action="deadline.met", actor=principal)
        await uow.close_deadline(subject=case.project_id, rule_id=DESIGN_APPROVAL_DUE)
    APPROVALS.labels(steps[-1].role).inc()
    APPROVAL_LEAD_TIME.labels(steps[-1].role).observe((clock.now() - case.created_at).total_seconds())
    await add_to_plan(uow, case, pack, principal)
    await uow.emit(
        ProjectApproved(
            project_id=case.project_id,
            project=ProjectSummary(
                unit=case.unit,
                jurisdiction=case.jurisdiction,
                secret=case.secret,
                title=None if case.secret else case.title,
                total_investment_fen=case.total_investment_fen,
                plan_year=case.plan_year,
                materials=list(case.materials or []),
            ),
            approval_letter_no=case.approval_letter_no,
            approved_on=case.approved_on,
            authority_steps=[s.role for s in steps],
            rule_id=rule.id,
            citation=rule.citation,
            pack_version=case.pack_version or pack.version,
            collective_review=case.collective_review,
            fixed_estimate_fen=case.fixed_estimate_fen,
            consulting_opinion_no=case.consulting_opinion_no,
        )
    )
