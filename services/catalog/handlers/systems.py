"""The system catalog (系统目录): registration on acceptance, stock-system import, status, retirement,
and the answer to budget's question "is this system in the catalog, may it get money?"."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from services.catalog import domain
from services.catalog.domain import evaluations as evaluation_rules
from services.catalog.domain import operations
from services.catalog.handlers.common import load, subject
from services.catalog.metrics import SYSTEMS_REGISTERED, SYSTEMS_RETIRED
from services.catalog.tables import Evaluation, InformationResource, System
from shared import clock
from shared.auth import Principal, ensure_unit_access
from shared.contracts.catalog import (
    SystemDataSharingChanged,
    SystemRegistered,
    SystemRetired,
    SystemSecurityChanged,
    SystemStateChanged,
)
from shared.errors import Violation, conflict, rule_violations
from shared.policy import Decision, packs
from shared.uow import UnitOfWork


def registered_event(system: System) -> SystemRegistered:
    """A secret (涉密) system's name never leaves the catalog (dazhou:第六十五条)."""
    return SystemRegistered(
        project_id=subject(system),
        system_id=system.id,
        unit=system.unit,
        jurisdiction=system.jurisdiction,
        name=None if system.secret else system.name,
        registered_on=system.registered_on,
    )


async def schedule_evaluations(uow: UnitOfWork, system: System, *, bulk: list[dict] | None = None) -> list[dict]:
    """Evaluation rows and deadline rows for what the system owes after going live."""
    pack = packs.get(system.jurisdiction)
    went_live = system.went_live_on or system.registered_on
    rows = []
    dues = evaluation_rules.after_going_live(pack, went_live, clock.today())
    # network-security and crypto assessments recur while the system runs (dazhou:第五十五条)
    start = evaluation_rules.first_period_start(went_live, system.registered_on, system.origin == "stock_import")
    for kind in evaluation_rules.PERIODIC:
        periodic = evaluation_rules.periodic_due(pack, kind, start)
        if periodic is not None:
            dues.append(periodic)
    opened: list[tuple[Decision, date, str]] = []  # written together below (one read, one insert)
    for owed in dues:
        uow.session.add(
            Evaluation(
                system_id=system.id,
                subject=subject(system),
                unit=system.unit,
                jurisdiction=system.jurisdiction,
                kind=owed.kind,
                rule_id=owed.decision.rule_id,
                citation=owed.decision.citation,
                earliest_on=owed.earliest_on,
                due_on=owed.due_on,
            )
        )
        row: dict[str, Any] = {
            "subject": subject(system),
            "rule_id": owed.decision.rule_id,
            "citation": owed.decision.citation,
            "pack": owed.decision.pack,
            "pack_version": owed.decision.pack_version,
            "description": f"{owed.kind} of {system.id}",
            "due_on": owed.due_on,
            "status": "open",
            "created_at": clock.now(),
        }
        if bulk is not None:
            bulk.append(row)
        else:
            assert owed.due_on is not None  # the deadlines table needs a day; a window has an end or a start
            opened.append((owed.decision, owed.due_on, row["description"]))
            await uow.record_decision(owed.decision, subject=row["subject"], action="evaluation.scheduled", actor=None)
        rows.append(row)
    if opened:
        await uow.open_deadlines(subject(system), opened)
    if system.origin == "stock_import":
        # stock systems file a yearly O&M service report (suqian:(八)); the first is due this year
        report = operations.stock_report_decision(pack, clock.today().year, None)
        if report is not None:
            due = date.fromisoformat(report.value["due"])
            row = {
                "subject": subject(system),
                "rule_id": report.rule_id,
                "citation": report.citation,
                "pack": report.pack,
                "pack_version": report.pack_version,
                "description": f"O&M report {due.year} of {system.id}",
                "due_on": due,
                "status": "open",
                "created_at": clock.now(),
            }
            if bulk is not None:
                bulk.append(row)
            else:
                await uow.open_deadline(
                    subject=row["subject"], decision=report, due_on=due, description=row["description"]
                )
    return rows


async def register_accepted(
    uow: UnitOfWork,
    *,
    project_id: str,
    unit: str,
    jurisdiction: str,
    name: str | None,
    secret: bool,
    accepted_on: date,
    event_id: str,
) -> System | None:
    """An accepted project goes into the catalog as a running system (dazhou:第二十一条)."""
    system_id = domain.system_id_for(project_id)
    if await uow.session.get(System, system_id) is not None:
        return None
    now = clock.now()
    system = System(
        id=system_id,
        project_id=project_id,
        unit=unit,
        jurisdiction=jurisdiction,
        name=None if secret else name,
        secret=secret,
        registered_on=accepted_on,
        went_live_on=accepted_on,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(system)
    pack = packs.get(jurisdiction)
    if pack.has(operations.SYSTEM_CATALOG):
        decision = pack.decide(operations.SYSTEM_CATALOG, {})
        await uow.record_decision(decision, subject=project_id, action="system.registered", actor="system")
    ownership = operations.data_ownership_decision(pack)
    if ownership is not None:
        await uow.record_decision(ownership, subject=project_id, action="system.registered", actor="system")
    await uow.audit(
        subject=project_id,
        action="system.registered",
        actor="system",
        detail={"system_id": system_id, "event": event_id},
    )
    await schedule_evaluations(uow, system)
    await uow.emit(registered_event(system))
    SYSTEMS_REGISTERED.labels(jurisdiction, "acceptance").inc()
    return system


async def update_security(
    uow: UnitOfWork, system_id: str, crypto_status: str | None, security_status: str | None, principal: Principal
) -> System:
    system = await load(uow, system_id, for_update=True)
    if crypto_status is not None:
        system.crypto_status = crypto_status
    if security_status is not None:
        system.security_status = security_status
    system.updated_at = clock.now()
    await uow.audit(
        subject=subject(system),
        action="system.security_updated",
        actor=principal,
        detail={"system_id": system.id, "crypto_status": crypto_status, "security_status": security_status},
    )
    await emit_security_changed(uow, system)
    return system


async def emit_security_changed(uow: UnitOfWork, system: System) -> None:
    """The live crypto/security status, to intake and budget (dazhou:第五十七条: a failure stops O&M money
    and new projects of the unit)."""
    await uow.emit(
        SystemSecurityChanged(
            project_id=subject(system),
            system_id=system.id,
            unit=system.unit,
            crypto_status=system.crypto_status,
            security_status=system.security_status,
            changed_on=clock.today(),
        )
    )


#: Data-sharing statuses under which a system's data aggregation is not complete (dazhou:第二十四条).
INCOMPLETE_SHARING = ("partly", "not_shared")


async def data_sharing_changed(uow: UnitOfWork, system: System) -> None:
    """Tell intake the system's data obligations (dazhou:第二十四条): its status and resources, as they are now."""
    resources = list(
        await uow.session.scalars(sa.select(InformationResource).where(col(InformationResource.system_id) == system.id))
    )
    await uow.emit(
        SystemDataSharingChanged(
            project_id=subject(system),
            system_id=system.id,
            unit=system.unit,
            jurisdiction=system.jurisdiction,
            data_sharing_status=system.data_sharing_status,
            resources=len(resources),
            resources_shared=sum(1 for r in resources if r.sharing_level != "not_shared"),
            changed_on=clock.today(),
        )
    )


async def update_data_sharing(uow: UnitOfWork, system_id: str, status: str, principal: Principal) -> System:
    """The bureau records whether a system's data is shared and aggregated (dazhou:第二十三条,第二十四条)."""
    system = await load(uow, system_id, for_update=True)
    previous = system.data_sharing_status
    system.data_sharing_status = status
    system.updated_at = clock.now()
    ownership = operations.data_ownership_decision(packs.get(system.jurisdiction))
    if ownership is not None:
        # the bureau's finding is made as the manager of the system's data (dazhou:第六十条; quzhou:三(三)4)
        await uow.record_decision(
            ownership, subject=subject(system), action="system.data_sharing_updated", actor=principal
        )
    await uow.audit(
        subject=subject(system),
        action="system.data_sharing_updated",
        actor=principal,
        detail={"system_id": system.id, "data_sharing_status": status, "previous": previous},
    )
    await data_sharing_changed(uow, system)
    return system


async def change_state(uow: UnitOfWork, system_id: str, state: str, reason: str, principal: Principal) -> System:
    """Trial run, running or suspended (e.g. while a security hazard is fixed); audited and emitted."""
    system = await load(uow, system_id, for_update=True)
    target = domain.State(state)
    if system.state == target:
        raise conflict(f"system {system.id} is already {state}", state=state)
    previous = system.state
    system.state = domain.transition(system.state, domain.MOVE_TO[target], subject=system.id)
    system.updated_at = clock.now()
    await uow.audit(
        subject=subject(system),
        action="system.state_changed",
        actor=principal,
        detail={"from": previous, "to": state, "reason": reason},
    )
    await uow.emit(
        SystemStateChanged(
            project_id=subject(system),
            system_id=system.id,
            unit=system.unit,
            state=state,
            previous=previous,
            reason="" if system.secret else reason,
            changed_on=clock.today(),
        )
    )
    return system


async def retire(
    uow: UnitOfWork,
    system_id: str,
    *,
    reason: str,
    filed_with_finance: bool,
    filed_with_bureau: bool,
    principal: Principal | str,
    decision_override: Decision | None = None,
) -> System:
    """Permanent retirement (永久停用): filed with finance and the bureau where the pack says so
    (fengxian:第三十三条); a redundant system stops (dazhou:第二十条). `decision_override` is the
    monitoring's forced-retirement decision (suqian:(二)), which needs no filing."""
    system = await load(uow, system_id, for_update=True)
    if isinstance(principal, Principal):  # the monitoring's forced retirement acts as the system
        ensure_unit_access(principal, system.unit)
    pack = packs.get(system.jurisdiction)
    retired = domain.transition(system.state, domain.Action.RETIRE, subject=system.id, pack=pack)
    if decision_override is None:
        decisions = operations.retirement_decisions(
            pack,
            filed_with_finance=filed_with_finance,
            filed_with_bureau=filed_with_bureau,
            mergeable=reason == "merged",
            replaceable=reason == "replaced_by_common_system",
        )
        failed = operations.failures(decisions)
        if failed:
            raise rule_violations([Violation.from_decision(d) for d in failed])
    else:
        decisions = [decision_override]
    for decision in decisions:
        await uow.record_decision(decision, subject=subject(system), action="system.retired", actor=principal)
    await close_open_obligations(uow, system)
    system.state = retired
    system.retired_on = clock.today()
    system.retirement_reason = reason
    system.updated_at = clock.now()
    cited = decisions[0] if decisions else None
    await uow.audit(
        subject=subject(system),
        action="system.retired",
        actor=principal,
        detail={"system_id": system.id, "reason": reason},
    )
    await uow.emit(
        SystemRetired(
            project_id=subject(system),
            system_id=system.id,
            unit=system.unit,
            reason=reason,
            rule_id=cited.rule_id if cited else None,
            citation=cited.citation if cited else None,
            retired_on=system.retired_on,
        )
    )
    SYSTEMS_RETIRED.labels(system.jurisdiction, reason).inc()
    return system


async def close_open_obligations(uow: UnitOfWork, system: System) -> None:
    """A retired system owes no more evaluations."""
    evaluations = await uow.session.scalars(
        sa.select(Evaluation).where(col(Evaluation.system_id) == system.id, col(Evaluation.status) == "due")
    )
    for evaluation in evaluations:
        evaluation.status = "closed"
        await uow.close_deadline(subject=subject(system), rule_id=evaluation.rule_id, status="cancelled")


async def funding_eligibility(uow: UnitOfWork, *, system_id: str | None, project_id: str | None) -> dict:
    """Budget's question (dazhou:第二十一条: no money outside the catalog; 第五十七条: no O&M money
    for failing cryptography or security). Answers with the facts and the rules that decide."""
    if system_id is None and project_id is None:
        raise conflict("ask by system_id or project_id")
    system = await uow.session.get(System, system_id or domain.system_id_for(project_id or ""))
    if system is None and project_id is not None:
        system = await uow.session.scalar(sa.select(System).where(col(System.project_id) == project_id).limit(1))
    if system is None:
        return {
            "system_id": system_id,
            "project_id": project_id,
            "in_system_catalog": False,
            "state": None,
            "om_funding_allowed": False,
            "reasons": [{"rule_id": None, "citation": "dazhou:第二十一条", "message_en": "not in the system catalog"}],
        }
    in_catalog = domain.live(system.state)
    reasons = []
    if not in_catalog:
        reasons.append({"rule_id": None, "citation": "dazhou:第二十一条", "message_en": "the system is retired"})
    pack = packs.get(system.jurisdiction)
    for decision in operations.failures(
        operations.om_funding_decisions(pack, system.crypto_status, system.security_status)
    ):
        reasons.append(
            {
                "rule_id": decision.rule_id,
                "citation": decision.citation,
                "message_zh": decision.message_zh,
                "message_en": decision.message_en,
            }
        )
    return {
        "system_id": system.id,
        "project_id": system.project_id,
        "in_system_catalog": in_catalog,
        "state": system.state,
        "om_funding_allowed": not reasons,
        "reasons": reasons,
    }
