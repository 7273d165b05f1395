"""Procurement's periodic jobs: the gauge of projects past their construction period."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from services.procurement import domain
from services.procurement.metrics import (
    PAST_CONSTRUCTION_DEADLINE,
)
from services.procurement.tables import (
    ProcurementProject,
)
from shared.service import ServiceRuntime


async def sweep_construction_deadlines(runtime: ServiceRuntime) -> int:
    """Moves the gauge of projects past their construction period (the shared sweeper marks them overdue)."""
    deadlines = runtime.schema.deadlines
    async with runtime.unit_of_work() as uow:
        rows = (
            await uow.session.execute(
                sa.select(col(ProcurementProject.jurisdiction), sa.func.count())
                .select_from(deadlines)
                .join(ProcurementProject, col(ProcurementProject.project_id) == deadlines.c.subject)
                .where(deadlines.c.rule_id == domain.PERIOD_RULE, deadlines.c.status == "overdue")
                .group_by(col(ProcurementProject.jurisdiction))
            )
        ).all()
    PAST_CONSTRUCTION_DEADLINE.clear()
    for jurisdiction, count in rows:
        PAST_CONSTRUCTION_DEADLINE.labels(jurisdiction).set(count)
    return sum(count for _, count in rows)
