"""Procurement's API models. Money is integer fen (StrictInt: a float or a string is a 422)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field, StrictInt, model_validator

from shared.limits import RequestModel, Text


class Method(StrEnum):
    """Procurement methods of the Government Procurement Law (政府采购法 第二十六条) and the platform's two extras."""

    OPEN_TENDER = "open_tender"  # 公开招标
    INVITED_TENDER = "invited_tender"  # 邀请招标
    COMPETITIVE_NEGOTIATION = "competitive_negotiation"  # 竞争性谈判
    COMPETITIVE_CONSULTATION = "competitive_consultation"  # 竞争性磋商
    SINGLE_SOURCE = "single_source"  # 单一来源
    REQUEST_FOR_QUOTATION = "request_for_quotation"  # 询价
    FRAMEWORK = "framework"  # 框架协议
    CENTRAL_VOLUME = "central_volume"  # 集中带量采购 (jiyuan)
    SELF_ORGANISED = "self_organised"  # 国有企业自行组织 (dazhou:第四十一条)
    UNSPECIFIED = "unspecified"


class Strict(RequestModel):
    """A request body: unknown fields refused, strings bounded and free of control characters."""


class PlanCreate(Strict):
    """采购计划备案 (dazhou:第四十条) with the inputs of dazhou:第三十九条."""

    method: Method = Method.OPEN_TENDER
    budget_fen: StrictInt | None = Field(
        default=None, gt=0, description="采购预算; default: the control price or estimate"
    )
    control_price_fen: StrictInt | None = Field(
        default=None, gt=0, description="招标控制价 reviewed by finance, when budget has not sent it"
    )
    filed_on: date | None = None
    unit_is_soe: bool = Field(default=False, description="the unit is a municipal state-owned enterprise")
    above_procurement_limit: bool = Field(default=True, description="达到政府采购限额标准")
    in_annual_plan: bool = Field(default=True, description="in this year's project plan")
    major_project: bool = Field(default=False, description="重大项目 (supervision required where the pack says)")
    supervisor: str | None = Field(default=None, max_length=200, description="监理单位, when already engaged")


class PlanReview(Strict):
    approve: bool
    comment: Text = Field(default="", max_length=1000)
    method: Method | None = Field(
        default=None, description="采购方式: decided by finance in its review where the pack says so (fengxian:第五条)"
    )


class PlanPublic(BaseModel):
    id: str
    cycle: int
    method: str
    budget_fen: int
    control_price_fen: int | None
    route: str
    steps: list[str]
    reviews_done: int
    reviews_pending: list[str]
    organiser: str
    major_project: bool
    supervisor: str | None
    filed_on: date


class SupplierCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    credit_code: str = Field(
        pattern=r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$", description="统一社会信用代码"
    )


class SupplierPublic(BaseModel):
    id: str
    name: str
    credit_code: str


class TenderCreate(Strict):
    title: str = Field(min_length=1, max_length=300)
    ceiling_fen: StrictInt = Field(gt=0, description="招标最高限价, integer fen")
    published_on: date
    bid_deadline: date
    method: Method | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> TenderCreate:
        if self.bid_deadline < self.published_on:
            raise ValueError("bid_deadline must not be before published_on")
        return self


class BidCreate(Strict):
    supplier_id: str = Field(min_length=1, max_length=64)
    amount_fen: StrictInt = Field(gt=0)
    submitted_on: date


class BidPublic(BaseModel):
    id: str
    supplier_id: str
    supplier: str
    amount_fen: int
    submitted_on: date


class AwardCreate(Strict):
    supplier_id: str = Field(min_length=1, max_length=64)
    awarded_on: date


class AwardPublic(BaseModel):
    id: str
    tender_id: str
    supplier_id: str
    supplier: str
    amount_fen: int
    awarded_on: date


class TenderPublic(BaseModel):
    id: str
    cycle: int
    title: str
    method: str
    ceiling_fen: int
    published_on: date
    bid_deadline: date
    status: str
    bids: list[BidPublic] = []
    award: AwardPublic | None = None


class ContractCreate(Strict):
    """One call registers a signed contract; `award_id` ties it to a tender run here, otherwise it was
    procured outside the platform and `procurement_method` says how."""

    supplier: str | None = Field(default=None, min_length=1, max_length=200)
    amount_fen: StrictInt = Field(gt=0, description="contract amount, integer fen")
    signed_on: date
    planned_completion: date
    award_id: str | None = Field(default=None, max_length=64)
    procurement_method: Method | None = None
    supervisor: str | None = Field(default=None, max_length=200, description="监理单位")

    @model_validator(mode="after")
    def _shape(self) -> ContractCreate:
        if self.planned_completion < self.signed_on:
            raise ValueError("planned_completion must not be before signed_on")
        if self.supplier is None and self.award_id is None:
            raise ValueError("supplier is required for a contract procured outside the platform (no award_id)")
        return self


class ContractPublic(BaseModel):
    id: str
    project_id: str
    supplier: str
    amount_fen: int
    signed_on: date
    planned_completion: date
    cycle: int = 1
    award_id: str | None = None
    procured_via: str = "outside_platform"
    procurement_method: str = "unspecified"
    supervisor: str | None = None
    construction_due: date | None = None
    supplements_fen: int = 0
    warnings: list[str] = []


class SupplementCreate(Strict):
    amount_fen: StrictInt = Field(gt=0, description="补充合同金额, integer fen")
    reason: Text = Field(default="", max_length=1000)


class ApprovalAct(Strict):
    approve: bool
    comment: Text = Field(default="", max_length=1000)


class StepPublic(BaseModel):
    position: int
    role: str
    status: str
    decided_by: str | None = None


class SupplementPublic(BaseModel):
    id: str
    contract_id: str
    project_id: str
    amount_fen: int
    cumulative_fen: int
    original_contract_fen: int
    ratio: str  # cumulative / original, as a percentage with 4 decimals
    status: str
    reason: str
    steps: list[StepPublic]
    next_step: str | None


class IncidentCreate(Strict):
    kind: str = Field(pattern=r"^(serious_delay|major_loss|cannot_continue)$")
    description: Text = Field(default="", max_length=2000)
    substantial_progress: bool = False
    reported_on: date | None = None


class IncidentPublic(BaseModel):
    id: str
    kind: str
    description: str
    substantial_progress: bool
    handling: str
    reported_on: date
    rectification_due: date | None


class RectificationOrder(Strict):
    incident_id: str = Field(min_length=1, max_length=64)
    due_on: date
    instructions: Text = Field(default="", max_length=2000)


class SuspensionOrder(Strict):
    reason: Text = Field(min_length=1, max_length=1000)


class TerminationApproval(Strict):
    approval_ref: str = Field(min_length=1, max_length=200, description="市委市政府同意的文号")
    approved_on: date


class SanctionPublic(BaseModel):
    cause: str
    finding_id: str | None
    rule_id: str
    citation: str
    reason: str
    since: date
    lifted_on: date | None


class ProcurementProjectPublic(BaseModel):
    project_id: str
    unit: str
    jurisdiction: str
    title: str | None
    stage: str
    status: str  # active | suspended | terminated
    cycle: int
    ceiling_fen: int | None  # the approved estimate: none until budget approves it
    control_price_fen: int | None
    construction_due: date | None
    construction_completed_on: date | None
    plan: PlanPublic | None
    tenders: list[TenderPublic]
    contracts: list[ContractPublic]
    supplements: list[SupplementPublic]
    sanctions: list[SanctionPublic]
    incidents: list[IncidentPublic]


class ProjectListItem(BaseModel):
    project_id: str
    unit: str
    jurisdiction: str
    title: str | None
    stage: str
    status: str
    cycle: int
    ceiling_fen: int | None  # the approved estimate: none until budget approves it


class ProjectsPublic(BaseModel):
    items: list[ProjectListItem]
    next_cursor: str | None


class OmTenderCreate(Strict):
    """政务服务和大数据管理局每年统一进行运维招投标 (jiyuan:运行维护): the year's one O&M tender for all units."""

    jurisdiction: str = Field(min_length=1, max_length=40)
    funding_year: StrictInt = Field(ge=2000, le=2100)
    title: str = Field(min_length=1, max_length=300)
    published_on: date


class OmTenderLinePublic(BaseModel):
    om_budget_id: str
    system_id: str
    unit: str
    amount_fen: int
    tender_id: str | None


class OmUnifiedTenderPublic(BaseModel):
    id: str
    jurisdiction: str
    funding_year: int
    title: str
    ceiling_fen: int
    line_count: int
    published_on: date
    published_by: str
    rule_id: str
    citation: str


class OmTenderYearPublic(BaseModel):
    jurisdiction: str
    funding_year: int
    lines: list[OmTenderLinePublic]
    total_fen: int
    tender: OmUnifiedTenderPublic | None
