"""Procurement's own tables: projects under their ceiling, plans, tenders, bids, awards, contracts (合同),
supplementary contracts (补充合同) with their approval steps, sanctions and incident reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from services.procurement.domain import Stage
from shared.db import ServiceSchema, UTCDateTime

schema = ServiceSchema("procurement")

if TYPE_CHECKING:
    Base = SQLModel  # what `schema.Base` is, named so the checker accepts it as a base class
else:
    Base = schema.Base


def _money(nullable: bool = False) -> Column:
    return Column(sa.BigInteger, nullable=nullable)


def _moment(nullable: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable)


class ProcurementProject(Base, table=True):
    """A project as procurement knows it. It exists for the API once the estimate (概算) is approved;
    before that a row may hold what the approval letter said."""

    __tablename__ = "procurement_projects"

    project_id: str = Field(primary_key=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    ceiling_fen: int | None = Field(default=None, sa_column=_money(nullable=True))  # the approved estimate 概算
    estimate_revision: int = 0
    control_price_fen: int | None = Field(default=None, sa_column=_money(nullable=True))  # 招标控制价
    title: str | None = Field(default=None, max_length=300)
    secret: bool = False
    approval_letter_no: str | None = Field(default=None, max_length=120)
    # approved → estimate_approved → plan_filed → tendering → awarded → contracted; restarted; terminated
    stage: str = Field(default=Stage.ESTIMATE_APPROVED.value, index=True, max_length=30)
    cycle: int = 1  # a supplement over the cap restarts the procedure in a new cycle (dazhou:第四十三条)
    construction_due: date | None = None
    construction_completed_on: date | None = None
    termination_requested: bool = False
    created_at: datetime = Field(sa_column=_moment())
    updated_at: datetime = Field(sa_column=_moment())


class ProcurementPlan(Base, table=True):
    """采购计划备案 (dazhou:第四十条): one per project and cycle."""

    __tablename__ = "procurement_plans"
    __table_args__ = (sa.UniqueConstraint("project_id", "cycle", name="uq_plan_project_cycle"),)

    id: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(index=True, max_length=64)
    cycle: int
    method: str = Field(max_length=40)
    budget_fen: int = Field(sa_column=_money())
    control_price_fen: int | None = Field(default=None, sa_column=_money(nullable=True))
    route: str = Field(max_length=60)  # the pack's procurement.organiser path
    # who reviews the plan before the tender (all but the last) and who runs the tender (the last)
    steps: list[str] = Field(default_factory=list, sa_column=Column(sa.JSON, nullable=False))
    reviews_done: int = 0
    unit_is_soe: bool = False
    above_procurement_limit: bool = True
    in_annual_plan: bool = True
    major_project: bool = False
    supervisor: str | None = Field(default=None, max_length=200)
    filed_on: date
    filed_by: str = Field(max_length=120)
    filed_at: datetime = Field(sa_column=_moment())


class Supplier(Base, table=True):
    """A supplier (供应商) known to the platform, by its unified social credit code."""

    __tablename__ = "suppliers"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    credit_code: str = Field(max_length=18, sa_column_kwargs={"unique": True})
    registered_by: str = Field(max_length=120)
    registered_at: datetime = Field(sa_column=_moment())


class Tender(Base, table=True):
    """招标: a call for bids under a maximum price (招标最高限价)."""

    __tablename__ = "tenders"

    id: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(index=True, max_length=64)
    cycle: int
    title: str = Field(max_length=300)
    method: str = Field(max_length=40)
    ceiling_fen: int = Field(sa_column=_money())
    published_on: date
    bid_deadline: date
    status: str = Field(default="open", max_length=20)  # open → awarded | cancelled
    published_by: str = Field(max_length=120)
    published_at: datetime = Field(sa_column=_moment())


class Bid(Base, table=True):
    __tablename__ = "bids"
    __table_args__ = (sa.UniqueConstraint("tender_id", "supplier_id", name="uq_bid_tender_supplier"),)

    id: str = Field(primary_key=True, max_length=64)
    tender_id: str = Field(index=True, max_length=64)
    supplier_id: str = Field(max_length=64)
    amount_fen: int = Field(sa_column=_money())
    submitted_on: date
    recorded_by: str = Field(max_length=120)
    recorded_at: datetime = Field(sa_column=_moment())


class Award(Base, table=True):
    """中标: one per tender, to a supplier that bid."""

    __tablename__ = "awards"

    id: str = Field(primary_key=True, max_length=64)
    tender_id: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    project_id: str = Field(index=True, max_length=64)
    cycle: int
    supplier_id: str = Field(max_length=64)
    amount_fen: int = Field(sa_column=_money())
    awarded_on: date
    awarded_by: str = Field(max_length=120)
    awarded_at: datetime = Field(sa_column=_moment())


class Contract(Base, table=True):
    __tablename__ = "contracts"

    id: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(index=True, max_length=64)
    supplier: str = Field(max_length=200)
    amount_fen: int = Field(sa_column=_money())
    signed_on: date
    planned_completion: date
    cycle: int = 1
    award_id: str | None = Field(default=None, max_length=64)
    supplier_id: str | None = Field(default=None, max_length=64)
    procured_via: str = Field(default="outside_platform", max_length=30)  # platform_tender | outside_platform
    procurement_method: str = Field(default="unspecified", max_length=40)
    supervisor: str | None = Field(default=None, max_length=200)
    construction_due: date | None = None
    registered_by: str = Field(max_length=120)
    registered_at: datetime = Field(sa_column=_moment())


class Supplement(Base, table=True):
    """补充合同 (dazhou:第四十三条) or, where the pack says so, a contract change (fengxian:第二十二条)."""

    __tablename__ = "supplements"

    id: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(index=True, max_length=64)
    contract_id: str = Field(index=True, max_length=64)
    amount_fen: int = Field(sa_column=_money())
    cumulative_fen: int = Field(sa_column=_money())  # this and every earlier live supplement of the contract
    original_contract_fen: int = Field(sa_column=_money())
    reason: str = Field(default="", max_length=1000)
    # pending_approval → approved | rejected; cap_exceeded (the procedure restarts)
    status: str = Field(default="pending_approval", index=True, max_length=20)
    requested_by: str = Field(max_length=120)
    requested_at: datetime = Field(sa_column=_moment())
    decided_on: date | None = None


class SupplementStep(Base, table=True):
    """One authority step of a supplement, acted in order by a leader role."""

    __tablename__ = "supplement_steps"

    id: int | None = Field(default=None, primary_key=True)
    supplement_id: str = Field(index=True, max_length=64)
    position: int
    role: str = Field(max_length=40)
    status: str = Field(default="pending", max_length=20)  # pending | approved | rejected
    decided_by: str | None = Field(default=None, max_length=120)
    decided_at: datetime | None = Field(default=None, sa_column=_moment(nullable=True))
    comment: str = Field(default="", max_length=1000)


class Sanction(Base, table=True):
    """A suspension (暂停) on a project: by the bureau (dazhou:第四十六条) or a supervision finding
    (dazhou:第五十三条). Active while `lifted_on` is None; it refuses new contracts and supplements."""

    __tablename__ = "sanctions"

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(index=True, max_length=64)
    cause: str = Field(max_length=20)  # bureau | finding
    finding_id: str | None = Field(default=None, index=True, max_length=64)
    rule_id: str = Field(max_length=120)
    citation: str = Field(max_length=120)
    reason: str = Field(default="", max_length=1000)
    since: date
    lifted_on: date | None = None


class Incident(Base, table=True):
    """A report under dazhou:第四十六条: serious delay, major loss, or a project that cannot continue."""

    __tablename__ = "incidents"

    id: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=30)  # serious_delay | major_loss | cannot_continue
    description: str = Field(default="", max_length=2000)
    substantial_progress: bool = False
    handling: str = Field(
        max_length=40
    )  # the pack's route: report_rectify_or_suspend | terminate_with_approval | continue
    reported_on: date
    reported_by: str = Field(max_length=120)
    rectification_due: date | None = None


class OmTenderLine(Base, table=True):
    """An approved O&M budget the bureau tenders with the year's others (jiyuan:运行维护 统一运维招投标), as
    budget.om_budget.approved.v1 carries it; `tender_id` once it went into the year's unified tender."""

    __tablename__ = "om_tender_lines"

    om_budget_id: str = Field(primary_key=True, max_length=64)
    system_id: str = Field(max_length=200)
    unit: str = Field(max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    funding_year: int = Field(index=True)
    amount_fen: int = Field(sa_column=_money())
    tender_id: str | None = Field(default=None, index=True, max_length=64)
    received_at: datetime = Field(sa_column=_moment())


class OmUnifiedTender(Base, table=True):
    """The bureau's one O&M tender of a year for all units (政务服务和大数据管理局每年统一进行运维招投标)."""

    __tablename__ = "om_unified_tenders"
    __table_args__ = (sa.UniqueConstraint("jurisdiction", "funding_year", name="uq_om_unified_tender_year"),)

    id: str = Field(primary_key=True, max_length=64)
    jurisdiction: str = Field(max_length=40)
    funding_year: int
    title: str = Field(max_length=300)
    ceiling_fen: int = Field(sa_column=_money())
    line_count: int
    published_on: date
    published_by: str = Field(max_length=120)
    rule_id: str = Field(max_length=120)
    citation: str = Field(max_length=120)
    created_at: datetime = Field(sa_column=_moment())
