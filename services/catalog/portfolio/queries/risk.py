"""The cockpit's variance and risk (domain.variance) as SQL expressions: the database rates every project with
an approved baseline, counts them by risk and hands back only the riskiest few.

Every figure is integer arithmetic (tenths of a per cent, rounded half away from zero, as `domain.tenths`), so
SQLite and PostgreSQL give exactly what `domain.variance` gives; tests/unit/catalog/portfolio/
cockpit_reference.py compares the two on generated data, threshold boundaries included."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.portfolio import domain
from services.catalog.portfolio.tables import PortfolioDeadline, PortfolioProject

P = PortfolioProject


def _days(later: Any, earlier: Any, dialect: str) -> sa.ColumnElement[int]:
    """Whole days from `earlier` to `later` (dates): PostgreSQL subtracts dates; SQLite keeps them as ISO text."""
    if dialect == "sqlite":
        return sa.cast(sa.func.julianday(later) - sa.func.julianday(earlier), sa.Integer)
    return sa.type_coerce(later - earlier, sa.Integer)


def _tenths(numerator: Any, denominator: Any) -> sa.ColumnElement[int]:
    """`domain.tenths` in SQL: integer division of non-negative integers, then the sign."""
    top, bottom = sa.func.abs(numerator, type_=sa.BigInteger), sa.func.abs(denominator, type_=sa.BigInteger)
    magnitude = (20 * top + bottom) // (2 * bottom)
    negative = sa.or_(sa.and_(numerator < 0, denominator > 0), sa.and_(numerator > 0, denominator < 0))
    return sa.case((negative, -magnitude), else_=magnitude)


def _greater(a: Any, b: Any) -> sa.ColumnElement[Any]:
    """The larger of two (GREATEST on PostgreSQL, max() on SQLite; a CASE is both)."""
    return sa.case((a >= b, a), else_=b)


def _threshold(name: str, today: date) -> sa.ColumnElement[int]:
    """The project's jurisdiction's setting (each pack's `settings:`), the default pack's for any other."""
    by_pack = {pid: domain.thresholds(pid, today)[name] for pid in domain.packs.ids()}
    default = domain.thresholds(day=today)[name]
    if set(by_pack.values()) <= {default}:
        return sa.literal(default, sa.Integer)
    return sa.case(*((col(P.jurisdiction) == pid, n) for pid, n in by_pack.items()), else_=default)


def _rating(pct_tenths: Any, amber: Any, red: Any) -> sa.ColumnElement[int]:
    """`domain.rating`: 以上 includes the threshold itself."""
    magnitude = sa.func.abs(pct_tenths, type_=sa.BigInteger)
    return sa.case((pct_tenths.is_(None), 0), (magnitude >= red * 10, 2), (magnitude >= amber * 10, 1), else_=0)


def overdue_counts(today: date) -> sa.Subquery:
    """Each project's overdue deadlines: announced overdue, or open with its day passed."""
    return (
        sa.select(col(PortfolioDeadline.project_id).label("project_id"), sa.func.count().label("overdue"))
        .where(
            sa.or_(
                col(PortfolioDeadline.status) == "overdue",
                sa.and_(col(PortfolioDeadline.status) == "open", col(PortfolioDeadline.due_on) < today),
            )
        )
        .group_by(col(PortfolioDeadline.project_id))
        .subquery("overdue_counts")
    )


def _stage(query: sa.Select, name: str) -> sa.CTE:
    """A step of the rating computed once per row: the planner must not fold it into the next step, where
    each of its columns is used several times (folded, the expressions nest and the work grows with each
    step). MATERIALIZED is PostgreSQL's and SQLite's (3.35+) word for that."""
    return query.cte(name).prefix_with("MATERIALIZED")


def rated(where: list[Any], today: date, dialect: str) -> sa.Subquery:
    """One row per project with an approved baseline (filtered by `where`) and what `domain.variance` says of
    it: `cost_tenths`, `schedule_tenths`, `slip_days`, `overdue` and `level` (0 low, 1 medium, 2 high); with
    `project_id`, `secret` and `unit`."""
    today_ = sa.literal(today, sa.Date)
    overdue = overdue_counts(today)
    estimate = sa.func.coalesce(col(P.estimate_fen), 0)
    planned, contracted = col(P.planned_completion), col(P.contracted_on)
    finished = sa.func.coalesce(col(P.trial_started_on), col(P.accepted_on))
    scheduled = sa.and_(planned.is_not(None), contracted.is_not(None))
    # late only once the plan's day has passed: still open before it, the slip is 0
    slip = sa.case(
        (sa.not_(scheduled), sa.null()),
        (finished.is_not(None), _days(finished, planned, dialect)),
        (planned >= today_, 0),
        else_=_days(today_, planned, dialect),
    )
    facts = _stage(
        sa.select(
            # only what the rating and the caller's view of content need: the steps are kept in memory, and
            # the riskiest page's titles are read afterwards by key (`riskiest`)
            col(P.project_id),
            col(P.secret),
            col(P.unit),
            col(P.approved_investment_fen),
            _greater(estimate, col(P.contracted_fen)).label("forecast_fen"),
            slip.label("slip_days"),
            _greater(_days(planned, contracted, dialect), 1).label("duration_days"),
            sa.func.coalesce(overdue.c.overdue, 0).label("overdue"),
            _threshold("variance_amber_pct", today).label("amber"),
            _threshold("variance_red_pct", today).label("red"),
        )
        .select_from(P)
        .outerjoin(overdue, overdue.c.project_id == col(P.project_id))
        .where(*where, col(P.approved_investment_fen).is_not(None)),
        "rating_facts",
    )
    baseline, forecast = facts.c.approved_investment_fen, facts.c.forecast_fen
    variances = _stage(
        sa.select(
            *(c for c in facts.c if c.name not in ("forecast_fen", "duration_days")),
            sa.case(
                (sa.and_(baseline != 0, forecast != 0), _tenths((forecast - baseline) * 100, baseline)),
                else_=sa.null(),
            ).label("cost_tenths"),
            sa.case(
                (facts.c.slip_days.is_(None), sa.null()),
                else_=_tenths(facts.c.slip_days * 100, facts.c.duration_days),
            ).label("schedule_tenths"),
        ),
        "rating_variances",
    )
    v = variances.c
    cost_rating = _rating(v.cost_tenths, v.amber, v.red)
    # finishing early is no schedule risk: only lateness rates
    lateness = sa.case((v.schedule_tenths.is_(None), sa.null()), (v.schedule_tenths > 0, v.schedule_tenths), else_=0)
    schedule_rating = _rating(lateness, v.amber, v.red)
    chased = sa.case((v.overdue >= 3, 2), (v.overdue >= 1, 1), else_=0)
    level = _greater(_greater(cost_rating, schedule_rating), chased)
    return sa.select(*(c for c in v if c.name not in ("amber", "red")), level.label("level")).subquery("rated")


def riskiest_order(ratings: sa.Subquery) -> list[Any]:
    """High first, then the larger of the two variances (either sign), then the project id."""
    cost = sa.func.abs(sa.func.coalesce(ratings.c.cost_tenths, 0), type_=sa.BigInteger)
    schedule = sa.func.abs(sa.func.coalesce(ratings.c.schedule_tenths, 0), type_=sa.BigInteger)
    return [ratings.c.level.desc(), _greater(cost, schedule).desc(), ratings.c.project_id]


def riskiest(ratings: sa.Subquery, content: list[Any], limit: int) -> sa.Select:
    """The `limit` riskiest projects whose content the caller may see, with what the cockpit lists of each:
    the page is cut from the ratings first, then joined to its projects by key."""
    page = sa.select(ratings).where(*content).order_by(*riskiest_order(ratings)).limit(limit).subquery("riskiest")
    return (
        sa.select(page, col(P.title), col(P.jurisdiction), col(P.stage))
        .join(P, col(P.project_id) == page.c.project_id)
        .order_by(*riskiest_order(page))
    )


def variance_of(row: Any) -> domain.Variance:
    """A `rated` row as the API shows it."""
    risk = domain.RISK_LEVELS[row.level]
    return domain.Variance(
        None if row.cost_tenths is None else row.cost_tenths / 10,
        None if row.schedule_tenths is None else row.schedule_tenths / 10,
        row.slip_days,
        risk,
        domain.RISK_LABEL_ZH[risk],
    )
