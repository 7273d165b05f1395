"""Intake's consumed events: the unit's eligibility view (bars, outcomes, the system catalog, supervision)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import col

from services.intake import domain
from services.intake.metrics import BARS
from services.intake.tables import CatalogSystem, ProjectOutcome, SupervisionStanding, UnitBar
from shared import supervision
from shared.bus import Subscriptions
from shared.contracts.acceptance import ProjectAccepted, ProjectFailed
from shared.contracts.catalog import (
    EvaluationCompleted,
    FindingEscalated,
    FindingResolved,
    SystemRegistered,
    SystemRetired,
    UnitCleared,
    UnitSanctioned,
)
from shared.contracts.envelope import CloudEvent
from shared.policy import packs
from shared.uow import UnitOfWork

subscriptions = Subscriptions()


@subscriptions.on(UnitSanctioned)
async def on_unit_sanctioned(uow: UnitOfWork, event: CloudEvent, payload: UnitSanctioned) -> None:
    """A catalog sanction bars the unit from every new application (and need) until cleared or `until`."""
    uow.session.add(
        UnitBar(
            unit=payload.unit,
            rule_id=payload.rule_id,
            citation=payload.citation,
            cause=payload.cause,
            since=payload.since,
            until=payload.until,
            bars=[],
            subject=payload.project_id,
            source_event=event.type,
            event_id=event.id,
        )
    )
    await uow.audit(subject=payload.unit, action="unit.barred", actor="catalog", detail=payload.model_dump(mode="json"))
    BARS.labels(payload.rule_id).inc()


@subscriptions.on(UnitCleared)
async def on_unit_cleared(uow: UnitOfWork, event: CloudEvent, payload: UnitCleared) -> None:
    await _clear(uow, payload.unit, payload.cleared_on, rule_id=payload.rule_id)


async def _clear(
    uow: UnitOfWork, unit: str, day: date, *, rule_id: str | None = None, subject: str | None = None
) -> None:
    query = sa.select(UnitBar).where(col(UnitBar.unit) == unit, col(UnitBar.cleared_on).is_(None))
    if rule_id is not None:
        query = query.where(col(UnitBar.rule_id) == rule_id)
    if subject is not None:
        query = query.where(col(UnitBar.subject) == subject)
    for row in (await uow.session.scalars(query)).all():
        row.cleared_on = day
        await uow.audit(subject=unit, action="unit.cleared", actor="system", detail={"rule_id": row.rule_id})


async def _outcome(uow: UnitOfWork, project_id: str, unit: str) -> ProjectOutcome:
    outcome = await uow.session.get(ProjectOutcome, project_id)
    if outcome is None:
        outcome = ProjectOutcome(project_id=project_id, unit=unit)
        uow.session.add(outcome)
    return outcome


@subscriptions.on(ProjectAccepted)
async def on_project_accepted(uow: UnitOfWork, event: CloudEvent, payload: ProjectAccepted) -> None:
    outcome = await _outcome(uow, payload.project_id, payload.unit)
    outcome.accepted_on = payload.accepted_on
    # Passing acceptance (security items included) lifts a security bar this project caused.
    await _clear(uow, payload.unit, payload.accepted_on, rule_id=domain.SECURITY_BAR, subject=payload.project_id)


@subscriptions.on(ProjectFailed)
async def on_project_failed(uow: UnitOfWork, event: CloudEvent, payload: ProjectFailed) -> None:
    """A failed acceptance; crypto/network-security failures bar the unit (dazhou:第五十七条)."""
    outcome = await _outcome(uow, payload.project_id, payload.unit)
    outcome.failed_on = payload.failed_on
    try:
        pack = packs.get(payload.jurisdiction)
    except LookupError:
        pack = packs.default
    failed_items = [item.kind for item in payload.items if not item.passed]
    decision = domain.security_bar(pack, failed_items)
    if decision is None:
        return
    await uow.record_decision(decision, subject=payload.project_id, action="unit.bar", actor="acceptance")
    security_items = "、".join(kind for kind in failed_items if kind in domain.SECURITY_ITEMS)
    uow.session.add(
        UnitBar(
            unit=payload.unit,
            rule_id=decision.rule_id,
            citation=decision.citation,
            cause=f"项目{payload.project_id}验收未通过安全/密码检查：{security_items}",
            since=payload.failed_on,
            until=None,
            bars=list(domain.types_barred(decision.value.get("bars", []))),
            subject=payload.project_id,
            source_event=event.type,
            event_id=event.id,
        )
    )
    BARS.labels(decision.rule_id).inc()


@subscriptions.on(SystemRegistered)
async def on_system_registered(uow: UnitOfWork, event: CloudEvent, payload: SystemRegistered) -> None:
    system = await uow.session.get(CatalogSystem, payload.system_id)
    if system is None:
        uow.session.add(
            CatalogSystem(
                system_id=payload.system_id,
                project_id=payload.project_id,
                unit=payload.unit,
                registered_on=payload.registered_on,
            )
        )
    else:
        system.retired_on = None


@subscriptions.on(SystemRetired)
async def on_system_retired(uow: UnitOfWork, event: CloudEvent, payload: SystemRetired) -> None:
    system = await uow.session.get(CatalogSystem, payload.system_id)
    if system is not None:
        system.retired_on = payload.retired_on


@subscriptions.on(FindingEscalated)
async def on_finding_escalated(uow: UnitOfWork, event: CloudEvent, payload: FindingEscalated) -> None:
    """The unit's standing shows each open finding at its latest step (a stale escalation is ignored)."""
    await supervision.on_escalated(uow, SupervisionStanding, event, payload, subject=payload.project_id)


@subscriptions.on(FindingResolved)
async def on_finding_resolved(uow: UnitOfWork, event: CloudEvent, payload: FindingResolved) -> None:
    await supervision.on_resolved(uow, SupervisionStanding, payload, subject="subject")


@subscriptions.on(EvaluationCompleted)
async def on_evaluation_completed(uow: UnitOfWork, event: CloudEvent, payload: EvaluationCompleted) -> None:
    """A failed evaluation blocks related upgrades until a later one passes (fengxian:第三十二条)."""
    if payload.system_id is None:
        return
    system = await uow.session.get(CatalogSystem, payload.system_id)
    if system is None:
        system = CatalogSystem(
            system_id=payload.system_id,
            project_id=payload.project_id,
            unit=payload.unit,
            registered_on=payload.completed_on,
        )
        uow.session.add(system)
    if payload.passed:
        system.evaluation_failed_on = None
    else:
        system.evaluation_failed_on = payload.completed_on
        system.evaluation_rule_id = payload.rule_id
        system.evaluation_citation = payload.citation
