"""Budget's part of the policy impact analysis (issue 19 §6): its in-flight projects."""

from __future__ import annotations

from sqlmodel import select

from services.budget.domain import TERMINAL
from services.budget.tables import BudgetProject
from shared.policy.impact_api import impact_router
from shared.uow import UnitOfWork


async def in_flight(uow: UnitOfWork, jurisdiction: str) -> list[str]:
    """Open (not closed), non-secret projects of the pack's jurisdiction: a secret project's decisions never
    leave budget, and a closed one has nothing left to decide."""
    query = (
        select(BudgetProject.project_id)
        .where(
            BudgetProject.jurisdiction == jurisdiction,
            BudgetProject.secret.is_(False),  # type: ignore[attr-defined]
            BudgetProject.stage.not_in([s.value for s in TERMINAL]),  # type: ignore[attr-defined]
        )
        .order_by(BudgetProject.project_id)
    )
    return list((await uow.session.execute(query)).scalars().all())


router = impact_router("budget", in_flight)
