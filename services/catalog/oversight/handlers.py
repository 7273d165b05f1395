"""Supervision findings (监督检查) and their rectification and escalation, each command in one unit of work
(dazhou:第五十三条; quzhou:三(四)); the escalation sweeper and the mid-term supervision rounds."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.oversight import domain
from services.catalog.oversight.metrics import (
    FINDINGS_ESCALATED,
    FINDINGS_RECORDED,
    FINDINGS_RESOLVED,
    OPEN_FINDINGS,
    OVERDUE_RECTIFICATIONS,
)
from services.catalog.oversight.tables import Finding, FindingStep, SupervisionRound
from services.catalog.reports.tables import ProjectRecord
from shared import clock
from shared.auth import Principal, Role
from shared.contracts.catalog import (
    FindingEscalated,
    FindingRecorded,
    FindingResolved,
    SupervisionRoundHeld,
)
from shared.errors import Violation, bad_request, forbidden, not_found, rule_violations, wrong_stage
from shared.ids import new_id
from shared.locking import locked
from shared.policy import Decision, Pack, UnknownPack, packs
from shared.service import ServiceRuntime
from shared.uow import UnitOfWork, actor_of

#: a finding is recorded against a project once it is approved (项目实施过程中, dazhou:第五十三条)
SUPERVISED_STAGES = ["approved", "contracted", "accepted"]


def pack_of(jurisdiction: str) -> Pack:
    try:
        return packs.get(jurisdiction)
    except UnknownPack:
        raise bad_request(f"unknown jurisdiction {jurisdiction!r}", field="jurisdiction") from None


def supervisor(pack: Pack, principal: Principal) -> tuple[str, object]:
    """The supervising role the caller acts in, with the decision naming it; a 403 citing the rule otherwise."""
    decision, role = domain.supervising_role(pack, [str(r) for r in principal.roles])
    if role is None:
        raise forbidden(
            "only the supervising departments record or review findings",
            rule_id=decision.rule_id,
            citation=decision.citation,
            pack=decision.pack,
        )
    return role, decision


async def load(uow: UnitOfWork, finding_id: str, *, for_update: bool = False) -> Finding:
    if for_update:
        finding = await locked(uow.session, Finding, finding_id)
    else:
        finding = await uow.session.get(Finding, finding_id)
    if finding is None:
        raise not_found("finding", finding_id)
    return finding


async def _step(
    uow: UnitOfWork,
    finding: Finding,
    action: str,
    actor: Principal | str,
    *,
    reason: str = "",
    decision: Decision | None = None,
    **detail: Any,
) -> None:
    detail = {k: v.isoformat() if isinstance(v, date) else v for k, v in detail.items()}
    uow.session.add(
        FindingStep(
            finding_id=finding.id,
            action=action,
            step=finding.step,
            actor=actor_of(actor),
            reason=reason,
            rule_id=decision.rule_id if decision is not None else None,
            citation=decision.citation if decision is not None else None,
            on=clock.today(),
            at=clock.now(),
            detail=detail,
        )
    )
    await uow.audit(
        subject=finding.subject,
        action=f"finding.{action}",
        actor=actor,
        detail={"finding_id": finding.id, "step": finding.step, "reason": reason, **detail},
    )


async def record_finding(
    uow: UnitOfWork,
    principal: Principal,
    *,
    project_id: str | None,
    unit: str | None,
    jurisdiction: str | None,
    area: str,
    description: str,
    rectify_by: date | None,
    round_id: int | None = None,
) -> Finding:
    """A supervising department records a finding and orders rectification within a deadline."""
    today = clock.today()
    secret = False
    if project_id is not None:
        project = await uow.session.get(ProjectRecord, project_id)
        if project is None:
            raise not_found("project", project_id)
        if project.status not in SUPERVISED_STAGES:
            raise wrong_stage(project_id, project.status, SUPERVISED_STAGES, "record a supervision finding")
        unit, jurisdiction, secret = project.unit, project.jurisdiction, project.secret
    if not unit or not jurisdiction:
        raise bad_request("a finding against a unit names the unit and its jurisdiction", field="unit")
    pack = pack_of(jurisdiction)
    role, who = supervisor(pack, principal)
    area_check = domain.area_decision(pack, area)
    if not area_check.passed:
        raise rule_violations([Violation.from_decision(area_check)])
    period, default_due = domain.rectification_due(pack, today)
    if rectify_by is not None and rectify_by <= today:
        raise bad_request("the rectification deadline must be after today", field="rectify_by")
    finding_id = new_id("F", length=12)
    finding = Finding(
        id=finding_id,
        project_id=project_id,
        subject=project_id or finding_id,
        unit=unit,
        jurisdiction=jurisdiction,
        secret=secret,
        area=area,
        description=description,
        round_id=round_id,
        recorded_by=principal.subject,
        recorded_role=role,
        recorded_on=today,
        rectify_by=rectify_by or default_due,
        created_at=clock.now(),
    )
    uow.session.add(finding)
    for decision in (who, area_check, period):
        await uow.record_decision(decision, subject=finding.subject, action="finding.recorded", actor=principal)
    await uow.open_deadline(
        subject=finding.id,
        decision=period,
        due_on=finding.rectify_by,
        description=f"rectification of finding {finding.id} ({area})",
    )
    await _step(uow, finding, "recorded", principal, reason=area, decision=period, rectify_by=finding.rectify_by)
    await uow.emit(
        FindingRecorded(
            project_id=finding.subject,
            finding_id=finding.id,
            unit=unit,
            jurisdiction=jurisdiction,
            area=area,
            recorded_by_role=role,
            recorded_on=today,
            rectify_by=finding.rectify_by,
            rule_id=period.rule_id,
            citation=period.citation,
        )
    )
    FINDINGS_RECORDED.labels(jurisdiction, area).inc()
    await uow.session.flush()  # the answer reads the rows as stored
    return finding


async def submit_rectification(uow: UnitOfWork, finding_id: str, principal: Principal, report: str) -> Finding:
    """The unit the finding names answers with its rectification (整改报告)."""
    finding = await load(uow, finding_id, for_update=True)
    pack = pack_of(finding.jurisdiction)
    if not principal.has(Role.UNIT) or principal.unit != finding.unit:
        escalation = pack.rule(domain.ESCALATION)
        raise forbidden(
            f"only the unit the finding names ({finding.unit}) answers it with its rectification",
            rule_id=escalation.id,
            citation=escalation.citation,
        )
    if finding.status != "open":
        raise wrong_stage(finding.id, finding.status, "open", "submit a rectification")
    today = clock.today()
    timing = pack.decide(
        domain.RECTIFICATION, {"finding_recorded_on": finding.recorded_on, "rectification_submitted_on": today}
    )
    finding.status = "rectification_submitted"
    await uow.record_decision(timing, subject=finding.subject, action="finding.rectification", actor=principal)
    late = domain.overdue(finding.rectify_by, today)
    await uow.close_deadline(subject=finding.id, rule_id=domain.RECTIFICATION, status="late" if late else "met")
    await _step(uow, finding, "rectification_submitted", principal, reason=report, decision=timing, late=late)
    await uow.session.flush()  # the answer reads the rows as stored
    return finding


async def review_rectification(
    uow: UnitOfWork, finding_id: str, principal: Principal, *, accepted: bool, reason: str
) -> Finding:
    """The supervising department accepts the rectification (the finding is resolved) or rejects it: still
    failing after rectification escalates at once (整改后仍不符合要求, dazhou:第五十三条)."""
    finding = await load(uow, finding_id, for_update=True)
    pack = pack_of(finding.jurisdiction)
    supervisor(pack, principal)
    if finding.status != "rectification_submitted":
        raise wrong_stage(finding.id, finding.status, "rectification_submitted", "review the rectification")
    today = clock.today()
    if accepted:
        finding.status, finding.resolved_on = "resolved", today
        await _step(uow, finding, "resolved", principal, reason=reason)
        await uow.emit(
            FindingResolved(project_id=finding.subject, finding_id=finding.id, unit=finding.unit, resolved_on=today)
        )
        FINDINGS_RESOLVED.labels(finding.jurisdiction).inc()
        return finding
    await _step(uow, finding, "rectification_rejected", principal, reason=reason)
    await escalate(uow, finding, pack, principal, reason=f"rectification rejected: {reason}")
    await uow.session.flush()  # the answer reads the rows as stored
    return finding


async def escalate(uow: UnitOfWork, finding: Finding, pack: Pack, actor: Principal | str, *, reason: str) -> bool:
    """Apply the ladder's next step: an event the owning services act on; a new period unless it was the last."""
    step = domain.next_step(pack, finding.step)
    if step is None:
        return False
    today = clock.today()
    finding.step, finding.escalated_on = step.step, today
    if step.last:
        finding.status = "terminated"
        await uow.close_deadline(subject=finding.id, rule_id=domain.RECTIFICATION, status="cancelled")
    else:
        period, due = domain.rectification_due(pack, today)
        finding.status, finding.rectify_by = "open", due
        await uow.open_deadline(
            subject=finding.id,
            decision=period,
            due_on=due,
            description=f"rectification of finding {finding.id} after {step.step}",
        )
    await uow.record_decision(step.decision, subject=finding.subject, action=f"finding.{step.step}", actor=actor)
    await _step(uow, finding, "escalated", actor, reason=reason, decision=step.decision, rectify_by=finding.rectify_by)
    await uow.emit(
        FindingEscalated(
            project_id=finding.subject,
            finding_id=finding.id,
            unit=finding.unit,
            area=finding.area,
            step=step.step,
            rule_id=step.decision.rule_id,
            citation=step.decision.citation,
            escalated_on=today,
        )
    )
    FINDINGS_ESCALATED.labels(finding.jurisdiction, step.step).inc()
    return True


async def escalate_overdue(runtime: ServiceRuntime) -> int:
    """Sweeper: each unanswered finding past its deadline moves one step up the ladder (one step per
    sweep, each step giving a new period), in its own unit of work."""
    today = clock.today()
    async with runtime.unit_of_work() as uow:
        due = list(
            await uow.session.scalars(
                sa.select(col(Finding.id))
                .where(col(Finding.status) == "open", col(Finding.rectify_by) < today)
                .order_by(col(Finding.id))
            )
        )
    done = 0
    for finding_id in due:
        async with runtime.unit_of_work() as uow:
            finding = await load(uow, finding_id, for_update=True)
            if finding.status != "open" or not domain.overdue(finding.rectify_by, today):
                continue  # answered meanwhile
            reason = f"not rectified by {finding.rectify_by.isoformat()}"
            done += await escalate(
                uow, finding, pack_of(finding.jurisdiction), "system:escalation-sweeper", reason=reason
            )
    return done


async def refresh_gauges(runtime: ServiceRuntime) -> int:
    today = clock.today()
    async with runtime.unit_of_work() as uow:
        open_rows = (
            await uow.session.execute(
                sa.select(col(Finding.area), col(Finding.step), sa.func.count())
                .where(col(Finding.status).in_(domain.OPEN_STATES))
                .group_by(col(Finding.area), col(Finding.step))
            )
        ).all()
        overdue_rows = (
            await uow.session.execute(
                sa.select(col(Finding.jurisdiction), sa.func.count())
                .where(col(Finding.status) == "open", col(Finding.rectify_by) < today)
                .group_by(col(Finding.jurisdiction))
            )
        ).all()
    OPEN_FINDINGS.clear()
    OVERDUE_RECTIFICATIONS.clear()
    for area, step, count in open_rows:
        OPEN_FINDINGS.labels(area, step or "none").set(count)
    for jurisdiction, count in overdue_rows:
        OVERDUE_RECTIFICATIONS.labels(jurisdiction).set(count)
    return len(open_rows)


# --- supervision rounds (quzhou:三(四)) ------------------------------------------------------------------


async def schedule_midterm_round(
    uow: UnitOfWork, *, project_id: str, unit: str, jurisdiction: str, signed_on: date, planned_completion: date
) -> SupervisionRound | None:
    try:
        pack = packs.get(jurisdiction)
    except UnknownPack:
        return None
    plan = domain.midterm_round(pack, signed_on, planned_completion)
    if plan is None:
        return None
    existing = await uow.session.scalar(
        sa.select(SupervisionRound).where(
            col(SupervisionRound.project_id) == project_id, col(SupervisionRound.kind) == "midterm"
        )
    )
    if existing is not None:
        return existing  # a supplementary contract: the round stays where it was planned
    round_ = SupervisionRound(
        project_id=project_id,
        unit=unit,
        jurisdiction=jurisdiction,
        kind="midterm",
        scheduled_on=plan.scheduled_on,
        departments=plan.departments,
        rule_id=plan.decision.rule_id,
        citation=plan.decision.citation,
    )
    uow.session.add(round_)
    await uow.record_decision(plan.decision, subject=project_id, action="supervision_round.scheduled", actor="system")
    await uow.open_deadline(
        subject=project_id, decision=plan.decision, due_on=plan.scheduled_on, description="mid-term stage supervision"
    )
    return round_


async def hold_round(
    uow: UnitOfWork, round_id: int, principal: Principal, *, conclusion: str, findings: list[dict]
) -> tuple[SupervisionRound, list[Finding]]:
    """The departments convene: the round is held, and what it found becomes findings on the project."""
    round_ = await locked(uow.session, SupervisionRound, round_id)
    if round_ is None:
        raise not_found("supervision round", round_id)
    if round_.status != "scheduled":
        raise wrong_stage(str(round_id), round_.status, "scheduled", "hold the supervision round")
    supervisor(pack_of(round_.jurisdiction), principal)
    recorded = []
    for item in findings:
        recorded.append(
            await record_finding(
                uow,
                principal,
                project_id=round_.project_id,
                unit=None,
                jurisdiction=None,
                area=item["area"],
                description=item.get("description", ""),
                rectify_by=item.get("rectify_by"),
                round_id=round_.id,
            )
        )
    today = clock.today()
    round_.status, round_.held_on, round_.held_by, round_.conclusion = "held", today, principal.subject, conclusion
    late = today > round_.scheduled_on
    await uow.close_deadline(subject=round_.project_id, rule_id=round_.rule_id, status="late" if late else "met")
    await uow.audit(
        subject=round_.project_id,
        action="supervision_round.held",
        actor=principal,
        detail={"round_id": round_.id, "findings": [f.id for f in recorded], "conclusion": conclusion},
    )
    await uow.emit(
        SupervisionRoundHeld(
            project_id=round_.project_id,
            round_id=round_id,
            unit=round_.unit,
            jurisdiction=round_.jurisdiction,
            kind=round_.kind,
            held_on=today,
            findings=len(recorded),
            rule_id=round_.rule_id,
            citation=round_.citation,
        )
    )
    await uow.session.flush()  # the answer reads the rows as stored
    return round_, recorded
