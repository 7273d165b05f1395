"""Intake's own tables: applications (申报) and the project library (项目库)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Column, Field

from shared.db import JSONType, ServiceSchema

schema = ServiceSchema("intake")


class Application(schema.Base, table=True):
    """One project's application, from draft through the library (入库) decision."""

    __tablename__ = "applications"

    id: str = Field(primary_key=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    title: str = Field(max_length=300)
    category: str = Field(max_length=40)
    construction_type: str = Field(max_length=20)
    implementation_mode: str = Field(max_length=20)
    total_investment_fen: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    plan_year: int = Field(index=True)
    secret: bool = False
    status: str = Field(default="draft", index=True, max_length=20)  # draft|submitted|admitted|refused
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    submitted_at: datetime | None = Field(default=None, sa_column=Column(sa.DateTime(timezone=True)))
    decided_at: datetime | None = Field(default=None, sa_column=Column(sa.DateTime(timezone=True)))
    lock_version: int = 1
