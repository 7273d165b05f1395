"""Budget's periodic job: amount and overdue-deadline gauges (after the shared sweep)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from services.budget.metrics import (
    DEADLINES_OVERDUE,
    PROJECT_AMOUNTS_YUAN,
)
from services.budget.tables import (
    BudgetProject,
)
from shared.service import ServiceRuntime


async def refresh_gauges(runtime: ServiceRuntime) -> int:
    """Amounts by jurisdiction and budget stage, and overdue deadlines by rule (after the shared sweep)."""
    deadlines = runtime.schema.deadlines
    async with runtime.unit_of_work() as uow:
        amounts = (
            await uow.session.execute(
                sa.select(
                    col(BudgetProject.jurisdiction),
                    col(BudgetProject.stage),
                    sa.func.coalesce(sa.func.sum(col(BudgetProject.estimate_fen)), 0),
                    sa.func.coalesce(sa.func.sum(col(BudgetProject.released_fen)), 0),
                ).group_by(col(BudgetProject.jurisdiction), col(BudgetProject.stage))
            )
        ).all()
        overdue = (
            await uow.session.execute(
                sa.select(deadlines.c.rule_id, sa.func.count())
                .where(deadlines.c.status == "overdue")
                .group_by(deadlines.c.rule_id)
            )
        ).all()
    PROJECT_AMOUNTS_YUAN.clear()
    # `or 0` for the checker only: coalesce already turned an empty sum into 0
    for jurisdiction, stage, estimate, released in amounts:
        PROJECT_AMOUNTS_YUAN.labels(jurisdiction, stage, "estimate").set(int(estimate or 0) / 100)
        PROJECT_AMOUNTS_YUAN.labels(jurisdiction, stage, "released").set(int(released or 0) / 100)
    DEADLINES_OVERDUE.clear()
    for rule_id, count in overdue:
        DEADLINES_OVERDUE.labels(rule_id).set(count)
    return len(amounts)
