"""Catalog's own events heard back, the deadlines other services announce overdue, and the reminder sweep."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.handlers import subscriptions
from services.catalog.portfolio import domain
from services.catalog.portfolio.consumers.recording import (
    close_deadlines,
    close_todos,
    deadline,
    known_project,
    move,
    name_of,
    notify,
    open_todo,
    rule_title,
    sync_own_deadlines,
    turned_overdue,
)
from services.catalog.portfolio.tables import (
    PortfolioDeadline,
    PortfolioProject,
)
from shared.auth import Role
from shared.bus.consumer import Handler
from shared.contracts.catalog import (
    FindingRecorded,
    FindingResolved,
    SystemRegistered,
    SystemRetired,
    SystemStateChanged,
)
from shared.contracts.common import DEADLINE_OVERDUE, DeadlineOverdueBase
from shared.contracts.envelope import CloudEvent
from shared.uow import UnitOfWork

# --- catalog's own events (heard back from its topic like any other consumer) -----------------------------


@subscriptions.on(SystemRegistered)
async def on_registered(uow: UnitOfWork, event: CloudEvent, payload: SystemRegistered) -> None:
    row = await known_project(uow, payload.project_id)
    if row is None:
        return  # a stock system with no project behind it
    row.registered_on = payload.registered_on
    await move(uow, row, event, domain.key_of(payload.event_type))


@subscriptions.on(SystemRetired)
async def on_retired(uow: UnitOfWork, event: CloudEvent, payload: SystemRetired) -> None:
    row = await known_project(uow, payload.project_id)
    if row is None:
        return
    row.retired_on = payload.retired_on
    await close_todos(uow, row.project_id, ref=system_ref(payload.system_id))
    await move(uow, row, event, domain.key_of(payload.event_type))


def system_ref(system_id: str) -> str:
    return f"system:{system_id}"[:80]


@subscriptions.on(SystemStateChanged)
async def on_state_changed(uow: UnitOfWork, event: CloudEvent, payload: SystemStateChanged) -> None:
    """A stopped system waits on its unit to retire it; put back to work, nothing waits any more."""
    row = await known_project(uow, payload.project_id)
    if row is None:
        return  # a stock system with no project behind it
    ref = system_ref(payload.system_id)
    await close_todos(uow, row.project_id, ref=ref)
    if payload.state == "suspended" and row.stage != domain.Stage.RETIRED:  # a late event after retirement
        await open_todo(uow, row, domain.RETIRE_SUSPENDED, event.time, ref=ref)


@subscriptions.on(FindingRecorded)
async def on_finding(uow: UnitOfWork, event: CloudEvent, payload: FindingRecorded) -> None:
    row = await known_project(uow, payload.project_id)
    if row is None:
        return  # a finding against a unit, not a project
    ref = f"finding:{payload.finding_id}"
    await deadline(
        uow,
        row,
        service="catalog",
        rule_id=ref,
        due_on=payload.rectify_by,
        role=Role.UNIT.value,
        citation=payload.citation,
        description="督查问题限期整改",
    )
    await open_todo(uow, row, domain.RECTIFY, event.time, ref=ref, due_on=payload.rectify_by)


@subscriptions.on(FindingResolved)
async def on_finding_resolved(uow: UnitOfWork, event: CloudEvent, payload: FindingResolved) -> None:
    ref = f"finding:{payload.finding_id}"
    await close_deadlines(uow, payload.project_id, ref)
    await close_todos(uow, payload.project_id, ref=ref)


# --- deadlines the other services announced overdue ------------------------------------------------------


def _overdue_consumer(service: str) -> Handler:
    async def on_overdue(uow: UnitOfWork, event: CloudEvent, payload: DeadlineOverdueBase) -> None:
        row = await known_project(uow, payload.project_id)
        if row is None:
            return  # a deadline of something that is not a project (a system, a task)
        found, previous = await deadline(
            uow,
            row,
            service=service,
            rule_id=payload.rule_id,
            due_on=payload.due_on,
            role=Role.UNIT.value if service == "catalog" else Role.DATA_BUREAU.value,
            citation=payload.citation,
            description=rule_title(row.jurisdiction, payload.rule_id),
            status="overdue",
        )
        if previous != "overdue":  # announced again, or already known from catalog's own table
            await turned_overdue(uow, row, found)

    on_overdue.__name__ = f"on_{service}_deadline_overdue_portfolio"
    return on_overdue


for _service, _payload_type in DEADLINE_OVERDUE.items():
    subscriptions.on(_payload_type)(_overdue_consumer(_service))


# --- the sweep: catalog's own deadlines copied, approaching and overdue ones notified ---------------------


async def remind(uow: UnitOfWork, today: date) -> int:
    """Raise each deadline's notifications once: approaching (within the local setting's days), then
    overdue when its day has passed and nobody announced it."""
    raised = 0
    # each project's jurisdiction's pack says how many days before (notify_before_days); read the widest first
    before = {j: domain.thresholds(j, today)["notify_before_days"] for j in domain.packs.ids()}
    default = domain.thresholds(day=today)["notify_before_days"]
    horizon = today + timedelta(days=max([default, *before.values()]))
    due = await uow.session.scalars(
        sa.select(PortfolioDeadline).where(
            col(PortfolioDeadline.status) == "open", col(PortfolioDeadline.due_on) <= horizon
        )
    )
    for found in list(due):
        row = await uow.session.get(PortfolioProject, found.project_id)
        if row is None:
            continue
        if found.due_on < today:
            found.status = "overdue"
            await turned_overdue(uow, row, found)
            raised += 1
        elif found.reminded:
            continue
        elif (found.due_on - today).days > before.get(row.jurisdiction, default):
            continue  # not yet within this jurisdiction's days
        else:
            found.reminded = True
            text = f"即将到期：{name_of(row)} {found.description}（{found.due_on.isoformat()} 前）"
            await notify(uow, row, found.role, "deadline_approaching", text, found.due_on)
            raised += 1
    return raised


async def sweep_own_deadlines(uow: UnitOfWork) -> int:
    """Refresh the copies of catalog's own deadlines (its sweeper marks them overdue or met)."""
    table = uow.schema.deadlines
    subjects = await uow.session.scalars(
        sa.select(table.c.subject).distinct().where(table.c.subject.in_(sa.select(col(PortfolioProject.project_id))))
    )
    count = 0
    for subject in list(subjects):
        row = await uow.session.get(PortfolioProject, subject)
        if row is not None:
            await sync_own_deadlines(uow, row)
            count += 1
    return count
