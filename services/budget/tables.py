"""Budget's own tables: projects as finance sees them (概算 with history, the technical-plan timeline, control
price), fund releases, adjustments, annual budget lines, O&M budgets, city–county shares, data-operation
payments, and the local views built from other services' events (catalog systems, supervision findings)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from services.budget.domain import Stage
from shared.db import ServiceSchema, UTCDateTime

schema = ServiceSchema("budget")

if TYPE_CHECKING:
    Base = SQLModel  # what `schema.Base` is, named so the checker accepts it as a base class
else:
    Base = schema.Base


def _money() -> Column:
    return Column(sa.BigInteger, nullable=False)


def _moment() -> Column:
    return Column(UTCDateTime(), nullable=False)


class BudgetProject(Base, table=True):
    __tablename__ = "budget_projects"

    project_id: str = Field(primary_key=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    secret: bool = False
    approved_investment_fen: int = Field(sa_column=_money())
    approval_letter_no: str = Field(max_length=80)
    plan_year: int = Field(default=0, sa_column=Column(sa.Integer, nullable=False, server_default="0"))
    # approved → consultation → plan_submitted (→ plan_returned) → estimate_approved → control_price_submitted
    # → control_price_approved; accepted (payments allowed) | closed (surplus returned)
    stage: str = Field(default=Stage.APPROVED.value, index=True, max_length=30)
    estimate_fen: int | None = Field(default=None, sa_column=Column(sa.BigInteger))
    consultation_published_on: date | None = None
    consultation_ends_on: date | None = None
    technical_plan_submitted_on: date | None = None
    technical_review_completed_on: date | None = None
    control_price_fen: int | None = Field(default=None, sa_column=Column(sa.BigInteger))
    control_price_submitted_on: date | None = None
    control_price_approved_on: date | None = None
    accepted: bool = False
    acceptance_documents: list[str] = Field(default_factory=list, sa_column=Column(sa.JSON, nullable=False))
    # kinds of material the application was filed with (from the approval event); the information
    # resource catalog among them is a precondition of the technical review (dazhou:第二十六条)
    materials: list[str] = Field(default_factory=list, sa_column=Column(sa.JSON, nullable=False, server_default="[]"))
    # acceptance items that failed (crypto_review, mlps_test, ...): no O&M money while a security one fails
    failed_acceptance_items: list[str] = Field(
        default_factory=list, sa_column=Column(sa.JSON, nullable=False, server_default="[]")
    )
    released_fen: int = Field(default=0, sa_column=Column(sa.BigInteger, nullable=False, server_default="0"))
    surplus_returned_fen: int = Field(default=0, sa_column=Column(sa.BigInteger, nullable=False, server_default="0"))
    created_at: datetime = Field(sa_column=_moment())
    updated_at: datetime = Field(sa_column=_moment())


class EstimateRevision(Base, table=True):
    """Every approved estimate, oldest first; the latest is the ceiling (dazhou:第二十八条)."""

    __tablename__ = "estimate_revisions"

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(index=True, max_length=64)
    revision: int
    estimate_fen: int = Field(sa_column=_money())
    approved_on: date
    approved_by: str = Field(max_length=120)


class ContractRef(Base, table=True):
    """Contracts known from procurement events; releases are paid against them."""

    __tablename__ = "contracts"

    contract_id: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(index=True, max_length=64)
    amount_fen: int = Field(sa_column=_money())
    supplier: str = Field(max_length=200)


class FundRelease(Base, table=True):
    __tablename__ = "fund_releases"

    id: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(index=True, max_length=64)
    contract_id: str = Field(max_length=64)
    amount_fen: int = Field(sa_column=_money())
    payer: str | None = Field(default=None, max_length=120)  # the level bearing it, for a joint project
    adjustment_id: str | None = Field(default=None, max_length=64)  # the change that caused the spending
    released_by: str = Field(max_length=120)
    released_at: datetime = Field(sa_column=_moment())


class Adjustment(Base, table=True):
    """A change of content (调整) during construction: filed (备案, dazhou:第四十五条) or approved
    beforehand (事先审批, dazhou:第四十四条)."""

    __tablename__ = "adjustments"

    id: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(index=True, max_length=64)
    amount_fen: int = Field(sa_column=_money())
    adjusted_total_fen: int = Field(sa_column=_money())
    approved_total_fen: int = Field(sa_column=_money())  # the estimate it was measured against
    case: str = Field(max_length=40)
    major: bool = False
    goals_unchanged: bool = True
    description: str = Field(default="", sa_column=Column(sa.Text, nullable=False, server_default=""))
    route: str = Field(max_length=20)  # filing | approval
    status: str = Field(index=True, max_length=20)  # filed | pending | approved | rejected
    requested_by: str = Field(max_length=120)
    requested_at: datetime = Field(sa_column=_moment())
    decided_by: str | None = Field(default=None, max_length=120)
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class AnnualBudgetLine(Base, table=True):
    """One line of a year's budget (年度预算): preparatory funds, the supplement after the budget review,
    a mid-year addition, O&M (dazhou:第二十九条,第三十四条)."""

    __tablename__ = "annual_budget_lines"

    id: str = Field(primary_key=True, max_length=64)
    year: int = Field(index=True)
    jurisdiction: str = Field(index=True, max_length=40)
    unit: str = Field(index=True, max_length=120)
    project_id: str | None = Field(default=None, index=True, max_length=64)
    kind: str = Field(max_length=30)  # preparatory | supplementary | mid_year_addition | om
    amount_fen: int = Field(sa_column=_money())
    reference: str = Field(default="", max_length=200)
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(sa_column=_moment())


class OmBudget(Base, table=True):
    """An O&M budget request (运维经费) for a catalogued system (dazhou:第三十二条,第三十三条)."""

    __tablename__ = "om_budgets"

    id: str = Field(primary_key=True, max_length=64)
    system_id: str = Field(index=True, max_length=64)
    project_id: str = Field(index=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    funding_year: int
    om_type: str = Field(max_length=20)  # new | continued
    amount_fen: int = Field(sa_column=_money())
    reassessed: bool = False
    free_maintenance_ends_on: date | None = None
    # requested → (reviewed by the bureau where the pack routes it so, fengxian:第二十九条) → approved; stopped
    status: str = Field(default="requested", index=True, max_length=20)
    requested_by: str = Field(max_length=120)
    requested_at: datetime = Field(sa_column=_moment())
    reviewed_by: str | None = Field(default=None, max_length=120)
    reviewed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    approved_by: str | None = Field(default=None, max_length=120)
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    unified_tender: bool = False  # jiyuan:运行维护: taken into the bureau's annual unified O&M tender
    stopped_on: date | None = None


class CatalogSystem(Base, table=True):
    """Budget's view of the system catalog (系统目录), from catalog.system.registered/retired."""

    __tablename__ = "catalog_systems"

    system_id: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(index=True, max_length=64)
    unit: str = Field(max_length=120)
    jurisdiction: str = Field(max_length=40)
    state: str = Field(default="registered", max_length=20)  # registered | retired
    registered_on: date
    retired_on: date | None = None
    # the live security failures catalog reports after acceptance (crypto_review, mlps_test, major_security_risk):
    # while one stands no O&M money is arranged (dazhou:第五十七条)
    security_failures: list[str] = Field(
        default_factory=list, sa_column=Column(sa.JSON, nullable=False, server_default="[]")
    )
    # the day and event time of the security status applied last: an older status arriving late is stale
    security_changed_on: date | None = None
    security_event_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # the latest performance evaluation catalog reported (catalog.evaluation.completed.v1): a failed one limits
    # next year's O&M money until a later one passes (budget.om_evaluation_result, e.g. dazhou:第五十二条)
    evaluation_kind: str | None = Field(default=None, max_length=40)
    evaluation_passed: bool | None = None
    evaluation_completed_on: date | None = None
    evaluation_citation: str | None = Field(default=None, max_length=120)


class SupervisionFinding(Base, table=True):
    """Budget's view of catalog's supervision findings: the step each one reached (dazhou:第五十三条)."""

    __tablename__ = "supervision_findings"

    finding_id: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(index=True, max_length=64)
    unit: str = Field(max_length=120)
    area: str = Field(max_length=40)
    step: str = Field(max_length=40)
    rule_id: str = Field(max_length=120)
    citation: str = Field(max_length=120)
    escalated_on: date
    resolved_on: date | None = None


class CostShare(Base, table=True):
    """A level's share of a jointly built city–county project (统采分签、分级负担, quzhou:三(二)3)."""

    __tablename__ = "cost_shares"
    __table_args__ = (sa.UniqueConstraint("project_id", "payer", name="uq_cost_share_payer"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(index=True, max_length=64)
    payer: str = Field(max_length=120)
    level: str = Field(max_length=20)  # city | county
    share_fen: int = Field(sa_column=_money())


class DataOperationPayment(Base, table=True):
    """The one payment of a public data-operation service task (公共数据运营服务费, fengxian:第三十六条)."""

    __tablename__ = "data_operation_payments"

    task_id: str = Field(primary_key=True, max_length=64)
    payment_id: str = Field(unique=True, max_length=64)
    jurisdiction: str = Field(index=True, max_length=40)
    operator_id: str = Field(max_length=120)
    amount_fen: int = Field(sa_column=_money())
    confirmed_amount_fen: int = Field(sa_column=_money())
    accepted_on: date
    checked_on: date
    check_reference: str = Field(max_length=200)
    paid_by: str = Field(max_length=120)
    paid_at: datetime = Field(sa_column=_moment())
