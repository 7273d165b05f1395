"""The portfolio's reads: who may see what, the to-do list, the project list and dossier, the cockpit and
the notification feed. Each is one or a few indexed queries over the read model, never a call out."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from services.catalog.portfolio import domain
from services.catalog.portfolio.domain import STAGE_LABEL_ZH, Stage
from services.catalog.portfolio.tables import (
    NotificationMarker,
    PortfolioDeadline,
    PortfolioNotification,
    PortfolioProject,
    PortfolioTodo,
)
from services.catalog.tables import Evaluation, Sanction, System
from shared import clock
from shared.auth import Principal, Role
from shared.scope import Owner, ProjectScope
from shared.uow import UnitOfWork

#: Roles that see only their own unit's projects; experts and data operators see no list (an expert's own
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

    def sees_content(self, project: PortfolioProject) -> bool:
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


def visible(scope: Scope):
    if scope.everything:
        return sa.true()
    if scope.unit:
        return PortfolioProject.unit == scope.unit
    return sa.false()


def content_visible(scope: Scope):
    """Rows whose content (amounts) the caller may filter and sort on."""
    if scope.cleared:
        return sa.true()
    return sa.or_(PortfolioProject.secret.is_(False), PortfolioProject.unit == (scope.unit or ""))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _overdue(today: date):
    """Overdue: a live deadline's day has passed (the earliest one is kept on the row)."""
    return sa.and_(PortfolioProject.next_due_on.is_not(None), PortfolioProject.next_due_on < today)


# --- to-dos -------------------------------------------------------------------------------------------------


def _mine(principal: Principal, roles: list[str]):
    """Open to-dos for any of `roles`; the unit role's only for the caller's unit."""
    clauses = []
    for role in roles:
        if role == Role.EXPERT:
            continue  # each expert's to-dos are theirs alone (`_expert_mine`)
        if role == Role.UNIT:
            if principal.unit:
                clauses.append(sa.and_(PortfolioTodo.role == role, PortfolioTodo.unit == principal.unit))
        else:
            clauses.append(PortfolioTodo.role == role)
    return sa.or_(*clauses) if clauses else sa.false()


def _expert_mine(principal: Principal, role: str | None):
    """A drawn expert's own to-dos, addressed by sign-in: the projects they review, whatever the scope
    (experts see no project list here, only what they were drawn for; a secret one without its title)."""
    if not principal.has(Role.EXPERT) or role not in (None, Role.EXPERT.value):
        return sa.false()
    return sa.and_(PortfolioTodo.role == Role.EXPERT.value, PortfolioTodo.ref == domain.expert_ref(principal.subject))


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

    def addressed(wanted: list[str], expert_role: str | None):
        return sa.or_(sa.and_(visible(scope), _mine(principal, wanted)), _expert_mine(principal, expert_role))

    base = (
        sa.select(PortfolioTodo, PortfolioProject)
        .join(PortfolioProject, PortfolioProject.project_id == PortfolioTodo.project_id)
        .where(PortfolioTodo.status == status)
    )
    counts = {
        r: n
        for r, n in (
            await uow.session.execute(
                sa.select(PortfolioTodo.role, sa.func.count())
                .join(PortfolioProject, PortfolioProject.project_id == PortfolioTodo.project_id)
                .where(PortfolioTodo.status == "open", addressed(caller_roles(principal), None))
                .group_by(PortfolioTodo.role)
            )
        ).all()
    }
    query = base.where(addressed([role] if role else caller_roles(principal), role))
    total = await uow.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    ordered = (
        query.order_by(PortfolioTodo.closed_at.desc(), PortfolioTodo.id.desc())
        if status == "done"
        else query.order_by(
            sa.case((PortfolioTodo.due_on < today, 0), else_=1),
            sa.case((PortfolioTodo.due_on.is_(None), 1), else_=0),
            PortfolioTodo.due_on,
            PortfolioTodo.since,
            PortfolioTodo.id,
        )
    )
    rows = (await uow.session.execute(ordered.offset(offset).limit(limit))).all()
    return {
        "items": [_todo_row(todo, project, today) for todo, project in rows],
        "total": total or 0,
        "counts": {"by_role": {r: counts.get(r, 0) for r in roles}},
    }


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


def project_query(scope: Scope, chosen: ProjectFilter, today: date):
    query = sa.select(PortfolioProject).where(visible(scope), PortfolioProject.stage != Stage.DRAFT)
    if chosen.q:
        query = query.where(PortfolioProject.title.ilike(f"%{_escape_like(chosen.q)}%", escape="\\"))
    if chosen.jurisdiction:
        query = query.where(PortfolioProject.jurisdiction == chosen.jurisdiction)
    if chosen.unit:
        query = query.where(PortfolioProject.unit.ilike(f"%{_escape_like(chosen.unit)}%", escape="\\"))
    if chosen.stage:
        query = query.where(PortfolioProject.stage == chosen.stage.value)
    if chosen.year is not None:
        query = query.where(PortfolioProject.plan_year == chosen.year)
    if chosen.amount_min is not None:
        query = query.where(PortfolioProject.total_investment_fen >= chosen.amount_min)
    if chosen.amount_max is not None:
        query = query.where(PortfolioProject.total_investment_fen <= chosen.amount_max)
    if chosen.overdue is not None:
        query = query.where(_overdue(today) if chosen.overdue else sa.not_(_overdue(today)))
    if chosen.touches_content:
        query = query.where(content_visible(scope))
    return query


def _order(query, chosen: ProjectFilter):
    column = {
        "created": PortfolioProject.created_at,
        "amount": PortfolioProject.total_investment_fen,
        "due": PortfolioProject.next_due_on,
        "title": PortfolioProject.title,
    }[chosen.sort]
    # created_at is never null: ordering it without NULLS LAST lets the (…, created_at, project_id) indexes
    # serve the order (read backwards for newest first) instead of sorting every matching row
    if chosen.sort == "created":
        if chosen.descending:
            return query.order_by(column.desc(), PortfolioProject.project_id.desc())
        return query.order_by(column.asc(), PortfolioProject.project_id)
    if chosen.descending:
        return query.order_by(column.desc().nulls_last(), PortfolioProject.project_id.desc())
    return query.order_by(column.asc().nulls_last(), PortfolioProject.project_id)


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


async def totals(uow: UnitOfWork, scope: Scope, query) -> tuple[int, int]:
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
            PortfolioProject.project_id == project_id, visible(scope), PortfolioProject.stage != Stage.DRAFT
        )
    )
    if project is None:
        return None
    deadlines = list(
        await uow.session.scalars(
            sa.select(PortfolioDeadline)
            .where(PortfolioDeadline.project_id == project_id)
            .order_by(PortfolioDeadline.due_on, PortfolioDeadline.id)
        )
    )
    open_todos = list(
        await uow.session.scalars(
            sa.select(PortfolioTodo)
            .where(
                PortfolioTodo.project_id == project_id,
                PortfolioTodo.status == "open",
                # who was drawn stays out of the unit's sight (the draw is confidential until the review)
                sa.true() if scope.everything else PortfolioTodo.role != Role.EXPERT.value,
            )
            .order_by(PortfolioTodo.since, PortfolioTodo.id)
        )
    )
    overdue_count = sum(1 for d in deadlines if d.status == "overdue" or (d.status == "open" and d.due_on < today))
    rated = rate(project, overdue_count, today) if scope.sees_content(project) else None
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
                "colour": None if d.status == "met" else domain.deadline_colour(d.due_on, d.status, today),
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


def rate(project: Any, overdue_deadlines: int, today: date) -> domain.Variance:
    """`project`: a PortfolioProject or a row of RATED_COLUMNS."""
    return domain.variance(
        baseline_fen=project.approved_investment_fen,
        estimate_fen=project.estimate_fen,
        contracted_fen=project.contracted_fen,
        contracted_on=project.contracted_on,
        planned_completion=project.planned_completion,
        finished_on=project.trial_started_on or project.accepted_on,
        overdue_deadlines=overdue_deadlines,
        today=today,
    )


# --- the cockpit --------------------------------------------------------------------------------------------

FUNNEL = (
    ("approved", "立项批复", "approved_investment_fen"),
    ("estimated", "概算批复", "estimate_fen"),
    ("contracted", "合同签订", "contracted_fen"),
    ("released", "资金拨付", "released_fen"),
    ("paid", "已支付", "released_fen"),  # see money_of: no separate payment event
)
BY_UNIT_CAP = 100
#: What rating a project needs (rows, not entities: the cockpit rates every project with a baseline).
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


async def cockpit(
    uow: UnitOfWork, principal: Principal, *, jurisdiction: str | None, year: int | None, risk_limit: int
) -> dict[str, Any]:
    scope = scope_of(principal)
    today = clock.today()
    where = [visible(scope), PortfolioProject.stage != Stage.DRAFT]
    if jurisdiction:
        where.append(PortfolioProject.jurisdiction == jurisdiction)
    if year is not None:
        where.append(PortfolioProject.plan_year == year)
    session = uow.session
    amount = sa.func.coalesce(sa.func.sum(PortfolioProject.total_investment_fen), 0)

    async def buckets(column, labels=None) -> list[dict[str, Any]]:
        rows = (
            await session.execute(
                sa.select(column, sa.func.count(), amount).where(*where).group_by(column).order_by(amount.desc())
            )
        ).all()
        return [
            {"key": str(key), "label_zh": labels.get(key) if labels else None, "count": n, "investment_fen": int(s)}
            for key, n, s in rows
        ]

    by_stage = await buckets(PortfolioProject.stage, {s.value: label for s, label in STAGE_LABEL_ZH.items()})
    by_unit = await buckets(PortfolioProject.unit)
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
    by_jurisdiction = await buckets(PortfolioProject.jurisdiction)
    by_year = sorted(await buckets(PortfolioProject.plan_year), key=lambda b: b["key"])
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

    amber_by = date.fromordinal(today.toordinal() + domain.LOCAL_SETTINGS["deadline_amber_days"])
    colour = sa.case(
        (sa.or_(PortfolioDeadline.status == "overdue", PortfolioDeadline.due_on < today), "red"),
        (PortfolioDeadline.due_on <= amber_by, "amber"),
        else_="green",
    )
    deadline_rows = (
        await session.execute(
            sa.select(colour, sa.func.count())
            .join(PortfolioProject, PortfolioProject.project_id == PortfolioDeadline.project_id)
            .where(PortfolioDeadline.status.in_(LIVE_DEADLINE), *where)
            .group_by(colour)
        )
    ).all()
    deadlines = {"red": 0, "amber": 0, "green": 0} | {c: n for c, n in deadline_rows}

    # variance and risk for every project with an approved baseline
    overdue_counts: dict[str, int] = defaultdict(int)
    for project_id, n in (
        await session.execute(
            sa.select(PortfolioDeadline.project_id, sa.func.count())
            .join(PortfolioProject, PortfolioProject.project_id == PortfolioDeadline.project_id)
            .where(
                *where,
                sa.or_(
                    PortfolioDeadline.status == "overdue",
                    sa.and_(PortfolioDeadline.status == "open", PortfolioDeadline.due_on < today),
                ),
            )
            .group_by(PortfolioDeadline.project_id)
        )
    ).all():
        overdue_counts[project_id] = n
    risk = {"low": 0, "medium": 0, "high": 0}
    rated_rows = []
    baseline = (
        await session.execute(
            sa.select(*RATED_COLUMNS).where(
                *where,
                PortfolioProject.approved_investment_fen.is_not(None),
                PortfolioProject.stage.not_in([Stage.REJECTED.value, Stage.RETIRED.value]),
            )
        )
    ).all()
    for project in baseline:
        rated = rate(project, overdue_counts.get(project.project_id, 0), today)
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

    # catalog's own: systems by state and zombies, evaluations, active sanctions
    system_where = []
    if jurisdiction:
        system_where.append(System.jurisdiction == jurisdiction)
    if not scope.everything:
        system_where.append(System.unit == (scope.unit or ""))
    systems = {
        state: n
        for state, n in (
            await session.execute(sa.select(System.state, sa.func.count()).where(*system_where).group_by(System.state))
        ).all()
    }
    systems["zombie"] = (
        await session.scalar(
            sa.select(sa.func.count()).select_from(System).where(*system_where, System.zombie_since.is_not(None))
        )
    ) or 0
    evaluation_where = [Evaluation.passed.is_not(None)]
    sanction_where = [Sanction.cleared_on.is_(None)]
    if jurisdiction:
        evaluation_where.append(Evaluation.jurisdiction == jurisdiction)
        sanction_where.append(Sanction.jurisdiction == jurisdiction)
    if not scope.everything:
        evaluation_where.append(Evaluation.unit == (scope.unit or ""))
        sanction_where.append(Sanction.unit == (scope.unit or ""))
    evaluations = {"passed": 0, "failed": 0} | {
        ("passed" if passed else "failed"): n
        for passed, n in (
            await session.execute(
                sa.select(Evaluation.passed, sa.func.count()).where(*evaluation_where).group_by(Evaluation.passed)
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
        "settings": dict(domain.LOCAL_SETTINGS),
    }


#: Cockpits being computed, by what they depend on (the caller's scope and the filters): a caller who asks
#: for one already in flight waits for that one instead of starting another. Fifty clients on a dashboard
#: cost one computation per distinct cockpit, not fifty; a request still sees data no older than the
#: computation it joined (it started at most one computation's time before the request).
_cockpits_in_flight: dict[tuple, asyncio.Task[dict[str, Any]]] = {}


async def shared_cockpit(
    runtime: Any, principal: Principal, *, jurisdiction: str | None, year: int | None, risk_limit: int
) -> dict[str, Any]:
    """`cockpit`, computed once for all the callers who ask for the same one at the same time, on a unit of
    work of its own (a caller who leaves does not end it for the others)."""
    key = (scope_of(principal), jurisdiction, year, risk_limit, clock.today())
    task = _cockpits_in_flight.get(key)
    if task is None:

        async def compute() -> dict[str, Any]:
            try:
                async with runtime.reading() as uow:
                    return await cockpit(uow, principal, jurisdiction=jurisdiction, year=year, risk_limit=risk_limit)
            finally:
                _cockpits_in_flight.pop(key, None)

        task = asyncio.create_task(compute(), name="portfolio-cockpit")
        _cockpits_in_flight[key] = task
    return await asyncio.shield(task)


# --- notifications ----------------------------------------------------------------------------------------


def _addressed_to(principal: Principal):
    clauses = []
    for role in caller_roles(principal):
        if role == Role.UNIT:
            if principal.unit:
                clauses.append(
                    sa.and_(PortfolioNotification.role == role, PortfolioNotification.unit == principal.unit)
                )
        else:
            clauses.append(PortfolioNotification.role == role)
    return sa.or_(*clauses) if clauses else sa.false()


async def marker(uow: UnitOfWork, principal: Principal) -> int:
    found = await uow.session.get(NotificationMarker, principal.subject)
    return found.read_up_to if found else 0


async def unread(uow: UnitOfWork, principal: Principal, read_up_to: int) -> int:
    return (
        await uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(PortfolioNotification)
            .where(_addressed_to(principal), PortfolioNotification.id > read_up_to)
        )
    ) or 0


async def notifications(uow: UnitOfWork, principal: Principal, *, limit: int, before_id: int | None) -> dict:
    read_up_to = await marker(uow, principal)
    query = sa.select(PortfolioNotification).where(_addressed_to(principal))
    if before_id is not None:
        query = query.where(PortfolioNotification.id < before_id)
    rows = list(await uow.session.scalars(query.order_by(PortfolioNotification.id.desc()).limit(limit)))
    return {
        "items": [
            {
                "id": n.id,
                "project_id": n.project_id,
                "kind": n.kind,
                "text_zh": n.text_zh,
                "due_on": n.due_on,
                "created_at": n.created_at,
                "read": n.id <= read_up_to,
            }
            for n in rows
        ],
        "unread": await unread(uow, principal, read_up_to),
    }


async def mark_read(uow: UnitOfWork, principal: Principal, up_to_id: int | None) -> dict:
    latest = (
        await uow.session.scalar(sa.select(sa.func.max(PortfolioNotification.id)).where(_addressed_to(principal)))
    ) or 0
    target = latest if up_to_id is None else min(up_to_id, latest)
    found = await uow.session.get(NotificationMarker, principal.subject, with_for_update=True)
    if found is None:
        found = NotificationMarker(subject=principal.subject, read_up_to=0, updated_at=clock.now())
        uow.session.add(found)
    found.read_up_to = max(found.read_up_to, target)  # a marker never moves back
    found.updated_at = clock.now()
    return {"read_up_to": found.read_up_to, "unread": await unread(uow, principal, found.read_up_to)}
