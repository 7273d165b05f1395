"""Review's own tables: review cases (联审) and approval steps (立项 by authority)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Column, Field

from shared.db import ServiceSchema

schema = ServiceSchema("review")


class ReviewCase(schema.Base, table=True):
    """A project admitted to the library, as review sees it."""

    __tablename__ = "review_cases"

    project_id: str = Field(primary_key=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    title: str | None = Field(default=None, max_length=300)
    secret: bool = False
    total_investment_fen: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    plan_year: int
    # admitted → awaiting_approval → approved | rejected
    stage: str = Field(default="admitted", index=True, max_length=30)
    approval_letter_no: str | None = Field(default=None, max_length=80)
    approved_on: date | None = None
    pack_version: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))


class ApprovalStep(schema.Base, table=True):
    """One authority's step in the approval route (dazhou:第十条), a task for a leader role."""

    __tablename__ = "approval_steps"
    __table_args__ = (sa.UniqueConstraint("project_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(index=True, max_length=64)
    position: int
    role: str = Field(max_length=40)
    status: str = Field(default="pending", max_length=20)  # pending | approved | rejected
    decided_by: str | None = Field(default=None, max_length=120)
    decided_at: datetime | None = Field(default=None, sa_column=Column(sa.DateTime(timezone=True)))
    comment: str = ""
