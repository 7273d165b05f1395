"""Acceptance's own tables: projects from contract to acceptance (试运行, 验收)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Column, Field

from shared.db import ServiceSchema

schema = ServiceSchema("acceptance")


class AcceptanceProject(schema.Base, table=True):
    __tablename__ = "acceptance_projects"

    project_id: str = Field(primary_key=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    contract_signed_on: date
    # contracted → trial_run → pre_accepted → accepted | failed
    stage: str = Field(default="contracted", index=True, max_length=30)
    trial_started_on: date | None = None
    pre_accepted_on: date | None = None
    accepted_on: date | None = None
    system_name: str | None = Field(default=None, max_length=300)
    documents: list[str] = Field(default_factory=list, sa_column=Column(sa.JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
