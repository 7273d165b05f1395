"""Procurement's own tables: projects under their ceiling, and contracts (合同)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Column, Field

from shared.db import ServiceSchema

schema = ServiceSchema("procurement")


class ProcurementProject(schema.Base, table=True):
    __tablename__ = "procurement_projects"

    project_id: str = Field(primary_key=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    ceiling_fen: int = Field(sa_column=Column(sa.BigInteger, nullable=False))  # the approved estimate 概算
    # estimate_approved → contracted
    stage: str = Field(default="estimate_approved", index=True, max_length=30)
    created_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))


class Contract(schema.Base, table=True):
    __tablename__ = "contracts"

    id: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(index=True, max_length=64)
    supplier: str = Field(max_length=200)
    amount_fen: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    signed_on: date
    planned_completion: date
    registered_by: str = Field(max_length=120)
    registered_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
