"""The cockpit (驾驶舱): funnel, money, risks and units at a glance, kept as a snapshot for a few seconds and
computed once for concurrent callers."""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import col

from services.catalog import metrics
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


#: Snapshots kept at most (one per scope and filters asked for): beyond it the oldest goes, so a province's
#: many units each opening their cockpit cannot grow the process.
SNAPSHOT_CAP = 256
Source = Literal["snapshot", "computed"]


@dataclass(frozen=True)
class Snapshot:
    figures: dict[str, Any]
    taken: float  # clock.monotonic() when the computation began: its figures are no older than that


@dataclass(frozen=True)
class ServedCockpit:
    """A cockpit with where it came from and how old it is (seconds since its computation began)."""

    figures: dict[str, Any]
    source: Source
    age_seconds: float
    max_age_seconds: float

    def headers(self) -> dict[str, str]:
        """HTTP caching (RFC 9111 §4.2.3): a cache takes `Age` from the freshness `max-age` gives, so the
        answer stays fresh `max-age − Age` more seconds, the snapshot's remaining life. Vary: one browser
        signed in as someone else must not reuse another reader's cockpit."""
        return {
            "cache-control": f"private, max-age={int(self.max_age_seconds)}",
            "age": str(int(self.age_seconds)),
            "vary": "Authorization",
        }


class CockpitSnapshots:
    """One service's cockpits: those being computed (callers asking for one in flight wait for it instead of
    starting another: fifty clients cost one computation per distinct cockpit) and those computed less than
    `max_age` seconds ago, served as they are. The key holds all the figures depend on: the caller's scope
    (unit or everything, cleared or not), the filters and the China day; a snapshot never reaches a caller of
    another scope."""

    def __init__(self, cap: int = SNAPSHOT_CAP) -> None:
        self.cap = cap
        self.in_flight: dict[tuple[Any, ...], asyncio.Task[Snapshot]] = {}
        self.kept: OrderedDict[tuple[Any, ...], Snapshot] = OrderedDict()

    def fresh(self, key: tuple[Any, ...], max_age: float, now: float) -> Snapshot | None:
        snapshot = self.kept.get(key)
        if snapshot is None:
            return None
        if 0 <= now - snapshot.taken < max_age:
            return snapshot
        del self.kept[key]  # stale, or from before the clock was moved back
        return None

    def keep(self, key: tuple[Any, ...], snapshot: Snapshot, max_age: float) -> None:
        if max_age <= 0:
            self.kept.clear()
            return
        self.kept[key] = snapshot
        self.kept.move_to_end(key)
        now = clock.monotonic()
        while self.kept:  # the stale ones first (the oldest kept come first), then the oldest beyond the cap
            oldest_key, oldest = next(iter(self.kept.items()))
            if len(self.kept) <= self.cap and 0 <= now - oldest.taken < max_age:
                break
            del self.kept[oldest_key]


#: Per service runtime (its own database): tests and embedded runs with several never see each other's.
_snapshots: weakref.WeakKeyDictionary[Any, CockpitSnapshots] = weakref.WeakKeyDictionary()


def snapshots_of(runtime: Any) -> CockpitSnapshots:
    found = _snapshots.get(runtime)
    if found is None:
        found = _snapshots[runtime] = CockpitSnapshots()
    return found


async def shared_cockpit(
    runtime: Any, principal: Principal, *, jurisdiction: str | None, year: int | None, risk_limit: int
) -> ServedCockpit:
    """`cockpit` as a snapshot younger than the setting `cockpit_max_age_seconds` (0: computed for every
    request), else computed once for all the callers who ask for the same one at the same time, on a unit of
    work of its own (a caller who leaves does not end it for the others). `generated_at` in the figures stays
    the time they were computed."""
    max_age = float(runtime.settings.cockpit_max_age_seconds)
    snapshots = snapshots_of(runtime)
    key = (scope_of(principal), jurisdiction, year, risk_limit, clock.today())
    now = clock.monotonic()
    kept = snapshots.fresh(key, max_age, now)
    if kept is not None:
        metrics.COCKPIT_ANSWERS.labels("snapshot").inc()
        return ServedCockpit(kept.figures, "snapshot", now - kept.taken, max_age)
    task = snapshots.in_flight.get(key)
    if task is None:

        async def compute() -> Snapshot:
            try:
                taken = clock.monotonic()
                async with runtime.reading() as uow:
                    figures = await cockpit(uow, principal, jurisdiction=jurisdiction, year=year, risk_limit=risk_limit)
                snapshot = Snapshot(figures, taken)
                snapshots.keep(key, snapshot, max_age)
                return snapshot
            finally:
                snapshots.in_flight.pop(key, None)

        task = asyncio.create_task(compute(), name="portfolio-cockpit")
        snapshots.in_flight[key] = task
    computed = await asyncio.shield(task)
    metrics.COCKPIT_ANSWERS.labels("computed").inc()
    return ServedCockpit(computed.figures, "computed", max(0.0, clock.monotonic() - computed.taken), max_age)
