"""The to-do list (待办): what waits on the caller's roles, or on the expert's own sign-in."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.portfolio import domain
from services.catalog.portfolio.domain import STAGE_LABEL_ZH, Stage
from services.catalog.portfolio.queries.visibility import BLIND_ROLES, scope_of, visible
from services.catalog.portfolio.tables import (
    PortfolioProject,
    PortfolioTodo,
)
from shared import clock
from shared.auth import Principal, Role
from shared.uow import UnitOfWork

# --- to-dos -------------------------------------------------------------------------------------------------


def _mine(principal: Principal, roles: list[str]) -> sa.ColumnElement[bool]:
    """Open to-dos for any of `roles`; the unit role's only for the caller's unit."""
    clauses = []
    for role in roles:
        if role == Role.EXPERT:
            continue  # each expert's to-dos are theirs alone (`_expert_mine`)
        if role == Role.UNIT:
            if principal.unit:
                clauses.append(sa.and_(col(PortfolioTodo.role) == role, col(PortfolioTodo.unit) == principal.unit))
        else:
            clauses.append(col(PortfolioTodo.role) == role)
    return sa.or_(*clauses) if clauses else sa.false()


def _expert_mine(principal: Principal, role: str | None) -> sa.ColumnElement[bool]:
    """A drawn expert's own to-dos, addressed by sign-in: the projects they review, whatever the scope
    (experts see no project list here, only what they were drawn for; a secret one without its title)."""
    if not principal.has(Role.EXPERT) or role not in (None, Role.EXPERT.value):
        return sa.false()
    return sa.and_(
        col(PortfolioTodo.role) == Role.EXPERT.value, col(PortfolioTodo.ref) == domain.expert_ref(principal.subject)
    )


def caller_roles(principal: Principal) -> list[str]:
    return sorted(r.value for r in principal.roles if r not in BLIND_ROLES)


def _todo_row(todo: PortfolioTodo, project: PortfolioProject, today: date) -> dict[str, Any]:
    return {
        "id": todo.id,
        "project_id": todo.project_id,
        "title": None if project.secret else project.title,
        "unit": project.unit,
        "jurisdiction": project.jurisdiction,
        "service": todo.service,
        "stage": project.stage,
        "stage_label_zh": STAGE_LABEL_ZH[Stage(project.stage)],
        "action": todo.action,
        "action_label_zh": todo.action_label_zh,
        "role": todo.role,
        "due_on": todo.due_on,
        "overdue": todo.due_on is not None and todo.due_on < today,
        "since": todo.since,
        "closed_at": todo.closed_at,
        "total_investment_fen": None if project.secret else project.total_investment_fen,
    }


async def todos(
    uow: UnitOfWork, principal: Principal, *, role: str | None, limit: int, offset: int, status: str = "open"
) -> dict[str, Any]:
    """待办 (`status="open"`: overdue first, then by due date) or 已办 (`"done"`: the most recently closed
    first) of the caller's roles; `counts` are always the open ones (the navigation's badges)."""
    today = clock.today()
    scope = scope_of(principal)
    roles = caller_roles(principal)
    if principal.has(Role.EXPERT):
        roles = sorted({*roles, Role.EXPERT.value})

    def addressed(wanted: list[str], expert_role: str | None) -> sa.ColumnElement[bool]:
        return sa.or_(sa.and_(visible(scope), _mine(principal, wanted)), _expert_mine(principal, expert_role))

    base = (
        sa.select(PortfolioTodo, PortfolioProject)
        .join(PortfolioProject, col(PortfolioProject.project_id) == col(PortfolioTodo.project_id))
        .where(col(PortfolioTodo.status) == status)
    )
    counting = sa.select(col(PortfolioTodo.role), sa.func.count())
    if not scope.everything:  # the scope filters on the project's unit; a bureau-wide caller needs no join
        counting = counting.join(PortfolioProject, col(PortfolioProject.project_id) == col(PortfolioTodo.project_id))
    counts = {
        r: n
        for r, n in (
            await uow.session.execute(
                counting.where(col(PortfolioTodo.status) == "open", addressed(caller_roles(principal), None)).group_by(
                    col(PortfolioTodo.role)
                )
            )
        ).all()
    }
    query = base.where(addressed([role] if role else caller_roles(principal), role))
    if role is None and status == "open":
        total: int | None = sum(counts.values())  # the same rows the badges counted: no second count
    else:
        total = await uow.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    ordered = (
        query.order_by(col(PortfolioTodo.closed_at).desc(), col(PortfolioTodo.id).desc())
        if status == "done"
        # Overdue first, then by due date, undated last: since every overdue date is before every other,
        # that is the due date ascending with NULLs last, the order of ix_portfolio_todos_open_role, so a
        # role's first page is read off the index instead of sorting all its open to-dos.
        else query.order_by(
            col(PortfolioTodo.due_on).asc().nulls_last(),
            col(PortfolioTodo.since),
            col(PortfolioTodo.id),
        )
    )
    rows = (await uow.session.execute(ordered.offset(offset).limit(limit))).all()
    return {
        "items": [_todo_row(todo, project, today) for todo, project in rows],
        "total": total or 0,
        "counts": {"by_role": {r: counts.get(r, 0) for r in roles}},
    }
