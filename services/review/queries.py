"""Review's reads: a case and what hangs off it (steps, records, sheets, opinions), the expert pool and
its draws, the annual plan, and the pages the routes list. Routes and handlers read through here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import col

from services.review import domain
from services.review.domain import Stage
from services.review.tables import (
    ApprovalStep,
    DrawMember,
    Expert,
    ExpertDraw,
    JointOpinion,
    PlanEntry,
    ReviewCase,
    ReviewStepRecord,
    ScoreSheet,
)
from shared.auth import Principal
from shared.errors import not_found
from shared.locking import locked, rows_once, transaction_cache
from shared.scope import Owner
from shared.uow import UnitOfWork

# --- a case ---------------------------------------------------------------------------------------------


async def load(uow: UnitOfWork, project_id: str, *, for_update: bool = False) -> ReviewCase:
    if for_update:
        case = await locked(uow.session, ReviewCase, project_id)
    else:
        case = await uow.session.get(ReviewCase, project_id)
    if case is None:
        raise not_found("review case", project_id)
    return case


async def case_owner(uow: UnitOfWork, project_id: str) -> Owner | None:
    """Whose project it is, for shared.scope."""
    case = await uow.session.get(ReviewCase, project_id)
    return None if case is None else Owner(case.unit, case.secret)


#: transaction_cache name: {project_id: [ApprovalStep]} as this transaction read them (issue 21: an approval
#: reads the steps to decide, and its answer shows them; the objects carry the decision, so one read serves both).
STEPS = "review.approval_steps"


async def steps_of(uow: UnitOfWork, project_id: str) -> list[ApprovalStep]:
    """The case's approval steps in order, read once per transaction (`forget_steps` when steps are added)."""
    return await rows_once(
        uow.session,
        STEPS,
        project_id,
        sa.select(ApprovalStep).where(col(ApprovalStep.project_id) == project_id).order_by(col(ApprovalStep.position)),
    )


def forget_steps(uow: UnitOfWork, project_id: str) -> None:
    """Steps were added to the case: the next `steps_of` reads them (and flushes them first)."""
    transaction_cache(uow.session, STEPS).pop(project_id, None)


async def records_of(uow: UnitOfWork, project_id: str) -> list[ReviewStepRecord]:
    result = await uow.session.scalars(
        sa.select(ReviewStepRecord)
        .where(col(ReviewStepRecord.project_id) == project_id)
        .order_by(col(ReviewStepRecord.id))
    )
    return list(result.all())


async def sheets_of(uow: UnitOfWork, project_id: str) -> list[ScoreSheet]:
    result = await uow.session.scalars(sa.select(ScoreSheet).where(col(ScoreSheet.project_id) == project_id))
    return list(result.all())


async def sheet_of(uow: UnitOfWork, project_id: str, reviewer: str) -> ScoreSheet | None:
    return await uow.session.scalar(
        sa.select(ScoreSheet).where(col(ScoreSheet.project_id) == project_id, col(ScoreSheet.reviewer) == reviewer)
    )


async def opinions_of(uow: UnitOfWork, project_id: str) -> list[JointOpinion]:
    return list(
        (await uow.session.scalars(sa.select(JointOpinion).where(col(JointOpinion.project_id) == project_id))).all()
    )


async def opinion_of(uow: UnitOfWork, project_id: str, party: str) -> JointOpinion | None:
    return await uow.session.scalar(
        sa.select(JointOpinion).where(col(JointOpinion.project_id) == project_id, col(JointOpinion.party) == party)
    )


async def deadline_opened_at(uow: UnitOfWork, project_id: str, rule_id: str) -> Any | None:
    """When the case's deadline under `rule_id` was opened (None when it never was)."""
    deadlines = uow.schema.deadlines
    return (
        await uow.session.execute(
            sa.select(deadlines.c.created_at).where(deadlines.c.subject == project_id, deadlines.c.rule_id == rule_id)
        )
    ).scalar()


# --- experts and draws ------------------------------------------------------------------------------------


async def expert_of(uow: UnitOfWork, principal: Principal) -> Expert | None:
    return await uow.session.scalar(sa.select(Expert).where(col(Expert.user_subject) == principal.subject))


async def expert_linked_to(uow: UnitOfWork, user_subject: str) -> str | None:
    """The id of the expert a sign-in is linked to."""
    return await uow.session.scalar(sa.select(col(Expert.id)).where(col(Expert.user_subject) == user_subject))


async def drawn_member(
    uow: UnitOfWork, project_id: str, expert_id: str, purpose: str | None = None
) -> DrawMember | None:
    query = (
        sa.select(DrawMember)
        .join(ExpertDraw, col(ExpertDraw.id) == col(DrawMember.draw_id))
        .where(
            col(DrawMember.project_id) == project_id,
            col(DrawMember.expert_id) == expert_id,
            col(DrawMember.status) == "drawn",
        )
    )
    if purpose is not None:
        query = query.where(col(ExpertDraw.purpose) == purpose)
    return await uow.session.scalar(query.limit(1))


async def is_drawn(uow: UnitOfWork, principal: Principal, project_id: str) -> bool:
    """Whether the expert signed in is drawn for the project: the only review projects an expert reads."""
    expert = await expert_of(uow, principal)
    return expert is not None and await drawn_member(uow, project_id, expert.id) is not None


def has_field(dialect: str, field: str) -> sa.ColumnElement[bool]:
    """An expert whose `fields` list holds `field` (JSONB containment on PostgreSQL, json_each on SQLite)."""
    if dialect == "postgresql":
        return sa.type_coerce(Expert.fields, postgresql.JSONB).contains([field])
    values = sa.func.json_each(Expert.fields).table_valued("value")
    return sa.exists(sa.select(1).select_from(values).where(values.c.value == field))


async def load_draw(uow: UnitOfWork, draw_id: str, *, for_update: bool = False) -> ExpertDraw:
    if for_update:
        draw = await locked(uow.session, ExpertDraw, draw_id)
    else:
        draw = await uow.session.get(ExpertDraw, draw_id)
    if draw is None:
        raise not_found("expert draw", draw_id)
    return draw


async def members_of(uow: UnitOfWork, draw_id: str) -> list[DrawMember]:
    result = await uow.session.scalars(
        sa.select(DrawMember).where(col(DrawMember.draw_id) == draw_id).order_by(col(DrawMember.position))
    )
    return list(result.all())


async def experts_by_id(uow: UnitOfWork, ids: Sequence[str]) -> dict[str, Expert]:
    return {e.id: e for e in (await uow.session.scalars(sa.select(Expert).where(col(Expert.id).in_(ids)))).all()}


async def sign_ins_of(uow: UnitOfWork, ids: Sequence[str]) -> dict[str, str | None]:
    """Each expert's linked sign-in (user subject), by expert id."""
    return dict(
        (
            await uow.session.execute(
                sa.select(col(Expert.id), col(Expert.user_subject)).where(col(Expert.id).in_(ids))
            )
        ).all()
    )


async def pool_facts(uow: UnitOfWork, unit: str) -> list[domain.ExpertFacts]:
    """The active pool with, per expert, the last day they were drawn for this unit's project."""
    last = dict(
        (
            await uow.session.execute(
                sa.select(col(DrawMember.expert_id), sa.func.max(col(DrawMember.drawn_on)))
                .where(col(DrawMember.unit) == unit, col(DrawMember.status) == "drawn")
                .group_by(col(DrawMember.expert_id))
            )
        ).all()
    )
    experts = (await uow.session.scalars(sa.select(Expert).where(col(Expert.active).is_(True)))).all()
    return [
        domain.ExpertFacts(
            id=e.id,
            employer=e.employer,
            fields=tuple(e.fields or ()),
            vendor_links=tuple(e.vendor_links or ()),
            last_reviewed_unit_on=last.get(e.id),
        )
        for e in experts
    ]


async def experts_page(uow: UnitOfWork, *, field: str | None, cursor: str | None, limit: int) -> list[Expert]:
    """Up to `limit + 1` experts after `cursor` (the extra one says a next page exists)."""
    query = sa.select(Expert).order_by(Expert.id).limit(limit + 1)
    if cursor:
        query = query.where(col(Expert.id) > cursor)
    if field:
        # in SQL, before the limit: a page is `limit` matching experts and the cursor the last of them
        query = query.where(has_field(uow.dialect, field))
    return list((await uow.session.scalars(query)).all())


async def assignments_of(uow: UnitOfWork, expert_id: str) -> Sequence[sa.Row[str, str, str, date]]:
    """The draws an expert is (still) on: draw id, project, purpose, day drawn."""
    return (
        await uow.session.execute(
            sa.select(col(ExpertDraw.id), col(ExpertDraw.project_id), col(ExpertDraw.purpose), col(ExpertDraw.drawn_on))
            .join(DrawMember, col(DrawMember.draw_id) == col(ExpertDraw.id))
            .where(col(DrawMember.expert_id) == expert_id, col(DrawMember.status) == "drawn")
            .order_by(col(ExpertDraw.created_at))
        )
    ).all()


# --- the annual plan and the leaders' inbox ---------------------------------------------------------------


async def plan_entry(uow: UnitOfWork, year: int, project_id: str) -> PlanEntry | None:
    return await uow.session.scalar(
        sa.select(PlanEntry).where(col(PlanEntry.year) == year, col(PlanEntry.project_id) == project_id)
    )


async def planned_entries(
    uow: UnitOfWork, *, project_id: str | None = None, unit: str | None = None, from_year: int | None = None
) -> list[PlanEntry]:
    """Entries still planned: the project's, or (a finding against a unit) every current one of the unit."""
    query = sa.select(PlanEntry).where(col(PlanEntry.status) == "planned")
    if project_id is not None:
        query = query.where(col(PlanEntry.project_id) == project_id)
    else:
        query = query.where(col(PlanEntry.unit) == unit, col(PlanEntry.year) >= from_year)
    return list((await uow.session.scalars(query)).all())


async def plan_page(
    uow: UnitOfWork, year: int, *, jurisdiction: str | None, status: str | None, cursor: int | None, limit: int
) -> tuple[list[PlanEntry], set[str]]:
    """Up to `limit + 1` entries of the year's plan after `cursor`, and which of them are secret projects."""
    query = sa.select(PlanEntry).where(col(PlanEntry.year) == year).order_by(col(PlanEntry.id)).limit(limit + 1)
    if jurisdiction:
        query = query.where(col(PlanEntry.jurisdiction) == jurisdiction)
    if status:
        query = query.where(col(PlanEntry.status) == status)
    if cursor:
        query = query.where(col(PlanEntry.id) > cursor)
    rows = list((await uow.session.scalars(query)).all())
    secret = {
        c.project_id
        for c in (
            await uow.session.scalars(
                sa.select(ReviewCase).where(
                    col(ReviewCase.project_id).in_([r.project_id for r in rows]), col(ReviewCase.secret).is_(True)
                )
            )
        ).all()
    }
    return rows, secret


async def pending_approvals(uow: UnitOfWork, roles: Sequence[str]) -> Sequence[sa.Row[ReviewCase, str, int]]:
    """The cases awaiting approval whose next step (the lowest pending one, dazhou:第十条) is one of
    `roles`, with that step's role and position, oldest change first."""
    first_pending = (
        sa.select(col(ApprovalStep.project_id), sa.func.min(col(ApprovalStep.position)).label("position"))
        .where(col(ApprovalStep.status) == "pending")
        .group_by(col(ApprovalStep.project_id))
        .subquery()
    )
    query = (
        sa.select(ReviewCase, col(ApprovalStep.role), col(ApprovalStep.position))
        .join(first_pending, first_pending.c.project_id == col(ReviewCase.project_id))
        .join(
            ApprovalStep,
            sa.and_(
                col(ApprovalStep.project_id) == first_pending.c.project_id,
                col(ApprovalStep.position) == first_pending.c.position,
            ),
        )
        .where(col(ReviewCase.stage) == Stage.AWAITING_APPROVAL.value, col(ApprovalStep.role).in_(list(roles)))
        .order_by(col(ReviewCase.updated_at))
    )
    return (await uow.session.execute(query)).all()
