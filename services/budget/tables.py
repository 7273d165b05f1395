"""Budget's own tables: projects as finance sees them, estimates (概算) with history, fund releases."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Column, Field

from shared.db import ServiceSchema

schema = ServiceSchema("budget")


def _money() -> Column:
    return Column(sa.BigInteger, nullable=False)


class BudgetProject(schema.Base, table=True):
    __tablename__ = "budget_projects"

    project_id: str = Field(primary_key=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    secret: bool = False
    approved_investment_fen: int = Field(sa_column=_money())
    approval_letter_no: str = Field(max_length=80)
    # approved → estimate_approved → accepted (payments allowed) | failed
    stage: str = Field(default="approved", index=True, max_length=30)
    estimate_fen: int | None = Field(default=None, sa_column=Column(sa.BigInteger))
    accepted: bool = False
    acceptance_documents: list[str] = Field(default_factory=list, sa_column=Column(sa.JSON, nullable=False))
    released_fen: int = Field(default=0, sa_column=Column(sa.BigInteger, nullable=False, server_default="0"))
    created_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))


class EstimateRevision(schema.Base, table=True):
    """Every approved estimate, oldest first; the latest is the ceiling (dazhou:第二十八条)."""

    __tablename__ = "estimate_revisions"

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(index=True, max_length=64)
    revision: int
    estimate_fen: int = Field(sa_column=_money())
    approved_on: date
    approved_by: str = Field(max_length=120)


class ContractRef(schema.Base, table=True):
    """Contracts known from procurement events; releases are paid against them."""

    __tablename__ = "contracts"

    contract_id: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(index=True, max_length=64)
    amount_fen: int = Field(sa_column=_money())
    supplier: str = Field(max_length=200)


class FundRelease(schema.Base, table=True):
    __tablename__ = "fund_releases"

    id: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(index=True, max_length=64)
    contract_id: str = Field(max_length=64)
    amount_fen: int = Field(sa_column=_money())
    released_by: str = Field(max_length=120)
    released_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
