"""Catalog's commands and consumed events."""

from __future__ import annotations

import sqlalchemy as sa

from services.catalog import domain
from services.catalog.metrics import SYSTEMS_REGISTERED
from services.catalog.tables import System
from shared import clock
from shared.bus import Subscriptions
from shared.contracts.acceptance import ProjectAccepted
from shared.contracts.catalog import SystemRegistered
from shared.contracts.envelope import CloudEvent
from shared.errors import not_found
from shared.uow import UnitOfWork

subscriptions = Subscriptions()


@subscriptions.on(ProjectAccepted)
async def on_project_accepted(uow: UnitOfWork, event: CloudEvent, payload: ProjectAccepted) -> None:
    """An accepted project goes into the system catalog as a running system (dazhou:第二十一条)."""
    system_id = domain.system_id_for(payload.project_id)
    if await uow.session.get(System, system_id) is not None:
        return
    now = clock.now()
    system = System(
        id=system_id,
        project_id=payload.project_id,
        unit=payload.unit,
        jurisdiction=payload.jurisdiction,
        name=None if payload.secret else payload.system_name,
        secret=payload.secret,
        registered_on=payload.accepted_on,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(system)
    await uow.audit(
        subject=payload.project_id,
        action="system.registered",
        actor="system",
        detail={"system_id": system_id, "event": event.id},
    )
    await uow.emit(
        SystemRegistered(
            project_id=payload.project_id,
            system_id=system_id,
            unit=payload.unit,
            jurisdiction=payload.jurisdiction,
            name=system.name,
            registered_on=system.registered_on,
        )
    )
    SYSTEMS_REGISTERED.labels(payload.jurisdiction, "acceptance").inc()


async def systems_of_project(uow: UnitOfWork, project_id: str) -> list[System]:
    rows = await uow.session.scalars(sa.select(System).where(System.project_id == project_id).order_by(System.id))
    return list(rows.all())


async def load(uow: UnitOfWork, system_id: str) -> System:
    system = await uow.session.get(System, system_id)
    if system is None:
        raise not_found("system", system_id)
    return system
