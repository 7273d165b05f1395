"""Building a periodic report from the platform's data: the reporting read model (other services' events)
and catalog's own systems, sanctions, evaluations and findings. Secret (涉密) projects are counted and
summed, never named (dazhou:第六十五条)."""

from __future__ import annotations

from collections import Counter
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.oversight.tables import Finding, FindingStep
from services.catalog.reports.domain import Period
from services.catalog.reports.tables import MoneyEntry, OverdueNotice, ProjectRecord
from services.catalog.tables import Evaluation, Sanction, System
from shared import clock
from shared.uow import UnitOfWork

#: Any select, whatever its columns: `scoped` hands back the query it was given, narrowed
AnySelect = TypeVar("AnySelect", bound="sa.Select[*tuple[Any, ...]]")

PROJECT_MILESTONES = ("submitted", "admitted", "rejected", "approved", "contracted", "accepted")


def _in(column: sa.SQLColumnExpression[Any], period: Period) -> sa.ColumnElement[bool]:
    return sa.and_(column >= period.start, column < period.end)


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _total(condition: sa.ColumnElement[bool], amount: sa.SQLColumnExpression[Any]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, amount), else_=0)), 0)


async def build(uow: UnitOfWork, period: Period, jurisdiction: str | None) -> dict[str, Any]:
    """Every figure is an aggregate in the database: a year of a province is one pass per table, never
    every row of it in Python (only the period's approved projects, which the report lists, are rows)."""
    session = uow.session

    def scoped(query: AnySelect, column: sa.SQLColumnExpression[Any]) -> AnySelect:
        return query.where(column == jurisdiction) if jurisdiction else query

    # projects: who reached which milestone in the period
    record = ProjectRecord
    approved_in = _in(col(record.approved_on), period)
    counted = (
        await session.execute(
            scoped(
                sa.select(
                    *[_count(_in(getattr(record, f"{m}_on"), period)) for m in PROJECT_MILESTONES],
                    _count(sa.and_(approved_in, col(record.secret).is_(True))),
                    _total(approved_in, sa.func.coalesce(col(record.total_investment_fen), 0)),
                ),
                col(record.jurisdiction),
            )
        )
    ).one()
    approved_rows = (
        await session.execute(
            scoped(
                sa.select(
                    col(record.project_id),
                    col(record.unit),
                    col(record.jurisdiction),
                    col(record.title),
                    col(record.total_investment_fen),
                    col(record.approved_on),
                ).where(approved_in, col(record.secret).is_(False)),
                col(record.jurisdiction),
            ).order_by(col(record.approved_on), col(record.project_id))
        )
    ).all()
    project_section = {
        **{m: int(n) for m, n in zip(PROJECT_MILESTONES, counted, strict=False)},
        "secret_approved": int(counted[len(PROJECT_MILESTONES)]),
        "approved_investment_fen": int(counted[len(PROJECT_MILESTONES) + 1]),
        "approved_projects": [
            {
                "project_id": p.project_id,
                "unit": p.unit,
                "jurisdiction": p.jurisdiction,
                "title": p.title,
                "total_investment_fen": p.total_investment_fen,
                "approved_on": p.approved_on.isoformat() if p.approved_on else None,
            }
            for p in approved_rows
        ],
    }

    # money: estimates (the last revision approved in the period per project), contracts, releases; only
    # entries of projects the report knows (in the jurisdiction)
    def entries(*where: sa.ColumnElement[bool]) -> sa.Select[str, str, str, int, bool]:
        return scoped(
            sa.select(
                col(MoneyEntry.project_id),
                col(MoneyEntry.kind),
                col(MoneyEntry.ref),
                col(MoneyEntry.amount_fen),
                col(record.secret),
            )
            .join(record, col(record.project_id) == col(MoneyEntry.project_id))
            .where(_in(col(MoneyEntry.on), period), *where),
            col(record.jurisdiction),
        )

    # an estimate's ref is its revision number (a contract's or release's is an id, never cast)
    revisions = entries(col(MoneyEntry.kind) == "estimate").subquery()
    newest = sa.select(
        revisions.c.amount_fen,
        sa.func.row_number()
        .over(partition_by=revisions.c.project_id, order_by=sa.cast(revisions.c.ref, sa.BigInteger).desc())
        .label("rank"),
    ).subquery()
    estimated = await session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(newest.c.amount_fen), 0)).where(newest.c.rank == 1)
    )
    in_period = entries().subquery()
    contracted, released, secret_projects = (
        await session.execute(
            sa.select(
                _total(in_period.c.kind == "contract", in_period.c.amount_fen),
                _total(in_period.c.kind == "release", in_period.c.amount_fen),
                sa.func.count(sa.distinct(sa.case((in_period.c.secret.is_(True), in_period.c.project_id)))),
            )
        )
    ).one()
    money = {
        "estimated_fen": int(estimated or 0),
        "contracted_fen": int(contracted),
        "released_fen": int(released),
        "secret_projects_included": int(secret_projects),
    }

    # systems: in the catalog at the period's end (from registration and retirement dates), their state
    # now (trial/suspended have no dated history), and what entered or left the catalog in the period
    live, registered, retired, zombies = (
        await session.execute(
            scoped(
                sa.select(
                    _count(
                        sa.and_(
                            col(System.registered_on) < period.end,
                            sa.or_(col(System.retired_on).is_(None), col(System.retired_on) >= period.end),
                        )
                    ),
                    _count(_in(col(System.registered_on), period)),
                    _count(_in(col(System.retired_on), period)),
                    _count(sa.and_(col(System.zombie_since).is_not(None), col(System.state) != "retired")),
                ),
                col(System.jurisdiction),
            )
        )
    ).one()
    by_state = (
        await session.execute(
            scoped(sa.select(col(System.state), sa.func.count()).group_by(col(System.state)), col(System.jurisdiction))
        )
    ).all()
    system_section = {
        "live_at_period_end": int(live),
        "by_state": {state: n for state, n in sorted(by_state)},
        "registered": int(registered),
        "retired": int(retired),
        "zombies": int(zombies),
    }

    # overdue deadlines falling due in the period: other services' (announced by events) and catalog's own
    overdue_rows: Counter = Counter()
    notices = sa.select(
        col(OverdueNotice.service), col(OverdueNotice.rule_id), col(OverdueNotice.citation), sa.func.count()
    ).where(_in(col(OverdueNotice.due_on), period))
    if jurisdiction:
        notices = notices.join(record, col(record.project_id) == col(OverdueNotice.subject)).where(
            col(record.jurisdiction) == jurisdiction
        )
    for service, rule_id, citation, n in await session.execute(
        notices.group_by(OverdueNotice.service, OverdueNotice.rule_id, OverdueNotice.citation)
    ):
        overdue_rows[(service, rule_id, citation)] += n
    deadlines = uow.schema.deadlines
    own = sa.select(deadlines.c.rule_id, deadlines.c.citation, sa.func.count()).where(
        _in(deadlines.c.due_on, period), deadlines.c.status.in_(["overdue", "late"])
    )
    if jurisdiction:
        own = own.where(deadlines.c.pack == jurisdiction)
    for rule_id, citation, n in await session.execute(own.group_by(deadlines.c.rule_id, deadlines.c.citation)):
        overdue_rows[("catalog", rule_id, citation)] += n
    overdue = {
        "total": sum(overdue_rows.values()),
        "by_rule": [
            {"service": s, "rule_id": r, "citation": c, "count": n} for (s, r, c), n in sorted(overdue_rows.items())
        ],
    }

    # sanctions imposed / cleared in the period, active at its end
    last_day = period.end
    imposed, cleared, active = (
        await session.execute(
            scoped(
                sa.select(
                    _count(_in(col(Sanction.since), period)),
                    _count(_in(col(Sanction.cleared_on), period)),
                    _count(
                        sa.and_(
                            col(Sanction.since) < last_day,
                            sa.or_(col(Sanction.cleared_on).is_(None), col(Sanction.cleared_on) >= last_day),
                        )
                    ),
                ),
                col(Sanction.jurisdiction),
            )
        )
    ).one()
    sanction_rules = (
        await session.execute(
            scoped(
                sa.select(col(Sanction.rule_id), col(Sanction.citation), sa.func.count())
                .where(_in(col(Sanction.since), period))
                .group_by(col(Sanction.rule_id), col(Sanction.citation)),
                col(Sanction.jurisdiction),
            )
        )
    ).all()
    sanction_section = {
        "imposed": int(imposed),
        "cleared": int(cleared),
        "active_at_end": int(active),
        "by_rule": [{"rule_id": r, "citation": c, "imposed": n} for r, c, n in sorted(sanction_rules)],
    }

    # evaluations completed in the period
    evaluations = (
        await session.execute(
            scoped(
                sa.select(col(Evaluation.kind), col(Evaluation.passed), sa.func.count())
                .where(_in(col(Evaluation.completed_on), period))
                .group_by(col(Evaluation.kind), col(Evaluation.passed)),
                col(Evaluation.jurisdiction),
            )
        )
    ).all()
    kinds = sorted({k for k, _, _ in evaluations})
    evaluation_section = {
        "completed": sum(n for _, _, n in evaluations),
        "passed": sum(n for _, passed, n in evaluations if passed),
        "failed": sum(n for _, passed, n in evaluations if passed is False),
        "by_kind": [
            {
                "kind": k,
                "passed": sum(n for kind, passed, n in evaluations if kind == k and passed),
                "completed": sum(n for kind, _, n in evaluations if kind == k),
            }
            for k in kinds
        ],
    }

    # supervision findings recorded, escalated and resolved in the period
    recorded, resolved, still_open = (
        await session.execute(
            scoped(
                sa.select(
                    _count(_in(col(Finding.recorded_on), period)),
                    _count(_in(col(Finding.resolved_on), period)),
                    _count(col(Finding.status).in_(("open", "rectification_submitted"))),
                ),
                col(Finding.jurisdiction),
            )
        )
    ).one()
    by_area = (
        await session.execute(
            scoped(
                sa.select(col(Finding.area), sa.func.count())
                .where(_in(col(Finding.recorded_on), period))
                .group_by(col(Finding.area)),
                col(Finding.jurisdiction),
            )
        )
    ).all()
    escalations = (
        await session.execute(
            scoped(
                sa.select(col(FindingStep.step), sa.func.count())
                .join(Finding, col(Finding.id) == col(FindingStep.finding_id))
                .where(col(FindingStep.action) == "escalated", _in(col(FindingStep.on), period))
                .group_by(col(FindingStep.step)),
                col(Finding.jurisdiction),
            )
        )
    ).all()
    finding_section = {
        "recorded": int(recorded),
        "resolved": int(resolved),
        "open_at_generation": int(still_open),
        "by_area": {area: n for area, n in sorted(by_area)},
        "escalations": {step: n for step, n in sorted(escalations, key=lambda row: str(row[0]))},
    }

    return {
        "period": {
            "label": period.label,
            "kind": period.kind,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "jurisdiction": jurisdiction,
        "generated_at": clock.now().isoformat(),
        "projects": project_section,
        "money": money,
        "systems": system_section,
        "overdue_deadlines": overdue,
        "sanctions": sanction_section,
        "evaluations": evaluation_section,
        "findings": finding_section,
    }
