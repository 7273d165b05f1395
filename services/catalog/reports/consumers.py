"""Builds the reporting read model from the other services' events; each only records what it heard."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.catalog.handlers import subscriptions
from services.catalog.handlers.common import insert_once
from services.catalog.reports.tables import MoneyEntry, OverdueNotice, ProjectRecord
from shared import clock
from shared.bus.consumer import Handler
from shared.contracts.acceptance import ProjectAccepted
from shared.contracts.budget import EstimateApproved, FundsReleased
from shared.contracts.common import DEADLINE_OVERDUE, DeadlineOverdueBase
from shared.contracts.envelope import CloudEvent
from shared.contracts.intake import ApplicationAdmitted, ApplicationRejected, ApplicationSubmitted, ProjectSummary
from shared.contracts.procurement import ContractSigned, SupplementApproved
from shared.contracts.review import ProjectApproved
from shared.locking import hold_inserted, lock_many, locked
from shared.uow import UnitOfWork

#: how far a project has come; a late (redelivered or reordered) event never moves it back
ORDER = ("submitted", "admitted", "rejected", "approved", "contracted", "accepted")


def day_of(event: CloudEvent) -> date:
    return event.time.astimezone(clock.CHINA).date()


async def record(
    uow: UnitOfWork, project_id: str, *, unit: str | None = None, jurisdiction: str | None = None
) -> ProjectRecord:
    row = await locked(uow.session, ProjectRecord, project_id)
    if row is None:
        row = ProjectRecord(
            project_id=project_id, unit=unit or "", jurisdiction=jurisdiction or "", updated_at=clock.now()
        )
        uow.session.add(row)
        hold_inserted(uow.session, ProjectRecord, project_id, row)
    if unit and not row.unit:
        row.unit = unit
    if jurisdiction and not row.jurisdiction:
        row.jurisdiction = jurisdiction
    row.updated_at = clock.now()
    return row


@subscriptions.prefetch
async def lock_records(uow: UnitOfWork, events: list[tuple[CloudEvent, Any]]) -> None:
    """A batch's project records, locked and loaded in one statement (`record` then needs none)."""
    await lock_many(uow.session, ProjectRecord, project_ids(events))


def project_ids(events: list[tuple[CloudEvent, Any]]) -> set[str]:
    return {pid for _, payload in events if isinstance(pid := getattr(payload, "project_id", None), str)}


def advance(row: ProjectRecord, status: str) -> None:
    if ORDER.index(status) > ORDER.index(row.status):
        row.status = status


def summarise(row: ProjectRecord, project: ProjectSummary) -> None:
    row.unit, row.jurisdiction, row.secret = project.unit, project.jurisdiction, project.secret
    row.title = None if project.secret else project.title
    row.plan_year, row.total_investment_fen = project.plan_year, project.total_investment_fen


async def money(uow: UnitOfWork, project_id: str, kind: str, ref: str, amount_fen: int, on: date) -> bool:
    """One entry per (project, kind, ref); False when it was already there (a redelivery)."""
    return await insert_once(
        uow, MoneyEntry, {"project_id": project_id, "kind": kind, "ref": ref, "amount_fen": amount_fen, "on": on}
    )


@subscriptions.on(ApplicationSubmitted)
async def on_submitted(uow: UnitOfWork, event: CloudEvent, payload: ApplicationSubmitted) -> None:
    row = await record(uow, payload.project_id)
    summarise(row, payload.project)
    row.submitted_on = row.submitted_on or day_of(event)


@subscriptions.on(ApplicationAdmitted)
async def on_admitted(uow: UnitOfWork, event: CloudEvent, payload: ApplicationAdmitted) -> None:
    row = await record(uow, payload.project_id)
    summarise(row, payload.project)
    row.admitted_on = row.admitted_on or day_of(event)
    advance(row, "admitted")


@subscriptions.on(ApplicationRejected)
async def on_rejected(uow: UnitOfWork, event: CloudEvent, payload: ApplicationRejected) -> None:
    row = await record(uow, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    row.rejected_on = row.rejected_on or day_of(event)
    advance(row, "rejected")


@subscriptions.on(ProjectApproved)
async def on_approved(uow: UnitOfWork, event: CloudEvent, payload: ProjectApproved) -> None:
    row = await record(uow, payload.project_id)
    summarise(row, payload.project)
    row.approved_on = payload.approved_on
    advance(row, "approved")


@subscriptions.on(EstimateApproved)
async def on_estimate(uow: UnitOfWork, event: CloudEvent, payload: EstimateApproved) -> None:
    row = await record(uow, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    if await money(
        uow, payload.project_id, "estimate", str(payload.revision), payload.estimate_fen, payload.approved_on
    ):
        row.estimate_fen = payload.estimate_fen


@subscriptions.on(ContractSigned)
async def on_contract(uow: UnitOfWork, event: CloudEvent, payload: ContractSigned) -> None:
    row = await record(uow, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    if await money(uow, payload.project_id, "contract", payload.contract_id, payload.amount_fen, payload.signed_on):
        row.contracted_fen += payload.amount_fen
    row.contracted_on = row.contracted_on or payload.signed_on
    row.planned_completion = payload.planned_completion
    advance(row, "contracted")


@subscriptions.on(SupplementApproved)
async def on_supplement(uow: UnitOfWork, event: CloudEvent, payload: SupplementApproved) -> None:
    row = await record(uow, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    if await money(uow, payload.project_id, "contract", payload.supplement_id, payload.amount_fen, payload.approved_on):
        row.contracted_fen += payload.amount_fen


@subscriptions.on(FundsReleased)
async def on_released(uow: UnitOfWork, event: CloudEvent, payload: FundsReleased) -> None:
    row = await record(uow, payload.project_id)
    if await money(uow, payload.project_id, "release", payload.release_id, payload.amount_fen, day_of(event)):
        row.released_fen = max(row.released_fen + payload.amount_fen, payload.released_total_fen)


@subscriptions.on(ProjectAccepted)
async def on_accepted(uow: UnitOfWork, event: CloudEvent, payload: ProjectAccepted) -> None:
    row = await record(uow, payload.project_id, unit=payload.unit, jurisdiction=payload.jurisdiction)
    row.secret = row.secret or payload.secret
    row.accepted_on = payload.accepted_on
    advance(row, "accepted")


def _overdue_consumer(service: str) -> Handler:
    async def on_overdue(uow: UnitOfWork, event: CloudEvent, payload: DeadlineOverdueBase) -> None:
        if await uow.session.get(OverdueNotice, event.id) is not None:
            return
        uow.session.add(
            OverdueNotice(
                event_id=event.id,
                service=service,
                subject=payload.project_id,
                rule_id=payload.rule_id,
                citation=payload.citation,
                due_on=payload.due_on,
                noticed_on=day_of(event),
            )
        )

    on_overdue.__name__ = f"on_{service}_deadline_overdue"
    return on_overdue


for _service, _payload_type in DEADLINE_OVERDUE.items():
    if _service != "catalog":  # catalog's own overdue deadlines are read from its deadlines table
        subscriptions.on(_payload_type)(_overdue_consumer(_service))
