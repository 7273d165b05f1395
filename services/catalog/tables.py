"""Catalog's own tables: the system catalog (系统目录)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Column, Field

from shared.db import ServiceSchema

schema = ServiceSchema("catalog")


class System(schema.Base, table=True):
    """A running (or retired) system; registered on acceptance or imported as a stock system."""

    __tablename__ = "systems"

    id: str = Field(primary_key=True, max_length=64)
    project_id: str | None = Field(default=None, index=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    name: str | None = Field(default=None, max_length=300)
    secret: bool = False
    state: str = Field(default="running", index=True, max_length=20)  # running | trial | suspended | retired
    registered_on: date
    created_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
