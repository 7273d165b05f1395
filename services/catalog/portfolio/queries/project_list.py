"""The project list, its totals and a project's dossier, with the schedule rating shared by the cockpit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel import col

from services.catalog.portfolio import domain
from services.catalog.portfolio.domain import STAGE_LABEL_ZH, Stage
from services.catalog.portfolio.queries.todo_list import _todo_row
from services.catalog.portfolio.queries.visibility import (
    Scope,
    _escape_like,
    _overdue,
    content_visible,
    project_scope,
    scope_of,
    visible,
)
from services.catalog.portfolio.tables import (
    PortfolioDeadline,
    PortfolioProject,
    PortfolioTodo,
)
from shared import clock
from shared.auth import Principal, Role
from shared.uow import UnitOfWork

# --- the project list -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectFilter:
    q: str | None = None
    jurisdiction: str | None = None
    unit: str | None = None
    stage: Stage | None = None
    year: int | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    overdue: bool | None = None
    sort: str = "created"
    descending: bool = True

    @property
    def touches_content(self) -> bool:
        """Filtering or sorting on amounts would reveal something of a secret project."""
        return self.amount_min is not None or self.amount_max is not None or self.sort == "amount"


SORTS = ("created", "amount", "due", "title")


def project_query(scope: Scope, chosen: ProjectFilter, today: date) -> sa.Select[Any]:
    query = sa.select(PortfolioProject).where(visible(scope), col(PortfolioProject.stage) != Stage.DRAFT)
    if chosen.q:
        query = query.where(col(PortfolioProject.title).ilike(f"%{_escape_like(chosen.q)}%", escape="\\"))
    if chosen.jurisdiction:
        query = query.where(col(PortfolioProject.jurisdiction) == chosen.jurisdiction)
    if chosen.unit:
        query = query.where(col(PortfolioProject.unit).ilike(f"%{_escape_like(chosen.unit)}%", escape="\\"))
    if chosen.stage:
        query = query.where(col(PortfolioProject.stage) == chosen.stage.value)
    if chosen.year is not None:
        query = query.where(col(PortfolioProject.plan_year) == chosen.year)
    if chosen.amount_min is not None:
        query = query.where(col(PortfolioProject.total_investment_fen) >= chosen.amount_min)
    if chosen.amount_max is not None:
        query = query.where(col(PortfolioProject.total_investment_fen) <= chosen.amount_max)
    if chosen.overdue is not None:
        query = query.where(_overdue(today) if chosen.overdue else sa.not_(_overdue(today)))
    if chosen.touches_content:
        query = query.where(content_visible(scope))
    return query


def _order(query: sa.Select[Any], chosen: ProjectFilter) -> sa.Select[Any]:
    column: Mapped[Any] = {
        "created": col(PortfolioProject.created_at),
        "amount": col(PortfolioProject.total_investment_fen),
        "due": col(PortfolioProject.next_due_on),
        "title": col(PortfolioProject.title),
    }[chosen.sort]
    # created_at is never null: ordering it without NULLS LAST lets the (…, created_at, project_id) indexes
    # serve the order (read backwards for newest first) instead of sorting every matching row
    if chosen.sort == "created":
        if chosen.descending:
            return query.order_by(column.desc(), col(PortfolioProject.project_id).desc())
        return query.order_by(column.asc(), col(PortfolioProject.project_id))
    if chosen.descending:
        return query.order_by(column.desc().nulls_last(), col(PortfolioProject.project_id).desc())
    return query.order_by(column.asc().nulls_last(), col(PortfolioProject.project_id))


def money_of(project: PortfolioProject, scope: Scope) -> dict[str, Any]:
    if not scope.sees_content(project):
        return {}
    return {
        "total_investment_fen": project.total_investment_fen,
        "approved_investment_fen": project.approved_investment_fen,
        "estimate_fen": project.estimate_fen,
        "contracted_fen": project.contracted_fen,
        "released_fen": project.released_fen,
        # Budget releases funds against a contract (拨付 to the supplier) and publishes no separate
        # payment event, so what is paid is what was released.
        "paid_fen": project.released_fen,
    }


def project_row(project: PortfolioProject, scope: Scope, today: date) -> dict[str, Any]:
    return {
        "project_id": project.project_id,
        "title": None if project.secret else project.title,
        "unit": project.unit,
        "jurisdiction": project.jurisdiction,
        "secret": project.secret,
        "stage": project.stage,
        "stage_label_zh": STAGE_LABEL_ZH[Stage(project.stage)],
        "plan_year": project.plan_year,
        "money": money_of(project, scope),
        "next_due_on": project.next_due_on,
        "overdue": project.next_due_on is not None and project.next_due_on < today,
        "submitted_on": project.submitted_on,
        "approved_on": project.approved_on,
        "created_at": project.created_at,
    }


async def projects(
    uow: UnitOfWork, principal: Principal, chosen: ProjectFilter, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int, int]:
    """A page of the list, the rows of the whole query and their total investment (fen)."""
    scope = scope_of(principal)
    today = clock.today()
    query = project_query(scope, chosen, today)
    total, invested = await totals(uow, scope, query)
    rows = await uow.session.scalars(_order(query, chosen).offset(offset).limit(limit))
    return [project_row(p, scope, today) for p in rows], total, invested


async def totals(uow: UnitOfWork, scope: Scope, query: sa.Select[Any]) -> tuple[int, int]:
    """Rows of the whole query and their total investment (fen), in one pass over the same filter. A secret
    project's amount is summed only for a reader who may see it (the count includes it either way)."""
    amount = sa.case((content_visible(scope), PortfolioProject.total_investment_fen), else_=None)
    count, invested = (
        await uow.session.execute(
            query.with_only_columns(
                sa.func.count(), sa.func.coalesce(sa.func.sum(amount), 0), maintain_column_froms=True
            )
        )
    ).one()
    return int(count or 0), int(invested or 0)


async def project_detail(uow: UnitOfWork, principal: Principal, project_id: str) -> dict[str, Any] | None:
    scope = scope_of(principal)
    today = clock.today()
    await project_scope.ensure(uow, principal, project_id, content=False, what="portfolio dossier")
    project = await uow.session.scalar(
        sa.select(PortfolioProject).where(
            col(PortfolioProject.project_id) == project_id, visible(scope), col(PortfolioProject.stage) != Stage.DRAFT
        )
    )
    if project is None:
        return None
    deadlines = list(
        await uow.session.scalars(
            sa.select(PortfolioDeadline)
            .where(col(PortfolioDeadline.project_id) == project_id)
            .order_by(col(PortfolioDeadline.due_on), col(PortfolioDeadline.id))
        )
    )
    open_todos = list(
        await uow.session.scalars(
            sa.select(PortfolioTodo)
            .where(
                col(PortfolioTodo.project_id) == project_id,
                col(PortfolioTodo.status) == "open",
                # who was drawn stays out of the unit's sight (the draw is confidential until the review)
                sa.true() if scope.everything else col(PortfolioTodo.role) != Role.EXPERT.value,
            )
            .order_by(col(PortfolioTodo.since), col(PortfolioTodo.id))
        )
    )
    overdue_count = sum(1 for d in deadlines if d.status == "overdue" or (d.status == "open" and d.due_on < today))
    rated = rate(project, overdue_count, today) if scope.sees_content(project) else None
    amber_days = domain.thresholds(project.jurisdiction, today)["deadline_amber_days"]
    return {
        **project_row(project, scope, today),
        "dates": {name: getattr(project, name) for name in DATE_FIELDS},
        "deadlines": [
            {
                "service": d.service,
                "rule_id": d.rule_id,
                "citation": d.citation,
                "description": d.description,
                "due_on": d.due_on,
                "status": d.status,
                "colour": None if d.status == "met" else domain.deadline_colour(d.due_on, d.status, today, amber_days),
                "role": d.role,
            }
            for d in deadlines
        ],
        "todos": [_todo_row(t, project, today) for t in open_todos],
        "variance": rated.__dict__ if rated else None,
    }


DATE_FIELDS = (
    "submitted_on",
    "admitted_on",
    "approved_on",
    "estimate_approved_on",
    "contracted_on",
    "planned_completion",
    "trial_started_on",
    "accepted_on",
    "registered_on",
    "retired_on",
    "rejected_on",
)


def rate(project: Any, overdue_deadlines: int, today: date, settings: dict[str, int] | None = None) -> domain.Variance:
    """`project`: a PortfolioProject or a row of RATED_COLUMNS; `settings`: its jurisdiction's thresholds
    (looked up from its pack when not given)."""
    return domain.variance(
        baseline_fen=project.approved_investment_fen,
        estimate_fen=project.estimate_fen,
        contracted_fen=project.contracted_fen,
        contracted_on=project.contracted_on,
        planned_completion=project.planned_completion,
        finished_on=project.trial_started_on or project.accepted_on,
        overdue_deadlines=overdue_deadlines,
        today=today,
        settings=settings if settings is not None else domain.thresholds(project.jurisdiction, today),
    )
