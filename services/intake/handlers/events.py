"""Intake's consumed events: the unit's eligibility view (bars, outcomes, the system catalog, supervision)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import col

from services.intake.metrics import BARS
from services.intake.standing import (
    DATA_AGGREGATION,
    LIVE_STATUS_ZH,
    SECURITY_BAR,
    SECURITY_ITEMS,
    SHARING_ZH,
    data_aggregation_bar,
    live_security_bar,
    security_bar,
    types_barred,
)
from services.intake.tables import (
    Application,
    CatalogSystem,
    ProjectOutcome,
    SupervisionStanding,
    SystemStatus,
    UnitBar,
)
from shared import catalog_systems, supervision
from shared.bus import Subscriptions
from shared.contracts.acceptance import ProjectAccepted, ProjectFailed
from shared.contracts.catalog import (
    EvaluationCompleted,
    FindingEscalated,
    FindingResolved,
    SystemDataSharingChanged,
    SystemRegistered,
    SystemRetired,
    SystemSecurityChanged,
    UnitCleared,
    UnitSanctioned,
)
from shared.contracts.envelope import CloudEvent
from shared.locking import locked
from shared.policy import Decision, Pack, packs
from shared.uow import UnitOfWork

subscriptions = Subscriptions()
#: Bars kept per catalogued system from its live status (one open bar per system and rule).
SYSTEM_BARS = (SECURITY_BAR, DATA_AGGREGATION)


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
    await _clear(uow, payload.unit, payload.accepted_on, rule_id=SECURITY_BAR, subject=payload.project_id)


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
    decision = security_bar(pack, failed_items)
    if decision is None:
        return
    await uow.record_decision(decision, subject=payload.project_id, action="unit.bar", actor="acceptance")
    security_items = "、".join(kind for kind in failed_items if kind in SECURITY_ITEMS)
    uow.session.add(
        UnitBar(
            unit=payload.unit,
            rule_id=decision.rule_id,
            citation=decision.citation,
            cause=f"项目{payload.project_id}验收未通过安全/密码检查：{security_items}",
            since=payload.failed_on,
            until=None,
            bars=list(types_barred(decision.value.get("bars", []))),
            subject=payload.project_id,
            source_event=event.type,
            event_id=event.id,
        )
    )
    BARS.labels(decision.rule_id).inc()


@subscriptions.on(SystemRegistered)
async def on_system_registered(uow: UnitOfWork, event: CloudEvent, payload: SystemRegistered) -> None:
    """The register's copy, fed as budget's (shared.catalog_systems): a stale registration changes nothing."""
    await catalog_systems.record_registration(uow, CatalogSystem, payload)


@subscriptions.on(SystemRetired)
async def on_system_retired(uow: UnitOfWork, event: CloudEvent, payload: SystemRetired) -> None:
    await catalog_systems.record_retirement(uow, CatalogSystem, payload)
    # a retired system no longer holds its unit back by its live status (dazhou:第五十七条, 第二十四条)
    for rule_id in SYSTEM_BARS:
        await _clear(uow, payload.unit, payload.retired_on, rule_id=rule_id, subject=payload.system_id)


async def _system_bar(
    uow: UnitOfWork,
    event: CloudEvent,
    *,
    unit: str,
    system_id: str,
    project_id: str,
    since: date,
    rule_id: str,
    decision: Decision | None,
    cause: str,
    actor: str,
) -> None:
    """Keep one open bar per system and rule in step with a status event that carries the whole current state:
    a failing decision opens it (or updates its cause), a passing one clears it; a redelivery changes nothing."""
    open_bar = await uow.session.scalar(
        sa.select(UnitBar).where(
            col(UnitBar.unit) == unit,
            col(UnitBar.rule_id) == rule_id,
            col(UnitBar.subject) == system_id,
            col(UnitBar.cleared_on).is_(None),
        )
    )
    if decision is None:
        if open_bar is not None:
            await _clear(uow, unit, since, rule_id=rule_id, subject=system_id)
        return
    if open_bar is not None:
        open_bar.cause = cause  # still failing, perhaps differently: the bar stands from its first day
        return
    await uow.record_decision(decision, subject=project_id, action="unit.bar", actor=actor)
    uow.session.add(
        UnitBar(
            unit=unit,
            rule_id=decision.rule_id,
            citation=decision.citation,
            cause=cause,
            since=since,
            until=None,
            bars=list(types_barred(decision.value.get("bars", []))),
            subject=system_id,
            source_event=event.type,
            event_id=event.id,
        )
    )
    BARS.labels(decision.rule_id).inc()


async def _pack_of(uow: UnitOfWork, project_id: str, unit: str) -> Pack:
    """The jurisdiction of a project intake filed, else of the unit's latest application (a catalog event does
    not name one); the default pack when intake never saw either."""
    application = await uow.session.get(Application, project_id)
    jurisdiction = application.jurisdiction if application is not None else None
    if jurisdiction is None:
        jurisdiction = await uow.session.scalar(
            sa.select(col(Application.jurisdiction))
            .where(col(Application.unit) == unit)
            .order_by(col(Application.created_at).desc())
            .limit(1)
        )
    try:
        return packs.get(jurisdiction) if jurisdiction else packs.default
    except LookupError:
        return packs.default


async def _latest_status(uow: UnitOfWork, event: CloudEvent, *, system_id: str, kind: str, changed_on: date) -> bool:
    """Whether this status event is the newest intake has seen of the system's `kind` (then it is held as the
    latest); an older one arriving late is recorded (audited) and replaces nothing (shared.catalog_systems)."""
    held = await locked(uow.session, SystemStatus, (system_id, kind))
    if held is not None and catalog_systems.stale_status((held.changed_on, held.event_at), changed_on, event.time):
        await uow.audit(
            subject=system_id,
            action=f"system.{kind}_changed.stale",
            actor="catalog",
            detail={"changed_on": changed_on.isoformat(), "event": event.id},
        )
        return False
    if held is None:
        uow.session.add(SystemStatus(system_id=system_id, kind=kind, changed_on=changed_on, event_at=event.time))
    else:
        held.changed_on, held.event_at = changed_on, event.time
    return True


@subscriptions.on(SystemSecurityChanged)
async def on_system_security_changed(uow: UnitOfWork, event: CloudEvent, payload: SystemSecurityChanged) -> None:
    """dazhou:第五十七条 after acceptance: while a catalogued system's live crypto / network-security status
    fails (or shows a major hazard) its unit may not apply for new, rebuilt or extended projects; the bar lifts
    when the status passes again. The event carries the whole current status, so a redelivery or a later
    change simply replaces what the view holds (one open bar per system); an older one arriving late does not."""
    kind, system_id, changed_on = "security", payload.system_id, payload.changed_on
    if not await _latest_status(uow, event, system_id=system_id, kind=kind, changed_on=changed_on):
        return
    pack = await _pack_of(uow, payload.project_id, payload.unit)
    decision = live_security_bar(pack, payload.crypto_status, payload.security_status)
    crypto = LIVE_STATUS_ZH.get(payload.crypto_status, payload.crypto_status)
    security = LIVE_STATUS_ZH.get(payload.security_status, payload.security_status)
    await _system_bar(
        uow,
        event,
        unit=payload.unit,
        system_id=payload.system_id,
        project_id=payload.project_id,
        since=payload.changed_on,
        rule_id=SECURITY_BAR,
        decision=decision,
        cause=f"系统{payload.system_id}验收后运行中：密码应用{crypto}，网络安全{security}",
        actor="catalog",
    )


@subscriptions.on(SystemDataSharingChanged)
async def on_system_data_sharing_changed(uow: UnitOfWork, event: CloudEvent, payload: SystemDataSharingChanged) -> None:
    """dazhou:第二十四条: a unit that has not completed data aggregation may not apply for new projects. The
    catalog's data-sharing record of each of the unit's systems feeds it; the bar lifts when the system's data
    is shared again (or the system retires). An older status arriving late replaces nothing."""
    kind, system_id, changed_on = "data_sharing", payload.system_id, payload.changed_on
    if not await _latest_status(uow, event, system_id=system_id, kind=kind, changed_on=changed_on):
        return
    try:
        pack = packs.get(payload.jurisdiction)
    except LookupError:
        pack = packs.default
    decision = data_aggregation_bar(pack, payload.data_sharing_status)
    status = SHARING_ZH.get(payload.data_sharing_status, payload.data_sharing_status)
    await _system_bar(
        uow,
        event,
        unit=payload.unit,
        system_id=payload.system_id,
        project_id=payload.project_id,
        since=payload.changed_on,
        rule_id=DATA_AGGREGATION,
        decision=decision,
        cause=f"系统{payload.system_id}数据未完成归集（数据共享状况：{status}；"
        f"信息资源{payload.resources}项，其中共享{payload.resources_shared}项）",
        actor="catalog",
    )


@subscriptions.on(FindingEscalated)
async def on_finding_escalated(uow: UnitOfWork, event: CloudEvent, payload: FindingEscalated) -> None:
    """The unit's standing shows each open finding at its latest step (a stale escalation is ignored)."""
    await supervision.on_escalated(uow, SupervisionStanding, event, payload, subject=payload.project_id)


@subscriptions.on(FindingResolved)
async def on_finding_resolved(uow: UnitOfWork, event: CloudEvent, payload: FindingResolved) -> None:
    await supervision.on_resolved(uow, SupervisionStanding, payload, subject="subject")


@subscriptions.on(EvaluationCompleted)
async def on_evaluation_completed(uow: UnitOfWork, event: CloudEvent, payload: EvaluationCompleted) -> None:
    """A failed evaluation blocks related upgrades until a later one passes (fengxian:第三十二条); an older
    result arriving late never replaces a newer one (shared.catalog_systems, as budget)."""
    if payload.system_id is None:
        return
    system = await locked(uow.session, CatalogSystem, payload.system_id)
    if system is None:
        system = CatalogSystem(
            system_id=payload.system_id,
            project_id=payload.project_id,
            unit=payload.unit,
            registered_on=payload.completed_on,
        )
        uow.session.add(system)
    elif catalog_systems.stale_evaluation(system.evaluation_completed_on, payload):
        return
    system.evaluation_completed_on = payload.completed_on
    if payload.passed:
        system.evaluation_failed_on = None
    else:
        system.evaluation_failed_on = payload.completed_on
        system.evaluation_rule_id = payload.rule_id
        system.evaluation_citation = payload.citation
