"""What the catalog's handlers share: loading systems, bulk writes for large imports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from services.catalog import domain
from services.catalog.tables import System
from shared import clock
from shared.auth import Principal
from shared.contracts.base import EventPayload
from shared.errors import not_found
from shared.uow import UnitOfWork, actor_of

CHUNK = 500  # ids per IN (...) query


async def load(uow: UnitOfWork, system_id: str, *, for_update: bool = False) -> System:
    system = await uow.session.get(System, system_id, with_for_update=for_update)
    if system is None:
        raise not_found("system", system_id)
    return system


def subject(system: System) -> str:
    return domain.subject_of(system.id, system.project_id)


async def systems_by_id(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, System]:
    wanted = list(dict.fromkeys(ids))
    found: dict[str, System] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = await uow.session.scalars(sa.select(System).where(System.id.in_(wanted[start : start + CHUNK])))
        found.update({system.id: system for system in rows})
    return found


async def emit_many(uow: UnitOfWork, payloads: Sequence[EventPayload]) -> None:
    """Events for many systems (an import of thousands): the unit of work writes their outbox rows
    in one statement at its commit."""
    for payload in payloads:
        await uow.emit(payload)


async def audit_many(uow: UnitOfWork, rows: Sequence[tuple[str, str, dict[str, Any]]], actor: Principal | str) -> None:
    """(subject, action, detail) audit rows in one statement."""
    if not rows:
        return
    roles = "" if isinstance(actor, str) else ",".join(sorted(actor.roles))
    now = clock.now()
    await uow.session.execute(
        uow.schema.audit.insert(),
        [
            {"subject": s, "action": a, "actor": actor_of(actor), "roles": roles, "detail": d, "at": now}
            for s, a, d in rows
        ],
    )
