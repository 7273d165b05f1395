"""`POST /api/<service>/policy/impact`: a service's in-flight projects decided again under a candidate pack.

Each service that decides with the packs mounts this router with its own notion of "in flight" (a query on
its project table). The bureau's page (webapp /policy-impact) asks every service and merges by project.
Secret projects are never listed: their content does not leave their service (shared/scope.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel, Field

from shared import clock
from shared.auth import Principal, Role, require
from shared.errors import Problem
from shared.limits import RequestModel, Text
from shared.policy.errors import PolicyError, UnknownPack
from shared.policy.impact import MAX_CANDIDATE_BYTES, StoredDecision, impact, load_candidate
from shared.policy.registry import packs
from shared.service import Runtime
from shared.uow import UnitOfWork

#: (uow, jurisdiction) -> the ids of this service's in-flight, non-secret projects of that jurisdiction
InFlight = Callable[[UnitOfWork, str], Awaitable[list[str]]]

Bureau = require(Role.DATA_BUREAU)

#: a page of projects is enough for a bureau's review; more are counted and the caller narrows by pack
MAX_PROJECTS = 500


class ImpactRequest(RequestModel):

    pack: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$", description="the pack id")
    candidate: Text = Field(
        min_length=1, max_length=MAX_CANDIDATE_BYTES, description="the new version of the pack file (YAML)"
    )
    effective_from: date | None = Field(
        default=None, description="when the new version applies (default: its own date, never before today)"
    )


class ImpactChange(BaseModel):
    rule_id: str
    title_zh: str
    kind: str = Field(description="changed | removed | added | needs_facts")
    decided_on: str | None = None
    action: str | None = None
    stored: dict[str, Any] | None = None
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None
    applies: str = Field(description="old: the decision stays under the version it was made under; new: follows")
    missing: list[str] | None = None


class ProjectImpact(BaseModel):
    project_id: str
    changes: list[ImpactChange]
    stays_under_old_version: bool
    moves_to_new_version_on: str | None = None


class ImpactReport(BaseModel):
    service: str
    pack: str
    current_version: str
    candidate_version: str
    effective_from: date
    diff: dict[str, Any]
    examined: int = Field(description="in-flight projects examined")
    truncated: bool = False
    projects: list[ProjectImpact]


def impact_router(service: str, in_flight: InFlight) -> APIRouter:
    router = APIRouter(prefix=f"/api/{service}", tags=["policy impact 政策影响分析"])

    @router.post(
        "/policy/impact",
        response_model=ImpactReport,
        summary="Which in-flight projects a new pack version changes (issue 19 §6); nothing is stored",
    )
    async def policy_impact(
        body: ImpactRequest, runtime: Runtime, principal: Annotated[Principal, Bureau]
    ) -> ImpactReport:
        try:
            cand = load_candidate(
                body.pack, body.candidate, registry=packs, today=clock.today(), effective_from=body.effective_from
            )
        except UnknownPack as exc:
            raise Problem(404, "unknown-pack", "未知的政策包 / Unknown policy pack", str(exc), pack=body.pack) from None
        except PolicyError as exc:
            raise Problem(
                422,
                "invalid-pack",
                "新版本政策包无法加载 / The new pack version does not load",
                str(exc),
                pack=body.pack,
                rule_id=exc.rule_id,
                field=f"candidate.{exc.field}" if exc.field else "candidate",
            ) from None
        schema = runtime.schema
        async with runtime.reading() as uow:
            subjects = await in_flight(uow, body.pack)
            examined = subjects[:MAX_PROJECTS]
            rows: Sequence[Any] = []
            if examined:
                rows = (
                    (
                        await uow.session.execute(
                            sa.select(schema.decisions)
                            .where(schema.decisions.c.subject.in_(examined), schema.decisions.c.pack == body.pack)
                            .order_by(schema.decisions.c.id)
                        )
                    )
                    .mappings()
                    .all()
                )
        stored = [
            StoredDecision(
                subject=row["subject"],
                rule_id=row["rule_id"],
                outcome=row["outcome"],
                citation=row["citation"],
                pack=row["pack"],
                pack_version=row["pack_version"],
                facts=row["facts"] or {},
                decided_at=row["decided_at"],
                value=row["value"],
                action=row["action"],
            )
            for row in rows
        ]
        return ImpactReport(
            service=service,
            pack=body.pack,
            current_version=cand.current.version,
            candidate_version=cand.candidate.version,
            effective_from=cand.effective_from,
            diff=cand.changes,
            examined=len(examined),
            truncated=len(subjects) > MAX_PROJECTS,
            projects=[ProjectImpact.model_validate(p) for p in impact(cand, stored)],
        )

    return router
