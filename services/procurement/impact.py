"""Procurement's part of the policy impact analysis (issue 19 §6): its in-flight projects."""

from __future__ import annotations

from sqlmodel import select

from services.procurement.domain import TERMINAL
from services.procurement.tables import ProcurementProject
from shared.policy.impact_api import impact_router
from shared.uow import UnitOfWork


async def in_flight(uow: UnitOfWork, jurisdiction: str) -> list[str]:
    """Open (not terminated), non-secret projects of the pack's jurisdiction: a secret project's decisions never
    leave procurement, and a terminated one has nothing left to decide."""
    query = (
        select(ProcurementProject.project_id)
        .where(
            ProcurementProject.jurisdiction == jurisdiction,
            ProcurementProject.secret.is_(False),  # type: ignore[attr-defined]
            ProcurementProject.stage.not_in([s.value for s in TERMINAL]),  # type: ignore[attr-defined]
        )
        .order_by(ProcurementProject.project_id)
    )
    return list((await uow.session.execute(query)).scalars().all())


router = impact_router("procurement", in_flight)
