"""Review's commands and consumed events, each in one unit of work."""

from __future__ import annotations

import sqlalchemy as sa

from services.review import domain
from services.review.metrics import APPROVALS, REVIEWS
from services.review.tables import ApprovalStep, ReviewCase
from shared import clock
from shared.auth import Principal, Role
from shared.bus import Subscriptions
from shared.contracts.envelope import CloudEvent
from shared.contracts.intake import ApplicationAdmitted
from shared.contracts.review import ProjectApproved, ProjectRejected
from shared.errors import forbidden, not_found, wrong_stage
from shared.policy import packs
from shared.uow import UnitOfWork

subscriptions = Subscriptions()


@subscriptions.on(ApplicationAdmitted)
async def on_application_admitted(uow: UnitOfWork, event: CloudEvent, payload: ApplicationAdmitted) -> None:
    if await uow.session.get(ReviewCase, payload.project_id) is not None:
        return
    now = clock.now()
    uow.session.add(
        ReviewCase(
            project_id=payload.project_id,
            unit=payload.project.unit,
            jurisdiction=payload.project.jurisdiction,
            title=payload.project.title,
            secret=payload.project.secret,
            total_investment_fen=payload.project.total_investment_fen,
            plan_year=payload.project.plan_year,
            created_at=now,
            updated_at=now,
        )
    )
    await uow.audit(subject=payload.project_id, action="case.opened", actor="system", detail={"event": event.id})


async def load(uow: UnitOfWork, project_id: str, *, for_update: bool = False) -> ReviewCase:
    case = await uow.session.get(ReviewCase, project_id, with_for_update=for_update)
    if case is None:
        raise not_found("review case", project_id)
    return case


async def steps_of(uow: UnitOfWork, project_id: str) -> list[ApprovalStep]:
    result = await uow.session.scalars(
        sa.select(ApprovalStep).where(ApprovalStep.project_id == project_id).order_by(ApprovalStep.position)
    )
    return list(result.all())


async def record_scheme_review(
    uow: UnitOfWork, project_id: str, passed: bool, comment: str, principal: Principal
) -> ReviewCase:
    case = await load(uow, project_id, for_update=True)
    if case.stage != "admitted":
        raise wrong_stage(project_id, case.stage, "admitted", "scheme review")
    REVIEWS.labels(case.jurisdiction, "passed" if passed else "failed").inc()
    case.updated_at = clock.now()
    if not passed:
        case.stage = "rejected"
        await uow.audit(subject=project_id, action="scheme_review.failed", actor=principal, detail={"comment": comment})
        await uow.emit(ProjectRejected(project_id=project_id, unit=case.unit, reason=comment or "scheme review failed"))
        return case
    route = domain.approval_route(packs.get(case.jurisdiction), case.total_investment_fen)
    await uow.record_decision(route, subject=project_id, action="approval.route", actor=principal)
    for position, role in enumerate(route.value, start=1):
        uow.session.add(ApprovalStep(project_id=project_id, position=position, role=role))
    case.stage = "awaiting_approval"
    case.pack_version = route.pack_version
    await uow.audit(subject=project_id, action="scheme_review.passed", actor=principal, detail={"comment": comment})
    return case


async def decide_step(
    uow: UnitOfWork, project_id: str, approve: bool, comment: str, principal: Principal
) -> ReviewCase:
    """A leader acts on the project's next approval step; the letter is issued after the last."""
    case = await load(uow, project_id, for_update=True)
    if case.stage != "awaiting_approval":
        raise wrong_stage(project_id, case.stage, "awaiting_approval", "approval step")
    steps = await steps_of(uow, project_id)
    step = domain.next_pending(steps)
    if step is None or not principal.has(Role(step.role)):
        raise forbidden(
            f"the next approval step is '{step.role if step else 'none'}' (dazhou:第十条); "
            f"your roles are {sorted(principal.roles)}",
            citation="dazhou:第十条",
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
        case.stage = "rejected"
        await uow.emit(
            ProjectRejected(
                project_id=project_id,
                unit=case.unit,
                reason=comment or f"{step.role} refused",
                citation="dazhou:第十条",
                rule_id="approval.authority",
            )
        )
        return case
    if domain.next_pending(steps) is None:
        await issue_approval_letter(uow, case, steps)
    return case


async def issue_approval_letter(uow: UnitOfWork, case: ReviewCase, steps: list[ApprovalStep]) -> None:
    pack = packs.get(case.jurisdiction)
    rule = pack.rule("approval.authority")
    case.stage = "approved"
    case.approved_on = clock.today()
    case.approval_letter_no = f"{case.jurisdiction}-立项-{case.approved_on:%Y}-{case.project_id[-8:]}"
    APPROVALS.labels(steps[-1].role).inc()
    from shared.contracts.intake import ProjectSummary

    await uow.emit(
        ProjectApproved(
            project_id=case.project_id,
            project=ProjectSummary(
                unit=case.unit,
                jurisdiction=case.jurisdiction,
                secret=case.secret,
                title=case.title,
                total_investment_fen=case.total_investment_fen,
                plan_year=case.plan_year,
            ),
            approval_letter_no=case.approval_letter_no,
            approved_on=case.approved_on,
            authority_steps=[s.role for s in steps],
            rule_id=rule.id,
            citation=rule.citation,
            pack_version=case.pack_version or pack.version,
        )
    )
