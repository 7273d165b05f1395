"""The project library's list query (项目库查询), in SQL end to end: filters, name search, both orders and
the page limit run in the database, never over every matching row in Python. The indexes that serve them
are in migrations 0006 (see docs/benchmarks.md, "Province scale, read side")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from services.intake import domain
from services.intake.tables import Application
from shared.auth import Principal, Role
from shared.scope import ProjectScope, only_expert

STATUSES = ("draft", "submitted", "admitted", "refused")


@dataclass(frozen=True)
class LibraryFilter:
    jurisdiction: str | None = None
    unit: str | None = None
    plan_year: int | None = None
    status: str | None = None
    stage: str | None = None
    category: str | None = None
    construction_type: str | None = None
    off_plan: bool | None = None
    priority_flag: str | None = None
    q: str | None = None
    min_investment_fen: int | None = None
    max_investment_fen: int | None = None

    @property
    def on_content(self) -> bool:
        """Filters on content, which must not reveal a secret project to readers who may not see its content."""
        return any(
            v is not None
            for v in (
                self.category,
                self.construction_type,
                self.q,
                self.min_investment_fen,
                self.max_investment_fen,
            )
        )


def sees_secret_content(principal: Principal) -> bool:
    return principal.cleared and principal.has(Role.DATA_BUREAU)


def readable(scope: ProjectScope, principal: Principal) -> ColumnElement[bool]:
    """SQL for `scope.readable(principal, Owner(unit, secret))`: whose content this principal may read."""
    if only_expert(principal) or (
        principal.cleared and (scope.cleared_roles is None or principal.has(*scope.cleared_roles))
    ):
        return sa.true()
    if principal.unit:
        return sa.or_(Application.secret.is_(False), Application.unit == principal.unit)
    return Application.secret.is_(False)


def _has_flag(flag: str, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return Application.priority_flags.op("@>")(sa.func.jsonb_build_array(flag))
    each = sa.func.json_each(Application.priority_flags).table_valued("value")
    return sa.exists(sa.select(1).select_from(each).where(each.c.value == flag))


def library_query(
    chosen: LibraryFilter, principal: Principal, scope: ProjectScope, dialect: str
) -> sa.Select[tuple[Application]]:
    query = sa.select(Application)
    equal = {
        "jurisdiction": chosen.jurisdiction,
        "unit": chosen.unit,
        "plan_year": chosen.plan_year,
        "status": chosen.status,
        "category": chosen.category,
        "construction_type": chosen.construction_type,
        "off_plan": chosen.off_plan,
    }
    for name, value in equal.items():
        if value is not None:
            query = query.where(getattr(Application, name) == value)
    if chosen.stage is not None:
        query = query.where(Application.status.in_([s for s in STATUSES if domain.stage_of(s) == chosen.stage]))
    if chosen.on_content and not sees_secret_content(principal):
        query = query.where(sa.or_(Application.secret.is_(False), Application.unit == (principal.unit or "")))
    if chosen.priority_flag:
        query = query.where(_has_flag(chosen.priority_flag, dialect), readable(scope, principal))
    if chosen.q:
        # ILIKE on the column itself (not lower(title) LIKE), which the trigram index serves
        pattern = chosen.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Application.title.ilike(f"%{pattern}%", escape="\\"))
    if chosen.min_investment_fen is not None:
        query = query.where(Application.total_investment_fen >= chosen.min_investment_fen)
    if chosen.max_investment_fen is not None:
        query = query.where(Application.total_investment_fen < chosen.max_investment_fen)
    return query


def in_filing_order(query: sa.Select, after: tuple[datetime, str] | None, limit: int) -> sa.Select:
    """The list's own order (created_at, id), keyset-paged: a deep page costs what the first does."""
    if after is not None:
        query = query.where(sa.tuple_(Application.created_at, Application.id) > sa.tuple_(*after))
    return query.order_by(Application.created_at, Application.id).limit(limit + 1)


def in_priority_order(
    query: sa.Select, chosen: LibraryFilter, principal: Principal, scope: ProjectScope, offset: int, limit: int
) -> sa.Select:
    """The bureau's library order: most priority flags first (counted only where the reader may read the
    content), then the unit's own rank (fengxian:第十条), then filing order. When the reader reads every
    listed project's content (cleared bureau staff, or a unit on its own projects) the key is the stored
    `priority_rank` (minus the flags' count) itself, which an index serves; otherwise a secret project of
    another unit counts 0."""
    visible = readable(scope, principal)
    own_unit = chosen.unit is not None and chosen.unit == principal.unit
    key: ColumnElement[int] = (
        Application.priority_rank
        if isinstance(visible, sa.sql.elements.True_) or own_unit
        else sa.case((visible, Application.priority_rank), else_=0)
    )
    return (
        query.order_by(key, Application.unit_priority.asc().nulls_last(), Application.created_at, Application.id)
        .offset(offset)
        .limit(limit + 1)
    )
