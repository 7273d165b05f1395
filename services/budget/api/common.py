"""What budget's routes share: the router, the role guards, the project scope and the project's API model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query

from services.budget import queries
from services.budget.schemas import BudgetProjectPublic, DeadlinePublic
from services.budget.tables import BudgetProject
from shared.auth import Role, require
from shared.scope import ProjectScope
from shared.uow import UnitOfWork

router = APIRouter(prefix="/api/budget", tags=["budget 概算与资金"])

Unit = require(Role.UNIT)
Bureau = require(Role.DATA_BUREAU)
Finance = require(Role.FINANCE)
OmReviewers = require(Role.DATA_BUREAU, Role.FINANCE)
DataOperationPayers = require(Role.DATA_BUREAU, Role.FINANCE, Role.PLATFORM)
READER_ROLES = (Role.UNIT, Role.DATA_BUREAU, Role.DRC, Role.FINANCE, Role.AUDIT, Role.PLATFORM)
Readers = require(*READER_ROLES)


#: Who reads a budget project (shared/scope.py): every read of a project's data goes through it.
scope = ProjectScope.of("budget", queries.project_owner, readers=READER_ROLES)
IdempotencyKey = Annotated[str | None, Header(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=200)]


async def public(uow: UnitOfWork, project: BudgetProject) -> BudgetProjectPublic:
    # no estimate approved yet, no history (new_estimate_revision sets the estimate with each revision)
    history = await queries.estimate_history(uow, project.project_id) if project.estimate_fen is not None else []
    findings = await queries.active_findings(uow, project)
    shares = await queries.shares_of(uow, project.project_id)
    deadlines = await queries.deadlines_of(uow, project.project_id)
    return BudgetProjectPublic(
        **project.model_dump(exclude={"created_at", "updated_at", "secret"}),
        releases_stopped_by=[
            {"finding_id": f.finding_id, "step": f.step, "rule_id": f.rule_id, "citation": f.citation} for f in findings
        ],
        shares=[{"payer": s.payer, "level": s.level, "share_fen": s.share_fen} for s in shares],
        deadlines=[DeadlinePublic.model_validate(d) for d in deadlines],
        estimate_history=[
            {"revision": r.revision, "estimate_fen": r.estimate_fen, "approved_on": r.approved_on.isoformat()}
            for r in history
        ],
    )
