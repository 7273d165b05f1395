"""Information resources (信息资源目录), O&M plans and yearly O&M reports (运维)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from services.catalog import domain
from services.catalog.domain import operations as rules
from services.catalog.handlers import systems as system_handlers
from services.catalog.handlers.common import load, subject
from services.catalog.schemas import OmAcceptanceCreate, OmPlanCreate, OmReportCreate, ResourceCreate
from services.catalog.tables import InformationResource, OmAcceptance, OmPlan, OmReport
from shared import clock
from shared.auth import Principal, ensure_unit_access
from shared.contracts.catalog import EvaluationCompleted
from shared.errors import Violation, conflict, forbidden, rule_violations
from shared.ids import new_id
from shared.policy import packs
from shared.uow import UnitOfWork


async def add_resource(
    uow: UnitOfWork, system_id: str, command: ResourceCreate, principal: Principal
) -> InformationResource:
    """A resource not shared needs its legal basis (dazhou:第二十三条)."""
    system = await load(uow, system_id)
    ensure_unit_access(principal, system.unit)
    pack = packs.get(system.jurisdiction)
    decisions = rules.resource_decisions(pack, command.sharing_level, bool((command.not_shared_reason or "").strip()))
    failed = rules.failures(decisions)
    if failed:
        raise rule_violations([Violation.from_decision(d) for d in failed])
    for decision in decisions:
        await uow.record_decision(decision, subject=subject(system), action="resource.added", actor=principal)
    resource = InformationResource(
        id=new_id("R", length=12),
        system_id=system.id,
        created_at=clock.now(),
        **command.model_dump(),
    )
    uow.session.add(resource)
    await uow.audit(
        subject=subject(system), action="resource.added", actor=principal, detail={"resource_id": resource.id}
    )
    await uow.session.flush()  # the event counts this resource too
    await system_handlers.data_sharing_changed(uow, system)
    return resource


async def resources_of(uow: UnitOfWork, system_id: str) -> list[InformationResource]:
    rows = await uow.session.scalars(
        sa.select(InformationResource)
        .where(col(InformationResource.system_id) == system_id)
        .order_by(col(InformationResource.id))
    )
    return list(rows)


async def sharing_proof(uow: UnitOfWork, system_id: str) -> dict:
    """Proof that the system's shared data catalog is published, which an O&M application attaches
    (fengxian:第十三条): shared resources and their publication dates."""
    system = await load(uow, system_id)
    resources = await resources_of(uow, system.id)
    shared = [r for r in resources if r.sharing_level != "not_shared"]
    published = [r for r in shared if r.published_on is not None]
    return {
        "system_id": system.id,
        "resources": len(resources),
        "shared": len(shared),
        "published": len(published),
        "catalog_published": bool(shared) and len(published) == len(shared),
        "published_on": max((r.published_on for r in published if r.published_on is not None), default=None),
    }


async def file_om_plan(uow: UnitOfWork, system_id: str, command: OmPlanCreate, principal: Principal) -> OmPlan:
    """O&M plans (fengxian:第二十八条) for a daily or key O&M service (fengxian:第三十条)."""
    system = await load(uow, system_id)
    ensure_unit_access(principal, system.unit)
    domain.transition(system.state, domain.Action.FILE_OM_PLAN, subject=system.id)
    pack = packs.get(system.jurisdiction)
    decisions = rules.om_plan_decisions(pack, command.plans, command.service_kind)
    failed = rules.failures(decisions)
    if failed:
        raise rule_violations([Violation.from_decision(d) for d in failed])
    for decision in decisions:
        await uow.record_decision(decision, subject=subject(system), action="om_plan.filed", actor=principal)
    plan = OmPlan(
        system_id=system.id,
        service_kind=command.service_kind,
        plans=command.plans,
        year=command.year,
        filed_by=principal.subject,
        filed_at=clock.now(),
    )
    uow.session.add(plan)
    await uow.audit(subject=subject(system), action="om_plan.filed", actor=principal, detail={"year": command.year})
    await uow.session.flush()  # the answer carries the row's id
    return plan


async def file_om_report(uow: UnitOfWork, system_id: str, command: OmReportCreate, principal: Principal) -> OmReport:
    """A yearly O&M service report of a stock system (suqian:(八)); one per system and year."""
    system = await load(uow, system_id)
    ensure_unit_access(principal, system.unit)
    existing = await uow.session.scalar(
        sa.select(OmReport).where(col(OmReport.system_id) == system.id, col(OmReport.year) == command.year)
    )
    if existing is not None:
        raise conflict(f"the O&M report {command.year} of {system.id} is already filed", report_id=existing.id)
    today = clock.today()
    if command.year > today.year:
        raise conflict(f"the O&M report {command.year} cannot be filed before that year")
    pack = packs.get(system.jurisdiction)
    decision = rules.stock_report_decision(pack, command.year, today)
    if decision is not None:
        await uow.record_decision(decision, subject=subject(system), action="om_report.filed", actor=principal)
    report = OmReport(
        system_id=system.id,
        year=command.year,
        summary=command.summary,
        submitted_on=today,
        on_time=decision.passed if decision is not None else True,
        filed_by=principal.subject,
    )
    uow.session.add(report)
    await uow.close_deadline(subject=subject(system), rule_id=rules.STOCK_OM_REPORT)
    await uow.audit(subject=subject(system), action="om_report.filed", actor=principal, detail={"year": command.year})
    await uow.session.flush()  # the answer carries the row's id
    return report


async def om_reports_of(uow: UnitOfWork, system_id: str) -> list[OmReport]:
    rows = await uow.session.scalars(
        sa.select(OmReport).where(col(OmReport.system_id) == system_id).order_by(col(OmReport.year))
    )
    return list(rows)


OM_EVALUATION = "catalog.om_evaluation"


async def record_om_acceptance(
    uow: UnitOfWork, system_id: str, command: OmAcceptanceCreate, principal: Principal
) -> list[OmAcceptance]:
    """Each authority on the pack's route (fengxian:第三十一条: the bureau with finance) records its part of
    a year's O&M acceptance; when all have, the result is emitted as an evaluation, which sets next
    year's O&M money. A jurisdiction whose pack has no such rule answers 422 (rule not in pack)."""
    system = await load(uow, system_id, for_update=True)
    domain.transition(system.state, domain.Action.ACCEPT_OM, subject=system.id)
    decision = packs.get(system.jurisdiction).decide(OM_EVALUATION, {})
    route = list(decision.value["steps"])
    mine = [role for role in route if principal.has(role)]
    if not mine:
        raise forbidden(
            f"O&M acceptance is recorded by {', '.join(route)} ({decision.citation})", citation=decision.citation
        )
    parts = list(
        (
            await uow.session.scalars(
                sa.select(OmAcceptance).where(
                    col(OmAcceptance.system_id) == system.id, col(OmAcceptance.year) == command.year
                )
            )
        ).all()
    )
    if mine[0] in {part.authority for part in parts}:
        raise conflict(f"{mine[0]} already recorded the {command.year} O&M acceptance of {system.id}")
    part = OmAcceptance(
        system_id=system.id,
        year=command.year,
        authority=mine[0],
        passed=command.passed,
        score=command.score,
        comment=command.comment,
        recorded_by=principal.subject,
        recorded_on=clock.today(),
    )
    uow.session.add(part)
    parts.append(part)
    await uow.record_decision(decision, subject=subject(system), action="om_acceptance.recorded", actor=principal)
    await uow.audit(
        subject=subject(system),
        action="om_acceptance.recorded",
        actor=principal,
        detail={"year": command.year, "authority": mine[0], "passed": command.passed},
    )
    if {p.authority for p in parts} >= set(route):
        scores = [p.score for p in parts if p.score is not None]
        await uow.emit(
            EvaluationCompleted(
                project_id=subject(system),
                system_id=system.id,
                unit=system.unit,
                kind="om_evaluation",
                passed=all(p.passed for p in parts),
                score=round(sum(scores) / len(scores)) if scores else None,
                rule_id=decision.rule_id,
                citation=decision.citation,
                completed_on=clock.today(),
            )
        )
    await uow.session.flush()  # the answer carries the row's id
    return parts
