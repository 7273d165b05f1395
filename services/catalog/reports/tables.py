"""The reporting read model (报表): what catalog knows of projects and money, built only from the other
services' events (never from their databases), plus the overdue deadlines they announced."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Column, Field

from services.catalog.tables import Base
from shared.db import UTCDateTime


class ProjectRecord(Base, table=True):
    """Catalog's project register, read by reports and oversight (docs/architecture.md): one project as the
    events told it, where it stands and its amounts. A secret (涉密) project has no
    title (the events carry none, dazhou:第六十五条); reports count it and sum its money, never name it."""

    __tablename__ = "report_projects"

    project_id: str = Field(primary_key=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    secret: bool = False
    title: str | None = Field(default=None, max_length=300)
    plan_year: int | None = None
    total_investment_fen: int | None = Field(default=None, sa_column=Column(sa.BigInteger, nullable=True))
    # submitted | admitted | rejected | approved | contracted | accepted (the furthest stage heard of)
    status: str = Field(default="submitted", index=True, max_length=20)
    submitted_on: date | None = None
    admitted_on: date | None = None
    rejected_on: date | None = None
    approved_on: date | None = None
    contracted_on: date | None = None
    accepted_on: date | None = None
    planned_completion: date | None = None
    estimate_fen: int | None = Field(default=None, sa_column=Column(sa.BigInteger, nullable=True))
    contracted_fen: int = Field(default=0, sa_column=Column(sa.BigInteger, nullable=False, server_default="0"))
    released_fen: int = Field(default=0, sa_column=Column(sa.BigInteger, nullable=False, server_default="0"))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class MoneyEntry(Base, table=True):
    """A dated amount of a project: an approved estimate (per revision), a contract or supplement, a release."""

    __tablename__ = "report_money"
    __table_args__ = (sa.UniqueConstraint("project_id", "kind", "ref", name="uq_report_money_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=20)  # estimate | contract | release
    ref: str = Field(max_length=80)  # revision, contract/supplement id, release id
    amount_fen: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    on: date = Field(index=True)


class OverdueNotice(Base, table=True):
    """A `<service>.deadline.overdue.v1` another service announced (catalog's own are in its deadlines table)."""

    __tablename__ = "report_overdue"

    event_id: str = Field(primary_key=True, max_length=64)
    service: str = Field(max_length=20)
    subject: str = Field(index=True, max_length=64)
    rule_id: str = Field(max_length=120)
    citation: str = Field(max_length=120)
    due_on: date = Field(index=True)
    noticed_on: date
