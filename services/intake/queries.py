"""Intake's reads: an application or a need, the unit's standing, and the pages the routes list.

Every read of an application's data passes `scope` (shared/scope.py); routes call these and run no SQL."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa
from pydantic import Field
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from services.intake import domain
from services.intake.standing import Bar, Standing, SystemStanding
from services.intake.tables import (
    Application,
    Attachment,
    CatalogSystem,
    Material,
    Need,
    ProjectOutcome,
    SupervisionStanding,
    UnitBar,
)
from shared.auth import Principal, Role
from shared.errors import not_found
from shared.limits import Identifier
from shared.locking import locked
from shared.pagination import Position, decode_cursor, encode_cursor
from shared.scope import Owner, ProjectScope, only_expert
from shared.uow import UnitOfWork

T = TypeVar("T")

#: Who reads the project library. Experts and other roles see nothing of intake.
READER_ROLES = (Role.UNIT, Role.DATA_BUREAU, Role.DRC, Role.FINANCE, Role.AUDIT, Role.PLATFORM, Role.LEADING_OFFICE)


async def project_owner(uow: UnitOfWork, project_id: str) -> Owner | None:
    """An application, or a need in the needs pool (a need's id is read like a project's)."""
    application = await uow.session.get(Application, project_id)
    if application is not None:
        return Owner(application.unit, application.secret)
    need = await uow.session.get(Need, project_id)
    return None if need is None else Owner(need.unit)


#: Who reads an application (shared/scope.py): a secret one only its unit and cleared bureau staff
#: (dazhou:第六十五条); every read of an application's data goes through it.
scope = ProjectScope.of("intake", project_owner, readers=READER_ROLES, cleared_roles=(Role.DATA_BUREAU,))


def may_read(application: Application, principal: Principal | None) -> bool:
    """A secret project's content is shown only to its unit and cleared bureau staff (dazhou:第六十五条)."""
    if principal is None:
        return not application.secret
    return scope.readable(principal, Owner(application.unit, application.secret))


async def _one(uow: UnitOfWork, model: type[T], key: str, what: str, for_update: bool) -> T:
    row = await (locked(uow.session, model, key) if for_update else uow.session.get(model, key))
    if row is None:
        raise not_found(what, key)
    return row


async def load(uow: UnitOfWork, project_id: str, *, for_update: bool = False) -> Application:
    """The application; `for_update` locks it and reads it fresh (a state change's load)."""
    return await _one(uow, Application, project_id, "application", for_update)


async def load_need(uow: UnitOfWork, need_id: str, *, for_update: bool = False) -> Need:
    return await _one(uow, Need, need_id, "need", for_update)


async def materials_of(uow: UnitOfWork, project_id: str) -> list[Material]:
    rows = await uow.session.scalars(
        sa.select(Material).where(col(Material.project_id) == project_id).order_by(col(Material.attached_at))
    )
    return list(rows.all())


#: An attachment's columns but its bytes (a list never reads the files).
ATTACHMENT_FIELDS = ("id", "project_id", "name", "content_type", "size_bytes", "sha256", "uploaded_by", "uploaded_at")


async def attachments_of(uow: UnitOfWork, project_id: str) -> list[sa.Row]:
    columns = [getattr(Attachment, name) for name in ATTACHMENT_FIELDS]
    rows = await uow.session.execute(
        sa.select(*columns)
        .where(col(Attachment.project_id) == project_id)
        .order_by(col(Attachment.uploaded_at), col(Attachment.id))
    )
    return list(rows.all())


async def attachment_count(uow: UnitOfWork, project_id: str) -> int:
    count = await uow.session.scalar(
        sa.select(sa.func.count()).select_from(Attachment).where(col(Attachment.project_id) == project_id)
    )
    return int(count or 0)


async def load_attachment(uow: UnitOfWork, project_id: str, attachment_id: str) -> Attachment:
    """The attachment with its bytes; one of another application is not found."""
    attachment = await uow.session.get(Attachment, attachment_id)
    if attachment is None or attachment.project_id != project_id:
        raise not_found("attachment", attachment_id)
    return attachment


# --- the unit's standing (eligibility view) ---------------------------------------------------------


async def unit_bars(uow: UnitOfWork, unit: str) -> list[UnitBar]:
    rows = await uow.session.scalars(sa.select(UnitBar).where(col(UnitBar.unit) == unit).order_by(col(UnitBar.id)))
    return list(rows.all())


def as_bar(row: UnitBar) -> Bar:
    return Bar(
        rule_id=row.rule_id,
        citation=row.citation,
        cause=row.cause,
        since=row.since,
        until=row.until,
        bars=tuple(row.bars or ()),
        subject=row.subject,
    )


async def failed_evaluations(uow: UnitOfWork, unit: str) -> list[CatalogSystem]:
    """The unit's systems whose last evaluation failed (they block related upgrades, fengxian:第三十二条)."""
    systems = await uow.session.scalars(
        sa.select(CatalogSystem).where(
            col(CatalogSystem.unit) == unit, col(CatalogSystem.evaluation_failed_on).is_not(None)
        )
    )
    return list(systems.all())


async def open_findings(uow: UnitOfWork, unit: str) -> list[SupervisionStanding]:
    rows = await uow.session.scalars(
        sa.select(SupervisionStanding)
        .where(col(SupervisionStanding.unit) == unit, col(SupervisionStanding.resolved_on).is_(None))
        .order_by(col(SupervisionStanding.escalated_on))
    )
    return list(rows.all())


async def standing_of(uow: UnitOfWork, application: Application) -> Standing:
    bars = tuple(as_bar(row) for row in await unit_bars(uow, application.unit) if row.cleared_on is None)
    system = None
    system_row = (
        await uow.session.get(CatalogSystem, application.related_system_id) if application.related_system_id else None
    )
    if system_row is not None:
        system = SystemStanding(
            registered=True,
            retired=system_row.retired_on is not None,
            evaluation_failed=system_row.evaluation_failed_on is not None,
        )
    accepted = False
    if application.original_project_id:
        outcome = await uow.session.get(ProjectOutcome, application.original_project_id)
        accepted = outcome is not None and outcome.accepted_on is not None
    elif system_row is not None:
        accepted = True  # the catalog registers a system only after its project was accepted
    return Standing(bars=bars, original_project_accepted=accepted, related_system=system)


async def siblings_of(uow: UnitOfWork, application: Application) -> list[domain.Sibling]:
    # Only the columns the split detector reads: the unit's other applications can be many.
    rows = await uow.session.execute(
        sa.select(
            col(Application.id),
            col(Application.title),
            col(Application.plan_year),
            col(Application.total_investment_fen),
        ).where(
            col(Application.unit) == application.unit,
            col(Application.plan_year) == application.plan_year,
            col(Application.status).in_(domain.ACTIVE),
            col(Application.id) != application.id,
        )
    )
    return [domain.Sibling(r.id, r.title, r.plan_year, r.total_investment_fen) for r in rows.all()]


# --- the library: list and search (项目库查询) -------------------------------------------------------


class _AfterCreated(Position):
    """The library in filing order: the last row of the previous page."""

    created_at: datetime
    id: Identifier


class _AfterFiled(Position):
    filed_at: datetime
    id: Identifier


class _Offset(Position):
    """The library in the bureau's priority order: a page offset."""

    offset: int = Field(ge=0, le=1_000_000)


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
        return sa.or_(col(Application.secret).is_(False), col(Application.unit) == principal.unit)
    return col(Application.secret).is_(False)


def _has_flag(flag: str, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return col(Application.priority_flags).op("@>")(sa.func.jsonb_build_array(flag))
    each = sa.func.json_each(Application.priority_flags).table_valued("value")
    return sa.exists(sa.select(1).select_from(each).where(each.c.value == flag))


def library_query(
    chosen: LibraryFilter, principal: Principal, scope: ProjectScope, dialect: str
) -> sa.Select[Application]:
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
        query = query.where(col(Application.status).in_(domain.statuses_at(chosen.stage)))
    if chosen.on_content and not sees_secret_content(principal):
        query = query.where(sa.or_(col(Application.secret).is_(False), col(Application.unit) == (principal.unit or "")))
    if chosen.priority_flag:
        query = query.where(_has_flag(chosen.priority_flag, dialect), readable(scope, principal))
    if chosen.q:
        # ILIKE on the column itself (not lower(title) LIKE), which the trigram index serves
        pattern = chosen.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(col(Application.title).ilike(f"%{pattern}%", escape="\\"))
    if chosen.min_investment_fen is not None:
        query = query.where(col(Application.total_investment_fen) >= chosen.min_investment_fen)
    if chosen.max_investment_fen is not None:
        query = query.where(col(Application.total_investment_fen) < chosen.max_investment_fen)
    return query


def in_filing_order(query: sa.Select, after: tuple[datetime, str] | None, limit: int) -> sa.Select:
    """The list's own order (created_at, id), keyset-paged: a deep page costs what the first does."""
    if after is not None:
        query = query.where(sa.tuple_(Application.created_at, Application.id) > sa.tuple_(*after))
    return query.order_by(col(Application.created_at), col(Application.id)).limit(limit + 1)


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
    key: Mapped[int | None] | ColumnElement[int] = (
        col(Application.priority_rank)
        if isinstance(visible, sa.sql.elements.True_) or own_unit
        else sa.case((visible, Application.priority_rank), else_=0)
    )
    return (
        query.order_by(
            key, col(Application.unit_priority).asc().nulls_last(), col(Application.created_at), col(Application.id)
        )
        .offset(offset)
        .limit(limit + 1)
    )


async def library_page(
    uow: UnitOfWork, principal: Principal, where: LibraryFilter, *, sort: str, limit: int, cursor: str | None
) -> tuple[list[Application], str | None]:
    """One page of the library and the cursor of the next, in SQL end to end (filters, name search, both
    orders and the limit; migration 0006's indexes serve them); unit staff see only their own unit's."""
    if not principal.can_see_unit(where.unit or ""):
        where = replace(where, unit=principal.unit)  # unit staff see only their own unit's applications
    query = library_query(where, principal, scope, uow.dialect)
    if sort == "priority":
        offset = (decode_cursor(cursor, _Offset) or _Offset(offset=0)).offset
        query = in_priority_order(query, where, principal, scope, offset, limit)
    else:
        after = decode_cursor(cursor, _AfterCreated)
        query = in_filing_order(query, (after.created_at, after.id) if after else None, limit)
    rows = list((await uow.session.scalars(query)).all())
    page = rows[:limit]
    more = len(rows) > limit
    if sort == "priority":
        return page, encode_cursor(_Offset(offset=offset + limit)) if more else None
    last = page[-1] if page else None
    return page, encode_cursor(_AfterCreated(created_at=last.created_at, id=last.id)) if more and last else None


# --- needs pool (需求库) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedFilter:
    unit: str | None = None
    jurisdiction: str | None = None
    status: str | None = None
    plan_year: int | None = None
    category: str | None = None
    q: str | None = None


async def needs_page(
    uow: UnitOfWork, principal: Principal, where: NeedFilter, *, limit: int, cursor: str | None
) -> tuple[list[Need], str | None]:
    unit = where.unit
    if not principal.can_see_unit(unit or ""):
        unit = principal.unit
    query = sa.select(Need).order_by(col(Need.filed_at), col(Need.id))
    for name, value in {
        "unit": unit,
        "jurisdiction": where.jurisdiction,
        "status": where.status,
        "plan_year": where.plan_year,
        "category": where.category,
    }.items():
        if value is not None:
            query = query.where(getattr(Need, name) == value)
    if where.q:
        query = query.where(
            sa.or_(
                col(Need.title).contains(where.q, autoescape=True),
                col(Need.description).contains(where.q, autoescape=True),
            )
        )
    after = decode_cursor(cursor, _AfterFiled)
    if after is not None:
        query = query.where(
            sa.or_(
                col(Need.filed_at) > after.filed_at,
                sa.and_(col(Need.filed_at) == after.filed_at, col(Need.id) > after.id),
            )
        )
    rows = list((await uow.session.scalars(query.limit(limit + 1))).all())
    page = rows[:limit]
    next_cursor = encode_cursor(_AfterFiled(filed_at=page[-1].filed_at, id=page[-1].id)) if len(rows) > limit else None
    return page, next_cursor
