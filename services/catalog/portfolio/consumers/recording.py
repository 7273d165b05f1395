"""The steps every portfolio consumer shares: the project row, its stage and to-dos, deadlines, money and
notifications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.handlers import subscriptions
from services.catalog.handlers.common import get_or_pending, insert_once
from services.catalog.portfolio import domain
from services.catalog.portfolio.domain import Action, Stage
from services.catalog.portfolio.tables import (
    PortfolioDeadline,
    PortfolioMoney,
    PortfolioNotification,
    PortfolioProject,
    PortfolioTodo,
)
from shared import clock
from shared.auth import Role
from shared.contracts.envelope import CloudEvent
from shared.contracts.intake import ProjectSummary
from shared.locking import hold_inserted, lock_many, locked, transaction_cache
from shared.policy import Pack, PolicyError, packs
from shared.uow import UnitOfWork

CONSTRUCTION_DUE = "procurement.construction_due"


def day_of(event: CloudEvent) -> date:
    return event.time.astimezone(clock.CHINA).date()


def pack_for(jurisdiction: str) -> Pack | None:
    try:
        return packs.get(jurisdiction)
    except PolicyError:
        return None


async def project(
    uow: UnitOfWork, event: CloudEvent, project_id: str, *, unit: str | None = None, jurisdiction: str | None = None
) -> PortfolioProject:
    row = await locked(uow.session, PortfolioProject, project_id)
    if row is None:
        # a project first heard of past submission (events reordered, or stock from before the read model)
        row = PortfolioProject(
            project_id=project_id,
            unit=unit or "",
            jurisdiction=jurisdiction or "",
            stage=Stage.DRAFT,
            stage_at=event.time,
            created_at=event.time,
            updated_at=event.time,
        )
        uow.session.add(row)
        hold_inserted(uow.session, PortfolioProject, project_id, row)
        # nothing of it was recorded before: no to-do or deadline to read back in this transaction
        transaction_cache(uow.session, OPEN_TODOS)[project_id] = []
        transaction_cache(uow.session, DEADLINES)[project_id] = []
    return touched(row, unit, jurisdiction)


async def known_project(uow: UnitOfWork, project_id: str) -> PortfolioProject | None:
    """The project's row, locked, as `project` gives it; None (and nothing recorded) when the portfolio never
    heard of the project (a stock system's, a unit's finding)."""
    row = await locked(uow.session, PortfolioProject, project_id)
    return None if row is None else touched(row)


def touched(row: PortfolioProject, unit: str | None = None, jurisdiction: str | None = None) -> PortfolioProject:
    row.unit = row.unit or unit or ""
    row.jurisdiction = row.jurisdiction or jurisdiction or ""
    row.updated_at = clock.now()
    return row


#: transaction_cache name: {project_id: [PortfolioTodo]}, every to-do of the project that was open when this
#: transaction first read them (the batch prefetch, or `open_todos`) or was opened since (`open_todo`); a
#: status changed since is on the object (the to-dos are closed on the objects, never by a bulk UPDATE).
OPEN_TODOS = "catalog.portfolio.open_todos"
#: transaction_cache name: {project_id: [PortfolioDeadline]}, every deadline of the project (any status), as
#: this transaction first read them (`deadlines_of`) or added since (`deadline`); changes are on the objects.
#: One read per project and transaction, instead of a statement (and a flush) per step that looks at them.
DEADLINES = "catalog.portfolio.deadlines"


@subscriptions.prefetch
async def lock_projects(uow: UnitOfWork, events: list[tuple[CloudEvent, Any]]) -> None:
    """A batch's portfolio projects and their open to-dos, locked and loaded in two statements, so the
    consumers' `project` and `move` need none (a catch-up handles hundreds of events per transaction)."""
    ids = sorted({pid for _, payload in events if isinstance(pid := getattr(payload, "project_id", None), str)})
    if not ids:
        return
    await lock_many(uow.session, PortfolioProject, ids)
    todos = await uow.session.scalars(
        sa
        .select(PortfolioTodo)
        .where(col(PortfolioTodo.project_id).in_(ids), col(PortfolioTodo.status) == "open")
        .order_by(col(PortfolioTodo.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    cache = transaction_cache(uow.session, OPEN_TODOS)
    for project_id in ids:
        cache[project_id] = []
    for todo in todos:
        cache[todo.project_id].append(todo)


async def open_todos(uow: UnitOfWork, project_id: str) -> list[PortfolioTodo]:
    """Every open to-do of the project, read once per transaction (the prefetch may have read it)."""
    cache = transaction_cache(uow.session, OPEN_TODOS)
    cached = cache.get(project_id)
    if cached is None:
        # Read without flushing first (a flush here would write the project row now and again at the commit):
        # a to-do added and not yet flushed is taken from the session, one closed since is closed on its object.
        with uow.session.no_autoflush:
            cached = list(
                await uow.session.scalars(
                    sa
                    .select(PortfolioTodo)
                    .where(col(PortfolioTodo.project_id) == project_id, col(PortfolioTodo.status) == "open")
                    .order_by(col(PortfolioTodo.id))
                )
            )
        cached += [o for o in uow.session.new if isinstance(o, PortfolioTodo) and o.project_id == project_id]
        cache[project_id] = cached
    return [todo for todo in cached if todo.status == "open"]


async def open_stage_todos(uow: UnitOfWork, project_id: str) -> list[PortfolioTodo]:
    """The project's open to-dos of its stage (not the ones with a ref: a deadline's, an expert's)."""
    return [todo for todo in await open_todos(uow, project_id) if todo.ref == ""]


def summarise(row: PortfolioProject, summary: ProjectSummary) -> None:
    row.unit, row.jurisdiction, row.secret = summary.unit, summary.jurisdiction, summary.secret
    row.title = None if summary.secret else summary.title
    row.plan_year, row.total_investment_fen = summary.plan_year, summary.total_investment_fen


async def notify(
    uow: UnitOfWork, row: PortfolioProject, role: str, kind: str, text: str, due_on: date | None = None
) -> None:
    uow.session.add(
        PortfolioNotification(
            project_id=row.project_id,
            role=role,
            unit=row.unit if role == Role.UNIT else None,
            kind=kind,
            text_zh=text[:300],
            due_on=due_on,
            created_at=clock.now(),
        )
    )


def name_of(row: PortfolioProject) -> str:
    """How a notification names a project: never the title of a secret one."""
    return f"涉密项目 {row.project_id}" if row.secret or not row.title else f"「{row.title}」"


async def open_todo(
    uow: UnitOfWork,
    row: PortfolioProject,
    action: Action,
    since: datetime,
    *,
    ref: str = "",
    due_on: date | None = None,
    announce: bool = True,
) -> None:
    todo = PortfolioTodo(
        project_id=row.project_id,
        service=action.service,
        action=action.action,
        action_label_zh=action.action_label_zh,
        role=action.role,
        unit=row.unit if action.role == Role.UNIT else None,
        ref=ref,
        due_on=due_on,
        since=since,
    )
    uow.session.add(todo)
    cached = transaction_cache(uow.session, OPEN_TODOS).get(row.project_id)
    if cached is not None:
        cached.append(todo)
    if announce:
        await notify(uow, row, action.role, "todo", f"新待办：{name_of(row)} {action.action_label_zh}", due_on)


async def close_todos(uow: UnitOfWork, project_id: str, **where: str) -> None:
    """Close the project's open to-dos whose columns have these values (on the objects: most calls find none,
    and then cost no statement)."""
    now = clock.now()
    for todo in await open_todos(uow, project_id):
        if all(getattr(todo, column) == value for column, value in where.items()):
            todo.status, todo.closed_at = "done", now


async def move(
    uow: UnitOfWork,
    row: PortfolioProject,
    event: CloudEvent,
    key: str,
    *,
    step_done: str | None = None,
    next_step: str | None = None,
    due_on: date | None = None,
    backwards: bool = False,
) -> None:
    """Put the project in the event's stage and replace its stage to-dos with the ones now waiting; an
    event behind the project's stage (or older than the one that set it) changes nothing here."""
    pending = domain.PENDING[key]
    same = domain.Stage(row.stage) == pending.stage
    # A late event (a later stage's event, or a newer one of this stage, was heard first) puts nothing back:
    # the to-dos it would open were taken and replaced since. What its own step met still counts.
    if not backwards and not domain.moves(row.stage, pending.stage):
        await late_step_taken(uow, row, event)
        return
    if same and event.time < row.stage_at:
        await late_step_taken(uow, row, event)
        return
    advanced = domain.rank(pending.stage) > domain.rank(row.stage)
    row.stage, row.stage_at = pending.stage.value, event.time
    if step_done is not None:
        row.review_step_done = step_done
    pack = pack_for(row.jurisdiction)
    actions: tuple[Action, ...] = ()
    if pack is not None:
        actions = domain.resolve(
            pending,
            pack,
            amount_fen=row.total_investment_fen or 0,
            secret=row.secret,
            step_done=step_done,
            next_step=next_step,
        )
    else:  # an unknown jurisdiction: only the actions that need no pack
        actions = tuple(a for a in pending.actions if not a.action.startswith("{"))
    if any(a.action == domain.JOINT_REVIEW and a.service == "review" for a in actions):
        heard = await joint_review_heard(uow, row.project_id)
        actions = tuple(a for a in actions if not domain.heard_in_joint_review(a, heard))
    wanted = {(a.service, a.action, a.role) for a in actions}
    current = await open_stage_todos(uow, row.project_id)
    kept = set()
    for todo in current:
        if (todo.service, todo.action, todo.role) in wanted:
            kept.add((todo.service, todo.action, todo.role))
        else:
            todo.status, todo.closed_at = "done", clock.now()
    for action in actions:
        if (action.service, action.action, action.role) not in kept:
            await open_todo(uow, row, action, event.time, due_on=due_on)
    # The service that announced a deadline overdue moved the project on: the late step was taken.
    # Only a project with a live deadline can have one (refresh_due keeps the earliest live one on the
    # row, and a chase to-do opens only with an overdue deadline): most moves skip three statements.
    if advanced and row.next_due_on is not None:
        await close_todos(uow, row.project_id, action=domain.CHASE_OVERDUE.action, service=event.service)
        for found in await deadlines_of(uow, row.project_id):
            if found.service == event.service and found.status == "overdue":
                found.status = "met"
        await refresh_due(uow, row.project_id)


async def joint_review_heard(uow: UnitOfWork, project_id: str) -> set[str]:
    """The roles whose joint-review opinion is recorded: their to-do is done (`on_joint_opinion`)."""
    return set(
        await uow.session.scalars(
            sa.select(col(PortfolioTodo.role)).where(
                col(PortfolioTodo.project_id) == project_id,
                col(PortfolioTodo.service) == "review",
                col(PortfolioTodo.action) == domain.JOINT_REVIEW,
                col(PortfolioTodo.status) == "done",
                col(PortfolioTodo.ref) == "",
            )
        )
    )


async def late_step_taken(uow: UnitOfWork, row: PortfolioProject, event: CloudEvent) -> None:
    """A step its service took before the project moved on here (its event arrived after a later one, each
    service's topic in its own order): the deadlines that service had announced overdue and that were due by
    the step's day were met late, and nobody chases them any more. A deadline due after the step's day is
    another step's, still live."""
    day = day_of(event)
    overdue = [
        found
        for found in await deadlines_of(uow, row.project_id)
        if found.service == event.service and found.status == "overdue" and found.due_on <= day
    ]
    for found in overdue:
        found.status = "met"
        ref = f"{found.service}:{found.rule_id}"
        await close_todos(uow, row.project_id, action=domain.CHASE_OVERDUE.action, ref=ref)
    if overdue:
        await refresh_due(uow, row.project_id)


async def money(uow: UnitOfWork, project_id: str, kind: str, ref: str, amount_fen: int) -> bool:
    """False when this (kind, ref) was already counted (the same amount announced twice)."""
    return await insert_once(
        uow, PortfolioMoney, {"project_id": project_id, "kind": kind, "ref": ref, "amount_fen": amount_fen}
    )


async def deadline(
    uow: UnitOfWork,
    row: PortfolioProject,
    *,
    service: str,
    rule_id: str,
    due_on: date,
    role: str,
    citation: str = "",
    description: str = "",
    status: str = "open",
) -> tuple[PortfolioDeadline, str | None]:
    """Insert or update one deadline; returns it and its previous status (None when new)."""
    deadlines = await deadlines_of(uow, row.project_id)
    found = next((d for d in deadlines if d.service == service and d.rule_id == rule_id), None)
    if found is None:
        found = PortfolioDeadline(
            project_id=row.project_id,
            service=service,
            rule_id=rule_id,
            citation=citation,
            description=description[:300],
            due_on=due_on,
            status=status,
            role=role,
        )
        uow.session.add(found)
        deadlines.append(found)
        await refresh_due(uow, row.project_id)
        return found, None
    previous = found.status
    found.due_on, found.status = due_on, status
    found.citation = citation or found.citation
    found.description = (description or found.description)[:300]
    await refresh_due(uow, row.project_id)
    return found, previous


async def deadlines_of(uow: UnitOfWork, project_id: str) -> list[PortfolioDeadline]:
    """Every deadline of the project (any status), read once per transaction; the list itself, so a
    deadline added is appended to it."""
    cache = transaction_cache(uow.session, DEADLINES)
    found = cache.get(project_id)
    if found is None:
        with uow.session.no_autoflush:  # as open_todos: one added and not yet flushed is taken from the session
            found = list(
                await uow.session.scalars(
                    sa
                    .select(PortfolioDeadline)
                    .where(col(PortfolioDeadline.project_id) == project_id)
                    .order_by(col(PortfolioDeadline.id))
                )
            )
        found += [o for o in uow.session.new if isinstance(o, PortfolioDeadline) and o.project_id == project_id]
        cache[project_id] = found
    return found


async def refresh_due(uow: UnitOfWork, project_id: str) -> None:
    """Keep the project's earliest live deadline on its row (the list sorts and filters on it)."""
    row = await get_or_pending(uow, PortfolioProject, project_id)
    if row is None:
        return
    live = [
        found.due_on
        for found in await deadlines_of(uow, project_id)
        if found.status in ("open", "overdue") and found.due_on is not None
    ]
    row.next_due_on = min(live, default=None)


async def close_deadlines(uow: UnitOfWork, project_id: str, rule_id: str) -> None:
    """The deadline was met (or its step taken late): no longer live, nobody chases it."""
    services: list[str] = []
    for found in await deadlines_of(uow, project_id):
        if found.rule_id == rule_id:
            found.status = "met"
            if found.service not in services:
                services.append(found.service)
    for service in services:
        await close_todos(uow, project_id, action=domain.CHASE_OVERDUE.action, ref=f"{service}:{rule_id}")
    await refresh_due(uow, project_id)


async def turned_overdue(uow: UnitOfWork, row: PortfolioProject, found: PortfolioDeadline) -> None:
    """Once per deadline, however it was learnt (a service's announcement, catalog's own sweeper, or the
    portfolio's sweep): the bureau gets a 督办 to-do and the unit is told."""
    chase = Action(
        found.service, domain.CHASE_OVERDUE.action, domain.CHASE_OVERDUE.role, domain.CHASE_OVERDUE.action_label_zh
    )
    await open_todo(uow, row, chase, clock.now(), ref=f"{found.service}:{found.rule_id}", due_on=found.due_on)
    text = f"已逾期：{name_of(row)} {found.description}（应于 {found.due_on.isoformat()} 前完成）"
    await notify(uow, row, Role.UNIT.value, "deadline_overdue", text, found.due_on)


def rule_title(jurisdiction: str, rule_id: str) -> str:
    pack = pack_for(jurisdiction)
    if pack is not None and pack.has(rule_id):
        return pack.rule(rule_id).title_zh
    return rule_id


async def sync_own_deadlines(uow: UnitOfWork, row: PortfolioProject) -> None:
    """Catalog's own deadlines of the project (e.g. the yearly performance monitoring report, dazhou:第五十一条)
    are in this service's `deadlines` table; the portfolio keeps a copy so one query serves every list."""
    table = uow.schema.deadlines
    with uow.session.no_autoflush:  # written by statements, not by the session: nothing to flush first
        owns = (await uow.session.execute(sa.select(table).where(table.c.subject == row.project_id))).all()
    for own in owns:
        status = {"open": "open", "overdue": "overdue"}.get(own.status, "met")  # late = done late
        found, previous = await deadline(
            uow,
            row,
            service="catalog",
            rule_id=own.rule_id,
            due_on=own.due_on,
            role=Role.UNIT.value,
            citation=own.citation,
            description=rule_title(row.jurisdiction, own.rule_id),
            status=status,
        )
        if status == "overdue" and previous != "overdue":
            await turned_overdue(uow, row, found)
        elif status == "met" and previous in ("open", "overdue"):
            await close_todos(uow, row.project_id, action=domain.CHASE_OVERDUE.action, ref=f"catalog:{own.rule_id}")
