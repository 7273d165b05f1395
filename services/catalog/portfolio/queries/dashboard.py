"""The cockpit (驾驶舱): funnel, money, risks and units at a glance, computed once for concurrent callers."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.portfolio import domain
from services.catalog.portfolio.domain import STAGE_LABEL_ZH, Stage
from services.catalog.portfolio.queries import risk as risk_sql
from services.catalog.portfolio.queries.visibility import LIVE_DEADLINE, Scope, scope_of, visible
from services.catalog.portfolio.tables import (
    PortfolioDeadline,
    PortfolioProject,
)
from services.catalog.tables import Evaluation, Sanction, System
from shared import clock
from shared.auth import Principal
from shared.uow import UnitOfWork

# --- the cockpit --------------------------------------------------------------------------------------------

FUNNEL = (
    ("approved", "立项批复", "approved_investment_fen"),
    ("estimated", "概算批复", "estimate_fen"),
    ("contracted", "合同签订", "contracted_fen"),
    ("released", "资金拨付", "released_fen"),
    ("paid", "已支付", "released_fen"),  # see money_of: no separate payment event
)
BY_UNIT_CAP = 100
#: What rating one project in Python needs (`rate`): rows, not entities (the cockpit itself rates in SQL).
RATED_COLUMNS = tuple(
    getattr(PortfolioProject, name)
    for name in (
        "project_id",
        "title",
        "secret",
        "unit",
        "jurisdiction",
        "stage",
        "approved_investment_fen",
        "estimate_fen",
        "contracted_fen",
        "contracted_on",
        "planned_completion",
        "trial_started_on",
        "accepted_on",
    )
)  # units beyond the 100 largest by investment are summed as `其他`


def _amber(today: date) -> sa.ColumnElement[bool]:
    """Due within the project's jurisdiction's `deadline_amber_days` (a local setting in its pack)."""
    days = {pid: domain.thresholds(pid, today)["deadline_amber_days"] for pid in domain.packs.ids()}
    default = domain.thresholds(day=today)["deadline_amber_days"]

    def by(n: int) -> date:
        return date.fromordinal(today.toordinal() + n)

    if set(days.values()) <= {default}:
        return col(PortfolioDeadline.due_on) <= by(default)
    due_on, jurisdiction = col(PortfolioDeadline.due_on), col(PortfolioProject.jurisdiction)
    return sa.or_(
        *(sa.and_(jurisdiction == pid, due_on <= by(n)) for pid, n in days.items()),
        sa.and_(jurisdiction.not_in(list(days)), due_on <= by(default)),
    )


async def risk_figures(
    session: Any, scope: Scope, where: list[Any], today: date, risk_limit: int
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """The projects with an approved baseline (under `where`) counted by risk, and the `risk_limit` riskiest
    whose content the caller may see. Rated in the database (queries/risk.py): the counts by risk and the
    riskiest few come back, not the rows."""
    ratings = risk_sql.rated(
        [*where, col(PortfolioProject.stage).not_in([Stage.REJECTED.value, Stage.RETIRED.value])],
        today,
        session.get_bind().dialect.name,
    )
    risk = {"low": 0, "medium": 0, "high": 0} | {
        domain.RISK_LEVELS[level]: n
        for level, n in (
            await session.execute(sa.select(ratings.c.level, sa.func.count()).group_by(ratings.c.level))
        ).all()
    }
    content = [sa.true()] if scope.cleared else [sa.not_(ratings.c.secret)]
    if not scope.cleared and scope.unit is not None:
        content = [sa.or_(sa.not_(ratings.c.secret), ratings.c.unit == scope.unit)]
    riskiest = (await session.execute(risk_sql.riskiest(ratings, content, risk_limit))).all()
    risk_projects = []
    for p in riskiest:
        r = risk_sql.variance_of(p)
        risk_projects.append(
            {
                "project_id": p.project_id,
                "title": None if p.secret else p.title,
                "unit": p.unit,
                "jurisdiction": p.jurisdiction,
                "stage": p.stage,
                "approved_investment_fen": p.approved_investment_fen,
                "cost_variance_pct": r.cost_variance_pct,
                "schedule_variance_pct": r.schedule_variance_pct,
                "schedule_slip_days": r.schedule_slip_days,
                "overdue_deadlines": p.overdue,
                "risk": r.risk,
                "risk_label_zh": r.risk_label_zh,
            }
        )
    return risk, risk_projects


async def cockpit(
    uow: UnitOfWork, principal: Principal, *, jurisdiction: str | None, year: int | None, risk_limit: int
) -> dict[str, Any]:
    scope = scope_of(principal)
    today = clock.today()
    where = [visible(scope), col(PortfolioProject.stage) != Stage.DRAFT]
    if jurisdiction:
        where.append(col(PortfolioProject.jurisdiction) == jurisdiction)
    if year is not None:
        where.append(col(PortfolioProject.plan_year) == year)
    session = uow.session
    amount = sa.func.coalesce(sa.func.sum(PortfolioProject.total_investment_fen), 0)

    async def buckets(
        column: sa.SQLColumnExpression[Any], labels: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        rows = (
            await session.execute(
                sa.select(column, sa.func.count(), amount).where(*where).group_by(column).order_by(amount.desc())
            )
        ).all()
        return [
            {"key": str(key), "label_zh": labels.get(key) if labels else None, "count": n, "investment_fen": int(s)}
            for key, n, s in rows
        ]

    by_stage = await buckets(col(PortfolioProject.stage), {s.value: label for s, label in STAGE_LABEL_ZH.items()})
    by_unit = await buckets(col(PortfolioProject.unit))
    if len(by_unit) > BY_UNIT_CAP:
        rest = by_unit[BY_UNIT_CAP:]
        by_unit = [
            *by_unit[:BY_UNIT_CAP],
            {
                "key": "其他",
                "label_zh": "其他",
                "count": sum(b["count"] for b in rest),
                "investment_fen": sum(b["investment_fen"] for b in rest),
            },
        ]
    by_jurisdiction = await buckets(col(PortfolioProject.jurisdiction))
    by_year = sorted(await buckets(col(PortfolioProject.plan_year)), key=lambda b: b["key"])
    sums = (
        await session.execute(
            sa.select(*[sa.func.coalesce(sa.func.sum(getattr(PortfolioProject, c)), 0) for _, _, c in FUNNEL]).where(
                *where
            )
        )
    ).one()
    funnel = [
        {"step": step, "label_zh": label, "amount_fen": int(v)}
        for (step, label, _), v in zip(FUNNEL, sums, strict=True)
    ]

    colour = sa.case(
        (sa.or_(col(PortfolioDeadline.status) == "overdue", col(PortfolioDeadline.due_on) < today), "red"),
        (_amber(today), "amber"),
        else_="green",
    )
    deadline_rows = (
        await session.execute(
            sa.select(colour, sa.func.count())
            .join(PortfolioProject, col(PortfolioProject.project_id) == col(PortfolioDeadline.project_id))
            .where(col(PortfolioDeadline.status).in_(LIVE_DEADLINE), *where)
            .group_by(colour)
        )
    ).all()
    deadlines = {"red": 0, "amber": 0, "green": 0} | {c: n for c, n in deadline_rows}

    risk, risk_projects = await risk_figures(session, scope, where, today, risk_limit)

    # catalog's own: systems by state and zombies, evaluations, active sanctions
    system_where: list[sa.ColumnElement[bool]] = []
    if jurisdiction:
        system_where.append(col(System.jurisdiction) == jurisdiction)
    if not scope.everything:
        system_where.append(col(System.unit) == (scope.unit or ""))
    systems = {
        state: n
        for state, n in (
            await session.execute(
                sa.select(col(System.state), sa.func.count()).where(*system_where).group_by(col(System.state))
            )
        ).all()
    }
    systems["zombie"] = (
        await session.scalar(
            sa.select(sa.func.count()).select_from(System).where(*system_where, col(System.zombie_since).is_not(None))
        )
    ) or 0
    evaluation_where: list[sa.ColumnElement[bool]] = [col(Evaluation.passed).is_not(None)]
    sanction_where: list[sa.ColumnElement[bool]] = [col(Sanction.cleared_on).is_(None)]
    if jurisdiction:
        evaluation_where.append(col(Evaluation.jurisdiction) == jurisdiction)
        sanction_where.append(col(Sanction.jurisdiction) == jurisdiction)
    if not scope.everything:
        evaluation_where.append(col(Evaluation.unit) == (scope.unit or ""))
        sanction_where.append(col(Sanction.unit) == (scope.unit or ""))
    evaluations = {"passed": 0, "failed": 0} | {
        ("passed" if passed else "failed"): n
        for passed, n in (
            await session.execute(
                sa.select(col(Evaluation.passed), sa.func.count())
                .where(*evaluation_where)
                .group_by(col(Evaluation.passed))
            )
        ).all()
    }
    sanctions_active = (
        await session.scalar(sa.select(sa.func.count()).select_from(Sanction).where(*sanction_where))
    ) or 0

    return {
        "jurisdiction": jurisdiction,
        "year": year,
        "generated_at": clock.now(),
        "projects": sum(b["count"] for b in by_stage),
        "investment_fen": sum(b["investment_fen"] for b in by_stage),
        "by_stage": by_stage,
        "by_unit": by_unit,
        "by_jurisdiction": by_jurisdiction,
        "by_year": by_year,
        "funnel": funnel,
        "deadlines": deadlines,
        "risk": risk,
        "risk_projects": risk_projects,
        "systems": systems,
        "evaluations": evaluations,
        "sanctions_active": sanctions_active,
        "settings": domain.thresholds(jurisdiction, today),
    }


#: Cockpits being computed, by what they depend on (the caller's scope and the filters): a caller who asks
#: for one already in flight waits for that one instead of starting another. Fifty clients on a dashboard
#: cost one computation per distinct cockpit, not fifty; a request still sees data no older than the
#: computation it joined (it started at most one computation's time before the request).
_cockpits_in_flight: dict[tuple, asyncio.Task[dict[str, Any]]] = {}


async def shared_cockpit(
    runtime: Any, principal: Principal, *, jurisdiction: str | None, year: int | None, risk_limit: int
) -> dict[str, Any]:
    """`cockpit`, computed once for all the callers who ask for the same one at the same time, on a unit of
    work of its own (a caller who leaves does not end it for the others)."""
    key = (scope_of(principal), jurisdiction, year, risk_limit, clock.today())
    task = _cockpits_in_flight.get(key)
    if task is None:

        async def compute() -> dict[str, Any]:
            try:
                async with runtime.reading() as uow:
                    return await cockpit(uow, principal, jurisdiction=jurisdiction, year=year, risk_limit=risk_limit)
            finally:
                _cockpits_in_flight.pop(key, None)

        task = asyncio.create_task(compute(), name="portfolio-cockpit")
        _cockpits_in_flight[key] = task
    return await asyncio.shield(task)
