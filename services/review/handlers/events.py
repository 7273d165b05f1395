"""Events review consumes: a project admitted to the library opens its case on the pack's path; a
supervision finding at `plan_deferred` defers its (or its unit's) plan entries."""

from __future__ import annotations

from services.review import domain
from services.review.metrics import PLAN_CHANGES
from services.review.queries import planned_entries
from services.review.tables import ReviewCase
from shared import clock
from shared.bus import Subscriptions
from shared.contracts.catalog import FindingEscalated
from shared.contracts.envelope import CloudEvent
from shared.contracts.intake import ApplicationAdmitted
from shared.contracts.review import PlanAdjusted
from shared.locking import locked
from shared.policy import packs
from shared.uow import UnitOfWork

subscriptions = Subscriptions()


@subscriptions.on(ApplicationAdmitted)
async def on_application_admitted(uow: UnitOfWork, event: CloudEvent, payload: ApplicationAdmitted) -> None:
    if await uow.session.get(ReviewCase, payload.project_id) is not None:
        return
    now = clock.now()
    pack = packs.get(payload.project.jurisdiction)
    path = domain.review_path(pack)
    uow.session.add(
        ReviewCase(
            project_id=payload.project_id,
            unit=payload.project.unit,
            jurisdiction=payload.project.jurisdiction,
            title=payload.project.title,
            secret=payload.project.secret,
            total_investment_fen=payload.project.total_investment_fen,
            plan_year=payload.project.plan_year,
            materials=list(payload.project.materials),
            mixed_estimate=domain.mixed_estimate(payload.project.it_estimate_fen, payload.project.total_estimate_fen),
            county_parts=list(payload.project.county_parts),
            stage=domain.INITIAL,
            path=path.value["path"],
            path_steps=list(path.value["steps"]),
            step=path.value["steps"][0],
            created_at=now,
            updated_at=now,
        )
    )
    await uow.record_decision(path, subject=payload.project_id, action="review.path", actor="system")
    await uow.audit(subject=payload.project_id, action="case.opened", actor="system", detail={"event": event.id})


@subscriptions.on(FindingEscalated)
async def on_finding_escalated(uow: UnitOfWork, event: CloudEvent, payload: FindingEscalated) -> None:
    """At the `plan_deferred` step of a supervision finding (dazhou:第五十三条) the plan entry is deferred."""
    if payload.step != "plan_deferred":
        return
    case = await locked(uow.session, ReviewCase, payload.project_id)
    if case is not None:
        case.plan_deferred = True
        case.updated_at = clock.now()
        entries = await planned_entries(uow, project_id=case.project_id)
    else:  # a finding against the unit: every current plan entry of the unit
        entries = await planned_entries(uow, unit=payload.unit, from_year=clock.today().year)
    subjects = {case.project_id} if case else set()
    subjects.update(entry.project_id for entry in entries)
    actor = f"catalog:finding:{payload.finding_id}"
    reason = f"supervision finding {payload.finding_id} ({payload.area}) not rectified"
    for subject in sorted(subjects) or [payload.project_id]:
        jurisdiction = case.jurisdiction if case else next(e.jurisdiction for e in entries if e.project_id == subject)
        decision = packs.get(jurisdiction).decide(
            payload.rule_id if packs.get(jurisdiction).has(payload.rule_id) else "supervision.escalation",
            {"rectification_failed": True, "escalation_level": "public_criticism"},
        )
        await uow.record_decision(decision, subject=subject, action="plan.deferred", actor=actor)
        await uow.audit(
            subject=subject,
            action="plan.deferred",
            actor=actor,
            detail={
                "finding_id": payload.finding_id,
                "area": payload.area,
                "citation": payload.citation,
                "event": event.id,
            },
        )
    for entry in entries:
        entry.status = "deferred"
        entry.reason = reason
        entry.decided_by = actor
        entry.rule_id = payload.rule_id
        entry.citation = payload.citation
        entry.updated_at = clock.now()
        PLAN_CHANGES.labels("deferred").inc()
        await uow.emit(
            PlanAdjusted(
                project_id=entry.project_id,
                year=entry.year,
                jurisdiction=entry.jurisdiction,
                unit=entry.unit,
                action="deferred",
                reason=reason,
                decided_by=actor,
                rule_id=payload.rule_id,
                citation=payload.citation,
                decided_on=clock.today(),
            )
        )
