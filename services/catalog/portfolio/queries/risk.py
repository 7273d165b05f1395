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


def rated(where: list[Any], today: date, dialect: str) -> sa.Subquery:
    """One row per project with an approved baseline (filtered by `where`) and what `domain.variance` says of
    it: `cost_tenths`, `schedule_tenths`, `slip_days`, `overdue` and `level` (0 low, 1 medium, 2 high)."""
    today_ = sa.literal(today, sa.Date)
    overdue = overdue_counts(today)
    estimate = sa.func.coalesce(col(P.estimate_fen), 0)
    forecast = _greater(estimate, col(P.contracted_fen))
    baseline = col(P.approved_investment_fen)
    cost = sa.case(
        (sa.and_(baseline != 0, forecast != 0), _tenths((forecast - baseline) * 100, baseline)), else_=sa.null()
    )
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
    duration = _greater(_days(planned, contracted, dialect), 1)
    inner = (
        sa.select(
            col(P.project_id),
            col(P.title),
            col(P.secret),
            col(P.unit),
            col(P.jurisdiction),
            col(P.stage),
            col(P.approved_investment_fen),
            cost.label("cost_tenths"),
            slip.label("slip_days"),
            duration.label("duration_days"),
            sa.func.coalesce(overdue.c.overdue, 0).label("overdue"),
            _threshold("variance_amber_pct", today).label("amber"),
            _threshold("variance_red_pct", today).label("red"),
        )
        .select_from(P)
        .outerjoin(overdue, overdue.c.project_id == col(P.project_id))
        .where(*where, baseline.is_not(None))
        .subquery("baselined")
    )
    schedule = sa.case(
        (inner.c.slip_days.is_(None), sa.null()), else_=_tenths(inner.c.slip_days * 100, inner.c.duration_days)
    )
    scored = sa.select(
        *(c for c in inner.c if c.name not in ("duration_days", "amber", "red")),
        schedule.label("schedule_tenths"),
        _rating(inner.c.cost_tenths, inner.c.amber, inner.c.red).label("cost_rating"),
        # finishing early is no schedule risk: only lateness rates
        _rating(
            sa.case((schedule.is_(None), sa.null()), else_=_greater(schedule, 0)), inner.c.amber, inner.c.red
        ).label("schedule_rating"),
    ).subquery("scored")
    chased = sa.case((scored.c.overdue >= 3, 2), (scored.c.overdue >= 1, 1), else_=0)
    level = _greater(_greater(scored.c.cost_rating, scored.c.schedule_rating), chased)
    return sa.select(
        *(c for c in scored.c if c.name not in ("cost_rating", "schedule_rating")), level.label("level")
    ).subquery("rated")


def riskiest_order(ratings: sa.Subquery) -> list[Any]:
    """High first, then the larger of the two variances (either sign), then the project id."""
    cost = sa.func.abs(sa.func.coalesce(ratings.c.cost_tenths, 0), type_=sa.BigInteger)
    schedule = sa.func.abs(sa.func.coalesce(ratings.c.schedule_tenths, 0), type_=sa.BigInteger)
    return [ratings.c.level.desc(), _greater(cost, schedule).desc(), ratings.c.project_id]


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
