"""The catalog's periodic work (and POST /_admin/sweep): ending sanctions, refreshing the gauges.

A later room adds its own sweepers to `SWEEPERS` in main.py."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import col

from services.catalog import domain
from services.catalog.domain import monitoring, operations
from services.catalog.handlers import monitoring as monitoring_handlers
from services.catalog.metrics import (
    ABNORMAL,
    EVALUATIONS,
    MONITORING_COVERAGE,
    SYSTEMS,
    UNITS_SANCTIONED,
    ZOMBIES,
)
from services.catalog.tables import Evaluation, MonthlyFigure, OmReport, Sanction, System
from shared import clock
from shared.policy import packs
from shared.service import ServiceRuntime


async def clear_sanctions(runtime: ServiceRuntime) -> int:
    async with runtime.unit_of_work() as uow:
        return await monitoring_handlers.clear_ended_sanctions(uow)


async def refresh_gauges(runtime: ServiceRuntime) -> int:
    today = clock.today()
    last_month = monitoring.previous_month(monitoring.month_of(today))
    async with runtime.unit_of_work() as uow:
        session = uow.session
        by_state = (
            await session.execute(
                sa.select(col(System.jurisdiction), col(System.state), sa.func.count()).group_by(
                    col(System.jurisdiction), col(System.state)
                )
            )
        ).all()
        zombies = (
            await session.execute(
                sa.select(col(System.jurisdiction), sa.func.count())
                .where(col(System.zombie_since).is_not(None))
                .group_by(col(System.jurisdiction))
            )
        ).all()
        abnormal = (
            await session.execute(
                sa.select(col(System.jurisdiction), sa.func.count())
                .where(col(System.abnormal_since).is_not(None), col(System.state).in_(domain.LIVE_STATES))
                .group_by(col(System.jurisdiction))
            )
        ).all()
        sanctioned = (
            await session.execute(
                sa.select(col(Sanction.rule_id), sa.func.count(sa.distinct(col(Sanction.unit))))
                .where(col(Sanction.status) == "active")
                .group_by(col(Sanction.rule_id))
            )
        ).all()
        # grouped by due date (not by a computed status: PostgreSQL needs the GROUP BY expression verbatim)
        due_rows = (
            await session.execute(
                sa.select(col(Evaluation.kind), col(Evaluation.due_on), sa.func.count())
                .where(col(Evaluation.status) == "due")
                .group_by(col(Evaluation.kind), col(Evaluation.due_on))
            )
        ).all()
        running = dict(
            (
                await session.execute(
                    sa.select(col(System.jurisdiction), sa.func.count())
                    .where(col(System.state) == domain.State.RUNNING)
                    .group_by(col(System.jurisdiction))
                )
            ).all()
        )
        reported = dict(
            (
                await session.execute(
                    sa.select(col(System.jurisdiction), sa.func.count())
                    .join(MonthlyFigure, col(MonthlyFigure.system_id) == col(System.id))
                    .where(col(System.state) == domain.State.RUNNING, col(MonthlyFigure.month) == last_month)
                    .group_by(col(System.jurisdiction))
                )
            ).all()
        )
    for gauge in (SYSTEMS, ZOMBIES, ABNORMAL, UNITS_SANCTIONED, EVALUATIONS, MONITORING_COVERAGE):
        gauge.clear()
    for jurisdiction, state, count in by_state:
        SYSTEMS.labels(jurisdiction, state).set(count)
    for jurisdiction, count in zombies:
        ZOMBIES.labels(jurisdiction).set(count)
    for jurisdiction, count in abnormal:
        ABNORMAL.labels(jurisdiction).set(count)
    for rule_id, count in sanctioned:
        UNITS_SANCTIONED.labels(rule_id).set(count)
    evaluations: dict[tuple[str, str], int] = {}
    for kind, due_on, count in due_rows:
        status = "overdue" if due_on is not None and due_on < today else "due"
        evaluations[(kind, status)] = evaluations.get((kind, status), 0) + count
    for (kind, status), count in evaluations.items():
        EVALUATIONS.labels(kind, status).set(count)
    for jurisdiction, count in running.items():
        MONITORING_COVERAGE.labels(jurisdiction).set(monitoring.coverage(count, reported.get(jurisdiction, 0)))
    return len(by_state)


async def reopen_stock_om_reports(runtime: ServiceRuntime) -> int:
    """Each year a live stock system owes that year's O&M report (suqian:(八)): reopen its deadline
    for the new year once the old year's row is met or past, unless this year's report is filed."""
    today = clock.today()
    deadlines = runtime.schema.deadlines
    opened = 0
    async with runtime.unit_of_work() as uow:
        systems = (
            await uow.session.scalars(
                sa.select(System).where(col(System.origin) == "stock_import", col(System.state).in_(domain.LIVE_STATES))
            )
        ).all()
        filed = set(
            (
                await uow.session.scalars(sa.select(col(OmReport.system_id)).where(col(OmReport.year) == today.year))
            ).all()
        )
        for system in systems:
            if system.id in filed:
                continue
            decision = operations.stock_report_decision(packs.get(system.jurisdiction), today.year, None)
            if decision is None:
                continue
            subject = domain.subject_of(system.id, system.project_id)
            current = await uow.session.scalar(
                sa.select(deadlines.c.due_on).where(
                    deadlines.c.subject == subject, deadlines.c.rule_id == decision.rule_id
                )
            )
            due = date.fromisoformat(decision.value["due"])
            if current is not None and current >= due:
                continue
            await uow.open_deadline(
                subject=subject, decision=decision, due_on=due, description=f"O&M report {due.year} of {system.id}"
            )
            opened += 1
    return opened


SWEEPERS = [clear_sanctions, refresh_gauges, reopen_stock_om_reports]
