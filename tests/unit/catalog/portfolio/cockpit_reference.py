"""The cockpit's risk figures as they were computed before they moved into SQL (every project with an approved
baseline read back and rated by `domain.variance` in Python), generated portfolios that sit on the thresholds'
boundaries, and the comparison the SQLite and PostgreSQL tests both make."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.portfolio import domain
from services.catalog.portfolio.domain import Stage
from services.catalog.portfolio.queries import RATED_COLUMNS, dashboard, rate
from services.catalog.portfolio.queries.visibility import scope_of, visible
from services.catalog.portfolio.tables import PortfolioDeadline, PortfolioProject
from shared.auth import Principal, Role

JURISDICTIONS = ("dazhou", "quzhou", "jiyuan", "fengxian", "suqian")
UNITS = ("教育局", "卫健委")
LIVE = [s.value for s in Stage if s not in (Stage.DRAFT,)]


async def old_risk(uow, principal: Principal, *, jurisdiction: str | None, year: int | None, risk_limit: int, today):
    """The cockpit's `risk` and `risk_projects` as the per-project Python loop computed them."""
    scope = scope_of(principal)
    where = [visible(scope), PortfolioProject.stage != Stage.DRAFT]
    if jurisdiction:
        where.append(PortfolioProject.jurisdiction == jurisdiction)
    if year is not None:
        where.append(PortfolioProject.plan_year == year)
    session = uow.session
    overdue_counts: dict[str, int] = defaultdict(int)
    for project_id, n in (
        await session.execute(
            sa.select(col(PortfolioDeadline.project_id), sa.func.count())
            .join(PortfolioProject, col(PortfolioProject.project_id) == col(PortfolioDeadline.project_id))
            .where(
                *where,
                sa.or_(
                    col(PortfolioDeadline.status) == "overdue",
                    sa.and_(col(PortfolioDeadline.status) == "open", col(PortfolioDeadline.due_on) < today),
                ),
            )
            .group_by(col(PortfolioDeadline.project_id))
        )
    ).all():
        overdue_counts[project_id] = n
    risk = {"low": 0, "medium": 0, "high": 0}
    rated_rows = []
    baseline = (
        await session.execute(
            sa.select(*RATED_COLUMNS).where(
                *where,
                col(PortfolioProject.approved_investment_fen).is_not(None),
                col(PortfolioProject.stage).not_in([Stage.REJECTED.value, Stage.RETIRED.value]),
            )
        )
    ).all()
    for project in baseline:
        rated = rate(
            project, overdue_counts.get(project.project_id, 0), today, domain.thresholds(project.jurisdiction, today)
        )
        risk[rated.risk] += 1
        if scope.sees_content(project):
            rated_rows.append((project, rated))
    order = {"high": 0, "medium": 1, "low": 2}
    rated_rows.sort(
        key=lambda pr: (
            order[pr[1].risk],
            -max(abs(pr[1].cost_variance_pct or 0), abs(pr[1].schedule_variance_pct or 0)),
            pr[0].project_id,
        )
    )
    risk_projects = [
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
            "overdue_deadlines": overdue_counts.get(p.project_id, 0),
            "risk": r.risk,
            "risk_label_zh": r.risk_label_zh,
        }
        for p, r in rated_rows[:risk_limit]
    ]
    return risk, risk_projects


def _project(n: int, jurisdiction: str, today: date, **values: Any) -> PortfolioProject:
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
    base: dict[str, Any] = {
        "project_id": f"R-{jurisdiction}-{n:05d}",
        "unit": f"{jurisdiction}{UNITS[n % 2]}",
        "jurisdiction": jurisdiction,
        "secret": n % 7 == 0,
        "title": f"项目{n}",
        "plan_year": 2024 + n % 3,
        "stage": Stage.CONTRACTED.value,
        "stage_at": at,
        "created_at": at,
        "updated_at": at,
    }
    return PortfolioProject(**(base | values))


def generate(
    today: date, *, seed: int = 21, random_count: int = 200
) -> tuple[list[PortfolioProject], list[PortfolioDeadline]]:
    """Projects on each jurisdiction's thresholds (its pack's `settings:`): a cost or schedule variance equal
    to a threshold (以上 includes it), a tenth of a per cent below it (以下 excludes it), exactly half a tenth
    below it (shown rounded up to the threshold), either sign, finished early or late, 0–3 overdue deadlines;
    and `random_count` more drawn around the thresholds."""
    rng = random.Random(seed)
    projects: list[PortfolioProject] = []
    deadlines: list[PortfolioDeadline] = []
    n = 0

    def add(jurisdiction: str, **values: Any) -> PortfolioProject:
        nonlocal n
        n += 1
        project = _project(n, jurisdiction, today, **values)
        projects.append(project)
        return project

    def deadline(project: PortfolioProject, status: str, due_on: date) -> None:
        deadlines.append(
            PortfolioDeadline(
                project_id=project.project_id,
                service="budget",
                rule_id=f"rule.{len(deadlines)}",
                due_on=due_on,
                status=status,
                role=str(Role.UNIT),
            )
        )

    for jurisdiction in JURISDICTIONS:
        settings = domain.thresholds(jurisdiction, today)
        for threshold in (settings["variance_amber_pct"], settings["variance_red_pct"]):
            # cost: baseline 2,000 fen, so 20 fen are 1 %, and 1 fen is 0.05 % (half a tenth)
            for diff in (20 * threshold, 20 * threshold - 1, 20 * threshold - 2, 20 * threshold + 1):
                for sign in (1, -1):
                    add(jurisdiction, approved_investment_fen=2000, estimate_fen=2000 + sign * diff)
                    add(
                        jurisdiction, approved_investment_fen=2000, estimate_fen=None, contracted_fen=2000 + sign * diff
                    )
            # schedule: 2,000 planned days, so 20 days late are 1 %, and 1 day is 0.05 %
            for slip in (20 * threshold, 20 * threshold - 1, 20 * threshold - 2, 20 * threshold + 1):
                planned = today - timedelta(days=slip)
                add(
                    jurisdiction,
                    approved_investment_fen=2000,
                    estimate_fen=2000,
                    contracted_on=planned - timedelta(days=2000),
                    planned_completion=planned,
                )  # still open, late by `slip` days
                add(
                    jurisdiction,
                    approved_investment_fen=2000,
                    estimate_fen=2000,
                    contracted_on=planned - timedelta(days=2000 + slip),
                    planned_completion=planned - timedelta(days=slip),
                    accepted_on=planned,
                    stage=Stage.ACCEPTED.value,
                )  # finished late by `slip` days
                add(
                    jurisdiction,
                    approved_investment_fen=2000,
                    estimate_fen=2000,
                    contracted_on=today - timedelta(days=4000),
                    planned_completion=today - timedelta(days=2000),
                    trial_started_on=today - timedelta(days=2000 + slip),
                    stage=Stage.TRIAL_RUN.value,
                )  # finished early by `slip` days: no schedule risk, but it orders by its size
        for overdue in range(4):
            project = add(jurisdiction, approved_investment_fen=1000, estimate_fen=1000)
            for k in range(overdue):
                deadline(project, "overdue" if k % 2 else "open", today - timedelta(days=1 + k))
            deadline(project, "open", today)  # due today: not overdue
            deadline(project, "met", today - timedelta(days=30))
        # edges: no baseline, a zero baseline, nothing forecast, plan ending today, a plan shorter than a day
        add(jurisdiction)
        add(jurisdiction, approved_investment_fen=0, estimate_fen=500)
        add(jurisdiction, approved_investment_fen=1000, estimate_fen=None, contracted_fen=0)
        add(
            jurisdiction,
            approved_investment_fen=1000,
            contracted_on=today - timedelta(days=10),
            planned_completion=today,
        )
        add(
            jurisdiction,
            approved_investment_fen=1000,
            contracted_on=today - timedelta(days=3),
            planned_completion=today - timedelta(days=5),
        )
        add(jurisdiction, approved_investment_fen=1000, estimate_fen=9000, stage=Stage.REJECTED.value)
        add(jurisdiction, approved_investment_fen=1000, estimate_fen=9000, stage=Stage.RETIRED.value)
        add(jurisdiction, approved_investment_fen=1000, estimate_fen=9000, stage=Stage.DRAFT.value)
    for _ in range(random_count):
        jurisdiction = rng.choice(JURISDICTIONS)
        baseline = rng.choice([1000, 2000, 3000, 7777, 150_0000_00])
        contracted_on = today - timedelta(days=rng.randint(10, 1500))
        planned = contracted_on + timedelta(days=rng.randint(0, 900))
        finished = rng.choice([None, None, planned + timedelta(days=rng.randint(-60, 200))])
        project = add(
            jurisdiction,
            stage=rng.choice(LIVE),
            approved_investment_fen=baseline,
            estimate_fen=rng.choice([None, baseline * rng.randint(70, 140) // 100]),
            contracted_fen=rng.choice([0, baseline * rng.randint(80, 135) // 100]),
            contracted_on=rng.choice([None, contracted_on]),
            planned_completion=rng.choice([None, planned, planned]),
            accepted_on=finished,
        )
        for _ in range(rng.choice([0, 0, 0, 1, 2, 3, 4])):
            deadline(project, rng.choice(["open", "overdue", "met"]), today + timedelta(days=rng.randint(-20, 20)))
    return projects, deadlines


PRINCIPALS = {
    "bureau, cleared": Principal(subject="bureau", roles=frozenset({Role.DATA_BUREAU}), cleared=True),
    "bureau": Principal(subject="bureau2", roles=frozenset({Role.DATA_BUREAU})),
    "unit": Principal(subject="unit", roles=frozenset({Role.UNIT}), unit="dazhou教育局"),
}
FILTERS = [(None, None), ("dazhou", None), ("quzhou", 2025)]


async def load(runtime, today: date, **kw: Any) -> int:
    projects, deadlines = generate(today, **kw)
    async with runtime.unit_of_work() as uow:
        uow.session.add_all(projects)
        uow.session.add_all(deadlines)
    return len(projects)


async def compare(runtime, today: date) -> int:
    """The cockpit's risk counts and riskiest projects against the old computation, for each principal and
    filter; the riskiest list in full (a large limit) and cut short. Returns how many projects were rated."""
    rated = 0
    for name, principal in PRINCIPALS.items():
        for jurisdiction, year in FILTERS:
            for limit in (10, 10_000):
                async with runtime.reading() as uow:
                    old = await old_risk(
                        uow, principal, jurisdiction=jurisdiction, year=year, risk_limit=limit, today=today
                    )
                async with runtime.reading() as uow:
                    new = await dashboard.cockpit(
                        uow, principal, jurisdiction=jurisdiction, year=year, risk_limit=limit
                    )
                context = (name, jurisdiction, year, limit)
                assert new["risk"] == old[0], context
                assert new["risk_projects"] == old[1], context
                rated = max(rated, sum(old[0].values()))
    return rated
