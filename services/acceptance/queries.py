"""Acceptance's reads: a project, its deadlines, its asset registration, whose it is, and the page of
projects the route lists. Routes and handlers read through here."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from services.acceptance.tables import AcceptanceProject, AssetRegistration, StepRecord
from shared.auth import Principal
from shared.errors import not_found
from shared.locking import locked
from shared.scope import Owner
from shared.uow import UnitOfWork


async def load(uow: UnitOfWork, project_id: str, *, for_update: bool = False) -> AcceptanceProject:
    if for_update:
        project = await locked(uow.session, AcceptanceProject, project_id)
    else:
        project = await uow.session.get(AcceptanceProject, project_id)
    if project is None:
        raise not_found("acceptance project (project with a signed contract)", project_id)
    return project


async def project_owner(uow: UnitOfWork, project_id: str) -> Owner | None:
    """Whose project it is, for shared.scope."""
    project = await uow.session.get(AcceptanceProject, project_id)
    return None if project is None else Owner(project.unit, project.secret)


async def deadlines_of(uow: UnitOfWork, project_id: str) -> list[dict[str, Any]]:
    table = uow.schema.deadlines
    rows = await uow.session.execute(
        sa.select(table.c.rule_id, table.c.citation, table.c.due_on, table.c.status, table.c.description)
        .where(table.c.subject == project_id)
        .order_by(table.c.id)
    )
    return [{**row._mapping, "due_on": row.due_on.isoformat()} for row in rows]


async def asset_registration(uow: UnitOfWork, project_id: str) -> AssetRegistration:
    registration = await uow.session.get(AssetRegistration, project_id)
    if registration is None:
        raise not_found("asset registration", project_id)
    return registration


#: The step name of the post-acceptance document filing in the project's step records (suqian:(七)).
DOCUMENT_FILING_STEP = "document_filing"


async def document_filing(uow: UnitOfWork, project_id: str) -> StepRecord | None:
    return await uow.session.scalar(
        sa.select(StepRecord)
        .where(col(StepRecord.project_id) == project_id, col(StepRecord.step) == DOCUMENT_FILING_STEP)
        .limit(1)
    )


async def has_asset_registration(uow: UnitOfWork, project_id: str) -> bool:
    return await uow.session.get(AssetRegistration, project_id) is not None


async def projects_page(
    uow: UnitOfWork,
    principal: Principal,
    *,
    stage: str | None,
    jurisdiction: str | None,
    after: str | None,
    limit: int,
) -> list[AcceptanceProject]:
    """Up to `limit + 1` projects after the project id `after` (the extra one says a next page exists);
    unit staff see only their own unit's."""
    query = sa.select(AcceptanceProject).order_by(AcceptanceProject.project_id).limit(limit + 1)
    if stage:
        query = query.where(col(AcceptanceProject.stage) == stage)
    if jurisdiction:
        query = query.where(col(AcceptanceProject.jurisdiction) == jurisdiction)
    if principal.unit is not None and not principal.can_see_unit(f"{principal.unit}/other"):
        # unit staff list only their own unit's projects
        query = query.where(col(AcceptanceProject.unit) == principal.unit)
    if after is not None:
        query = query.where(col(AcceptanceProject.project_id) > after)
    return list((await uow.session.scalars(query)).all())
