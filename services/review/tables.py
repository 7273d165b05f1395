"""Review's own tables: review cases (联审), their path steps and score sheets, the expert pool (专家库)
and draws, approval steps (立项 by authority) and the annual plan (年度计划)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from shared.db import JSONType, ServiceSchema, UTCDateTime

schema = ServiceSchema("review")

if TYPE_CHECKING:
    Base = SQLModel  # what `schema.Base` is, named so the checker accepts it as a base class
else:
    Base = schema.Base


def _json(default: Any = None) -> Any:
    return Field(default_factory=lambda: default() if callable(default) else default, sa_column=Column(JSONType))


class ReviewCase(Base, table=True):
    """A project admitted to the library, as review sees it."""

    __tablename__ = "review_cases"

    project_id: str = Field(primary_key=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    title: str | None = Field(default=None, max_length=300)
    secret: bool = False
    total_investment_fen: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    plan_year: int
    materials: list = _json(list)  # kinds of material filed with the application (from intake's event)
    # admitted → in_review → awaiting_approval → approved | rejected | not_reviewed | routed
    stage: str = Field(default="admitted", index=True, max_length=30)
    # the review path from the pack (`review.path`) and the step the project is at
    path: str | None = Field(default=None, max_length=40)
    path_steps: list[str] = _json(list)
    step: str | None = Field(default=None, max_length=40)
    collective_review: bool = False
    # a mixed construction project's estimate parts from intake: who approves the whole (dazhou:第八条)
    mixed_estimate: dict = _json(dict)
    # a city–county shared project's county parts from intake: the bureau approves it (dazhou:第二十二条)
    county_parts: list = _json(list)
    routed_to: str | None = Field(default=None, max_length=60)
    implementation: dict = _json(dict)  # implementation-mode facts (dazhou:第十一条,第十二条)
    fixed_estimate_fen: int | None = Field(default=None, sa_column=Column(sa.BigInteger, nullable=True))
    consulting_opinion_no: str | None = Field(default=None, max_length=80)
    scheme_result: dict = _json(dict)  # dimension means, mean total, outcome
    plan_deferred: bool = False
    approval_letter_no: str | None = Field(default=None, max_length=80)
    approved_on: date | None = None
    pack_version: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ReviewStepRecord(Base, table=True):
    """One review step's outcome on the path (前置初审, 方案评审, 预算审核, …), who and why."""

    __tablename__ = "review_step_records"

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(index=True, max_length=64)
    step: str = Field(max_length=40)
    outcome: str = Field(max_length=30)
    actor: str = Field(max_length=120)
    comment: str = ""
    detail: dict = _json(dict)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ScoreSheet(Base, table=True):
    """One reviewer's scores on the pack's dimensions (fengxian:第十八条) with comments."""

    __tablename__ = "score_sheets"
    __table_args__ = (sa.UniqueConstraint("project_id", "reviewer"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(index=True, max_length=64)
    reviewer: str = Field(max_length=120)  # an expert id, or a department's user
    reviewer_kind: str = Field(max_length=20)  # expert | department
    scores: dict = _json(dict)
    comments: dict = _json(dict)
    comment: str = ""
    recorded_by: str = Field(max_length=120)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class JointOpinion(Base, table=True):
    """One party's opinion in Quzhou's parallel joint review (quzhou:三(二)1)."""

    __tablename__ = "joint_opinions"
    __table_args__ = (sa.UniqueConstraint("project_id", "party"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(index=True, max_length=64)
    party: str = Field(max_length=40)
    actor: str = Field(max_length=120)
    agrees: bool = True
    comment: str = ""
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Expert(Base, table=True):
    """An expert in the pool (专家库) with fields, employer and declared vendor links."""

    __tablename__ = "experts"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=120)
    employer: str = Field(max_length=200)
    fields: list[str] = _json(list)
    vendor_links: list[str] = _json(list)
    user_subject: str | None = Field(default=None, index=True, max_length=120)
    active: bool = True
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ExpertDraw(Base, table=True):
    """A random draw of experts for one review, with the seed and candidate list to replay it."""

    __tablename__ = "expert_draws"

    id: str = Field(primary_key=True, max_length=40)
    project_id: str = Field(index=True, max_length=64)
    unit: str = Field(max_length=120)
    jurisdiction: str = Field(max_length=40)
    purpose: str = Field(max_length=40)
    fields: list[str] = _json(list)
    vendors: list[str] = _json(list)
    count: int
    seed: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    candidates: list[str] = _json(list)
    excluded: list[dict] = _json(list)
    drawn_by: str = Field(max_length=120)
    drawn_on: date
    pack_version: str = Field(max_length=40)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class DrawMember(Base, table=True):
    """An expert on a draw's panel; a decliner stays as `declined` and names the replacement."""

    __tablename__ = "draw_members"
    __table_args__ = (sa.UniqueConstraint("draw_id", "expert_id"),)

    id: int | None = Field(default=None, primary_key=True)
    draw_id: str = Field(index=True, max_length=40)
    project_id: str = Field(index=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    expert_id: str = Field(index=True, max_length=40)
    position: int
    status: str = Field(default="drawn", max_length=20)  # drawn | declined
    replaced_by: str | None = Field(default=None, max_length=40)
    decline_reason: str = ""
    drawn_on: date


class ApprovalStep(Base, table=True):
    """One authority's step in the approval route (dazhou:第十条), a task for a leader role."""

    __tablename__ = "approval_steps"
    __table_args__ = (sa.UniqueConstraint("project_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(index=True, max_length=64)
    position: int
    role: str = Field(max_length=40)
    status: str = Field(default="pending", max_length=20)  # pending | approved | rejected
    decided_by: str | None = Field(default=None, max_length=120)
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    comment: str = ""


class PlanEntry(Base, table=True):
    """A project in a year's plan (年度计划) of a jurisdiction; adjustments and deferrals keep who/why."""

    __tablename__ = "plan_entries"
    __table_args__ = (sa.UniqueConstraint("year", "project_id"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    jurisdiction: str = Field(index=True, max_length=40)
    project_id: str = Field(index=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    title: str | None = Field(default=None, max_length=300)
    total_investment_fen: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    status: str = Field(default="planned", max_length=20)  # planned | dropped | deferred
    source: str = Field(max_length=30)  # approval | midyear_adjustment
    reason: str = ""
    decided_by: str = Field(max_length=120)
    rule_id: str | None = Field(default=None, max_length=120)
    citation: str | None = Field(default=None, max_length=120)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
