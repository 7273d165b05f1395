"""Oversight's tables: supervision findings (监督检查发现的问题), every step they went through, and the
scheduled supervision rounds (Quzhou's mid-term stage supervision, 阶段监管)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Column, Field

from services.catalog.tables import Base
from shared.db import JSONType, UTCDateTime


class Finding(Base, table=True):
    """A finding against a project or a unit in one checked area, with its rectification deadline
    (限期整改) and the escalation step it reached (dazhou:第五十三条)."""

    __tablename__ = "findings"
    __table_args__ = (
        # the findings list's order (id) under its filters
        sa.Index("ix_findings_status_id", "status", "id"),
        sa.Index("ix_findings_unit_id", "unit", "id"),
        sa.Index("ix_findings_area_id", "area", "id"),
        # its other orders (by the day recorded, by the rectification day) and the year filter; search by
        # part of the text or the unit's name is served by trigram indexes on PostgreSQL (migration 0011)
        sa.Index("ix_findings_recorded_on_id", "recorded_on", "id"),
        sa.Index("ix_findings_rectify_by_id", "rectify_by", "id"),
    )

    id: str = Field(primary_key=True, max_length=64)
    project_id: str | None = Field(default=None, index=True, max_length=64)
    subject: str = Field(index=True, max_length=64)  # the project, or the finding itself for a unit finding
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    secret: bool = False
    area: str = Field(index=True, max_length=40)
    description: str = ""
    round_id: int | None = Field(default=None, index=True)
    recorded_by: str = Field(max_length=120)
    recorded_role: str = Field(max_length=40)
    recorded_on: date
    rectify_by: date = Field(index=True)
    # open | rectification_submitted | resolved | terminated
    status: str = Field(default="open", index=True, max_length=30)
    step: str | None = Field(default=None, max_length=30)  # the last escalation step applied
    escalated_on: date | None = None
    resolved_on: date | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class FindingStep(Base, table=True):
    """Who did what to a finding, when, why and under which rule: recorded, rectification submitted,
    accepted or rejected, escalated, resolved."""

    __tablename__ = "finding_steps"

    id: int | None = Field(default=None, primary_key=True)
    finding_id: str = Field(index=True, max_length=64)
    action: str = Field(max_length=40)
    step: str | None = Field(default=None, max_length=30)
    actor: str = Field(max_length=120)
    reason: str = ""
    rule_id: str | None = Field(default=None, max_length=120)
    citation: str | None = Field(default=None, max_length=120)
    on: date
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))


class SupervisionRound(Base, table=True):
    """A scheduled supervision round of one project (quzhou:三(四) 项目实施中期…阶段监管)."""

    __tablename__ = "supervision_rounds"
    __table_args__ = (sa.UniqueConstraint("project_id", "kind", name="uq_supervision_round_project_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(index=True, max_length=64)
    unit: str = Field(max_length=120)
    jurisdiction: str = Field(max_length=40)
    kind: str = Field(default="midterm", max_length=20)
    scheduled_on: date = Field(index=True)
    departments: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    rule_id: str = Field(max_length=120)
    citation: str = Field(max_length=120)
    status: str = Field(default="scheduled", index=True, max_length=20)  # scheduled | held
    held_on: date | None = None
    held_by: str | None = Field(default=None, max_length=120)
    conclusion: str = ""


class AccountabilityCase(Base, table=True):
    """A case of accountability (追责) against a unit, with the rules it triggered and their citations
    (dazhou:第五十四条; quzhou:五(三)): detected from the events (未批先建) or recorded by a department."""

    __tablename__ = "accountability_cases"
    __table_args__ = (sa.Index("ix_accountability_cases_unit_id", "unit", "id"),)

    id: str = Field(primary_key=True, max_length=64)
    project_id: str | None = Field(default=None, index=True, max_length=64)
    subject: str = Field(index=True, max_length=64)  # the project, or the case itself
    unit: str = Field(max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    secret: bool = False
    kind: str = Field(index=True, max_length=40)
    detected: bool = False
    description: str = ""
    consequences: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    rule_ids: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    citations: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    recorded_by: str = Field(max_length=120)
    recorded_on: date
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
