"""Who may see which portfolio rows: the caller's scope and the filters it puts on every read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.portfolio.domain import Stage
from services.catalog.portfolio.tables import PortfolioProject
from shared.auth import Principal, Role
from shared.scope import Owner, ProjectScope
from shared.uow import UnitOfWork

#: to-dos, from `review.experts.drawn`, are addressed to their sign-in: `_expert_mine`).
UNIT_ROLES = {Role.UNIT}
BLIND_ROLES = {Role.EXPERT, Role.DATA_OPERATOR}
LIVE_DEADLINE = ("open", "overdue")


@dataclass(frozen=True)
class Scope:
    """What a caller may read: everything, one unit, or nothing; and whether secret content (amounts of
    a secret project that is not their unit's) is theirs to see."""

    everything: bool
    unit: str | None
    cleared: bool

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.unit

    def sees_content(self, project: Any) -> bool:
        """`project`: a PortfolioProject, or a row of its columns with `secret` and `unit`."""
        return not project.secret or self.cleared or (self.unit is not None and project.unit == self.unit)


async def owner_of(uow: UnitOfWork, project_id: str) -> Owner | None:
    """The portfolio's project as the shared read rule sees it (drafts are not projects here)."""
    row = await uow.session.get(PortfolioProject, project_id)
    if row is None or row.stage == Stage.DRAFT:
        return None
    return Owner(row.unit, row.secret)


#: The shared read rule (shared/scope.py) for the dossier route: 404 for another unit's project, 403 for
#: experts (no event says which projects they were drawn for), each secret project's read audited.
project_scope = ProjectScope.of("catalog", owner_of)


def scope_of(principal: Principal) -> Scope:
    if principal.roles - UNIT_ROLES - BLIND_ROLES:
        return Scope(True, principal.unit, principal.cleared)
    if principal.has(Role.UNIT) and principal.unit:
        return Scope(False, principal.unit, principal.cleared)
    return Scope(False, None, False)


def visible(scope: Scope) -> sa.ColumnElement[bool]:
    if scope.everything:
        return sa.true()
    if scope.unit:
        return col(PortfolioProject.unit) == scope.unit
    return sa.false()


def content_visible(scope: Scope) -> sa.ColumnElement[bool]:
    """Rows whose content (amounts) the caller may filter and sort on."""
    if scope.cleared:
        return sa.true()
    return sa.or_(col(PortfolioProject.secret).is_(False), col(PortfolioProject.unit) == (scope.unit or ""))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _overdue(today: date) -> sa.ColumnElement[bool]:
    """Overdue: a live deadline's day has passed (the earliest one is kept on the row)."""
    return sa.and_(col(PortfolioProject.next_due_on).is_not(None), col(PortfolioProject.next_due_on) < today)
