"""Budget's API models. Money is integer fen: a float or a string is refused, not rounded."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt, model_validator

from shared.limits import RequestModel, Text

Fen = StrictInt


class Body(RequestModel):
    """A request body: unknown fields refused, strings bounded and free of control characters."""


class EstimateApproval(Body):
    estimate_fen: Fen = Field(gt=0, description="approved estimate 概算, integer fen")


#: The contents dazhou:第三十六条 lists for the technical plan (the pack's budget.technical_plan_contents labels them).
TechnicalPlanItem = Literal[
    "existing_it_status",
    "gov_cloud_and_data_sharing",
    "construction_basis",
    "construction_goals",
    "construction_content",
    "sharing_and_opening",
    "estimate_and_calculation_basis",
    "construction_mode",
    "operation_and_maintenance",
    "security_system",
]


class TechnicalPlanDelivery(Body):
    """报送技术方案: what the plan contains; where the pack lists required contents (dazhou:第三十六条) a plan
    lacking any of them is refused, naming each."""

    contents: list[TechnicalPlanItem] = Field(default_factory=list, max_length=20)


class ConsultationPublish(Body):
    """功能清单公示 (dazhou:第三十五条): the announced period must be at least the pack's minimum."""

    published_on: date
    ends_on: date

    @model_validator(mode="after")
    def _order(self) -> ConsultationPublish:
        if self.ends_on < self.published_on:
            raise ValueError("ends_on is before published_on")
        return self


class TechnicalReview(Body):
    """技术方案审查 (dazhou:第三十七条): passed approves the estimate in the same step."""

    passed: StrictBool
    estimate_fen: Fen | None = Field(default=None, gt=0)
    opinion: Text = Field(default="", max_length=2000)


class ControlPriceSubmission(Body):
    control_price_fen: Fen = Field(gt=0, description="tender control price 招标控制价, integer fen")


class ControlPriceApproval(Body):
    control_price_fen: Fen | None = Field(
        default=None, gt=0, description="finance's reviewed figure (default: submitted)"
    )


class ReleaseRequest(Body):
    contract_id: str = Field(min_length=1, max_length=64)
    amount_fen: Fen = Field(gt=0, description="integer fen")
    payer: str | None = Field(default=None, max_length=120, description="the level paying, for a joint project")
    adjustment_id: str | None = Field(default=None, max_length=64, description="the change this spending comes from")
    progress_percent: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="the implementation progress the bureau confirmed, in % (quzhou:三(四) pays by progress)",
    )


class ReleasePublic(BaseModel):
    id: str
    project_id: str
    contract_id: str
    amount_fen: int
    released_total_fen: int
    payer: str | None = None


class EstimateHistoryEntry(BaseModel):
    revision: int
    estimate_fen: int
    approved_on: date


class DeadlinePublic(BaseModel):
    rule_id: str
    citation: str
    due_on: date
    status: str
    description: str


class BudgetProjectPublic(BaseModel):
    project_id: str
    unit: str
    jurisdiction: str
    stage: str
    approved_investment_fen: int
    approval_letter_no: str
    plan_year: int
    estimate_fen: int | None
    consultation_published_on: date | None
    consultation_ends_on: date | None
    technical_plan_submitted_on: date | None
    technical_review_completed_on: date | None
    control_price_fen: int | None
    control_price_submitted_on: date | None
    control_price_approved_on: date | None
    released_fen: int
    surplus_returned_fen: int
    accepted: bool
    acceptance_documents: list[str]
    failed_acceptance_items: list[str]
    releases_stopped_by: list[dict] = Field(default_factory=list, description="active supervision steps")
    shares: list[dict] = Field(default_factory=list)
    deadlines: list[DeadlinePublic] = Field(default_factory=list)
    estimate_history: list[dict]


class BudgetProjectsPublic(BaseModel):
    items: list[BudgetProjectPublic]
    next_cursor: str | None


class ShareItem(Body):
    payer: str = Field(min_length=1, max_length=120, description="e.g. 衢州市财政局 / 柯城区财政局")
    level: Literal["city", "county"]
    share_fen: Fen = Field(gt=0)


class SharesRequest(Body):
    shares: list[ShareItem] = Field(min_length=2, max_length=50)

    @model_validator(mode="after")
    def _unique(self) -> SharesRequest:
        payers = [s.payer for s in self.shares]
        if len(payers) != len(set(payers)):
            raise ValueError("each payer appears once")
        return self


class SurplusRequest(Body):
    goals_unchanged: StrictBool


class SurplusPublic(BaseModel):
    project_id: str
    route: str
    amount_fen: int
    rule_id: str
    citation: str
    stage: str


AdjustmentCase = Literal["deployment", "optimisation", "business_development", "other"]


class AdjustmentRequest(Body):
    """调整: `amount_fen` is the money moved between contents; `adjusted_total_fen` the total after it
    (default: unchanged)."""

    amount_fen: Fen = Field(gt=0)
    adjusted_total_fen: Fen | None = Field(default=None, gt=0)
    case: AdjustmentCase
    major: StrictBool = False
    goals_unchanged: StrictBool = True
    description: Text = Field(default="", max_length=2000)


class AdjustmentDecision(Body):
    approve: StrictBool


class Reason(BaseModel):
    rule_id: str
    citation: str
    message_zh: str
    message_en: str


class AdjustmentPublic(BaseModel):
    id: str
    project_id: str
    amount_fen: int
    adjusted_total_fen: int
    approved_total_fen: int
    case: str
    major: bool
    goals_unchanged: bool
    route: str
    status: str
    requested_at: datetime
    reasons: list[Reason] = Field(default_factory=list, description="why it needs prior approval")


class BudgetLineCreate(Body):
    year: StrictInt = Field(ge=2000, le=2100)
    kind: Literal["preparatory", "supplementary", "mid_year_addition"]
    amount_fen: Fen = Field(gt=0)
    project_id: str | None = Field(default=None, max_length=64)
    jurisdiction: str | None = Field(default=None, max_length=40)
    unit: str | None = Field(default=None, max_length=120)
    reference: str = Field(default="", max_length=200, description="e.g. the mid-year plan adjustment document")


class BudgetLinePublic(BaseModel):
    id: str
    year: int
    jurisdiction: str
    unit: str
    project_id: str | None
    kind: str
    amount_fen: int
    reference: str
    created_at: datetime


class BudgetLinesPublic(BaseModel):
    items: list[BudgetLinePublic]
    next_cursor: str | None


class OmBudgetCreate(Body):
    system_id: str = Field(min_length=1, max_length=64)
    jurisdiction: str = Field(default="dazhou", max_length=40, description="used when the system is unknown")
    funding_year: StrictInt = Field(ge=2000, le=2100)
    om_type: Literal["new", "continued"]
    amount_fen: Fen = Field(gt=0)
    reassessed: StrictBool = False
    free_maintenance_ends_on: date | None = None


class OmBudgetPublic(BaseModel):
    id: str
    system_id: str
    project_id: str
    unit: str
    jurisdiction: str
    funding_year: int
    om_type: str
    amount_fen: int
    reassessed: bool
    status: str  # requested | reviewed | approved | stopped
    unified_tender: bool = False
    stopped_on: date | None = None


class OmBudgetsPublic(BaseModel):
    items: list[OmBudgetPublic]
    next_cursor: str | None


class ThirdPartyCheck(Body):
    """第三方评审机构核定: who checked the task's amount, when, and what they confirmed."""

    reviewer: str = Field(min_length=1, max_length=200)
    reference: str = Field(min_length=1, max_length=200, description="the review report number")
    checked_on: date
    confirmed_amount_fen: Fen = Field(gt=0)


class DataOperationPaymentRequest(Body):
    """Pay a public data-operation service task (公共数据运营服务任务) exactly once.

    Catalog calls this after the task's acceptance and the third-party check; a task is paid at most once
    (a second request for the same task is a 409 naming the first payment; the same Idempotency-Key
    returns the first answer)."""

    task_id: str = Field(min_length=1, max_length=64)
    operator_id: str = Field(min_length=1, max_length=120)
    jurisdiction: str = Field(min_length=1, max_length=40)
    amount_fen: Fen = Field(gt=0, description="the amount to pay, at most the confirmed amount")
    accepted_on: date | None = Field(default=None, description="the task's acceptance date; null: not accepted")
    third_party_check: ThirdPartyCheck | None = None


class DataOperationPaymentPublic(BaseModel):
    payment_id: str
    task_id: str
    operator_id: str
    jurisdiction: str
    amount_fen: int
    confirmed_amount_fen: int
    accepted_on: date
    checked_on: date
    check_reference: str
    paid_at: datetime
