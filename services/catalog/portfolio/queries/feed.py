"""The notification feed and the caller's read marker."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.portfolio.queries.todo_list import caller_roles
from services.catalog.portfolio.tables import (
    NotificationMarker,
    PortfolioNotification,
)
from shared import clock
from shared.auth import Principal, Role
from shared.uow import UnitOfWork

# --- notifications ----------------------------------------------------------------------------------------


def _addressed_to(principal: Principal) -> sa.ColumnElement[bool]:
    clauses = []
    for role in caller_roles(principal):
        if role == Role.UNIT:
            if principal.unit:
                clauses.append(
                    sa.and_(col(PortfolioNotification.role) == role, col(PortfolioNotification.unit) == principal.unit)
                )
        else:
            clauses.append(col(PortfolioNotification.role) == role)
    return sa.or_(*clauses) if clauses else sa.false()


async def marker(uow: UnitOfWork, principal: Principal) -> int:
    found = await uow.session.get(NotificationMarker, principal.subject)
    return found.read_up_to if found else 0


async def unread(uow: UnitOfWork, principal: Principal, read_up_to: int) -> int:
    return (
        await uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(PortfolioNotification)
            .where(_addressed_to(principal), col(PortfolioNotification.id) > read_up_to)
        )
    ) or 0


async def notifications(uow: UnitOfWork, principal: Principal, *, limit: int, before_id: int | None) -> dict:
    read_up_to = await marker(uow, principal)
    query = sa.select(PortfolioNotification).where(_addressed_to(principal))
    if before_id is not None:
        query = query.where(col(PortfolioNotification.id) < before_id)
    rows = list(await uow.session.scalars(query.order_by(col(PortfolioNotification.id).desc()).limit(limit)))
    return {
        "items": [
            {
                "id": n.id,
                "project_id": n.project_id,
                "kind": n.kind,
                "text_zh": n.text_zh,
                "due_on": n.due_on,
                "created_at": n.created_at,
                "read": n.id is not None and n.id <= read_up_to,
            }
            for n in rows
        ],
        "unread": await unread(uow, principal, read_up_to),
    }


async def mark_read(uow: UnitOfWork, principal: Principal, up_to_id: int | None) -> dict:
    latest = (
        await uow.session.scalar(sa.select(sa.func.max(PortfolioNotification.id)).where(_addressed_to(principal)))
    ) or 0
    target = latest if up_to_id is None else min(up_to_id, latest)
    found = await uow.session.get(NotificationMarker, principal.subject, with_for_update=True)
    if found is None:
        found = NotificationMarker(subject=principal.subject, read_up_to=0, updated_at=clock.now())
        uow.session.add(found)
    found.read_up_to = max(found.read_up_to, target)  # a marker never moves back
    found.updated_at = clock.now()
    return {"read_up_to": found.read_up_to, "unread": await unread(uow, principal, found.read_up_to)}
