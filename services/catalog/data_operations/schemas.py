"""Data-operation API models: ServiceCreate / IndicatorCreate / OperatorCreate / TaskCreate / ..."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, StrictBool, StrictInt

from shared.limits import Name, RequestModel, Text


class Body(RequestModel):
    """A request body: unknown fields refused, strings bounded and free of control characters."""


class ServiceCreate(Body):
    jurisdiction: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=300)
    description: Text = Field(default="", max_length=4000)
    measure: str = Field(default="", max_length=60, description="what is counted when the service is used")


class IndicatorCreate(Body):
    jurisdiction: str = Field(min_length=1, max_length=40)
    year: StrictInt = Field(ge=2000, le=2100)
    name: str = Field(min_length=1, max_length=300)
    target: str = Field(min_length=1, max_length=300)


class OperatorCreate(Body):
    """The facts the pack's operator rules read: open recruitment and qualifications (fengxian), or the
    government's authorisation of a state-owned company (dazhou, suqian)."""

    jurisdiction: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=300)
    recruitment_ref: str | None = Field(default=None, max_length=200)
    recruited_openly: StrictBool = False
    qualifications: list[Name] = Field(default_factory=list, max_length=50)
    qualifications_met: StrictBool = False
    authorisation_ref: str | None = Field(default=None, max_length=200)
    government_authorised: StrictBool = False
    state_owned_company: StrictBool = False


class TaskCreate(Body):
    jurisdiction: str = Field(min_length=1, max_length=40)
    year: StrictInt = Field(ge=2000, le=2100)
    work_item: str = Field(min_length=1, max_length=300, description="the annual or key public-data task split")
    service_id: str = Field(min_length=1, max_length=64)
    operator_id: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=300)
    planned_amount_fen: StrictInt = Field(gt=0)
    due_on: date | None = None


class ProgressCreate(Body):
    progress_pct: StrictInt = Field(ge=0, le=100)
    note: Text = Field(default="", max_length=2000)


class QualityCheck(Body):
    passed: StrictBool
    note: Text = Field(default="", max_length=2000)


class ThirdPartyCheckCreate(Body):
    reviewer: str = Field(min_length=1, max_length=200)
    reference: str = Field(min_length=1, max_length=200)
    checked_on: date
    confirmed_amount_fen: StrictInt = Field(gt=0)


class PaymentCreate(Body):
    amount_fen: StrictInt = Field(gt=0, description="what was used and delivered, at most the confirmed amount")


class RatingCreate(Body):
    score: StrictInt = Field(ge=0, le=100)
    comment: Text = Field(default="", max_length=2000)


class RatingSummary(BaseModel):
    count: int
    mean: float | None
    last: int | None


class OperatorPublic(BaseModel):
    id: str
    jurisdiction: str
    name: str
    recruitment_ref: str | None
    authorisation_ref: str | None
    qualifications: list[str]
    status: str
    registered_on: date
    ratings: RatingSummary


class TaskPublic(BaseModel):
    id: str
    jurisdiction: str
    year: int
    work_item: str
    service_id: str
    operator_id: str
    title: str
    planned_amount_fen: int
    due_on: date | None
    status: str
    progress_pct: int
    quality_checked: bool
    dispatched_on: date
    delivered_on: date | None
    accepted_on: date | None
    check_reference: str | None
    confirmed_amount_fen: int | None
    payment_id: str | None
    paid_amount_fen: int | None
    paid_on: date | None
    operator_ratings: RatingSummary | None = None  # shown at dispatch: how the operator did before


class TasksPublic(BaseModel):
    items: list[TaskPublic]
    next_cursor: str | None
    total: int = Field(description="tasks matching the whole query, every page together")
    offset: int = 0


class DataServicePublic(BaseModel):
    """An entry of the public data-operation service catalog (fengxian:第三十六条)."""

    id: str
    jurisdiction: str
    name: str
    description: str
    measure: str
    status: str
    drafted_by: str
    approved_by: str | None
    approved_on: date | None
    published_on: date | None
    created_at: datetime


class IndicatorPublic(BaseModel):
    """A performance indicator with its target (fengxian:第三十七条)."""

    id: str
    jurisdiction: str
    year: int
    name: str
    target: str
    status: str
    drafted_by: str
    approved_by: str | None
    approved_on: date | None
    target_reviewed_by: str | None
    target_reviewed_on: date | None
    published_on: date | None
    created_at: datetime


class RatingPublic(BaseModel):
    id: int
    operator_id: str
    task_id: str
    score: int
    comment: str
    rated_by: str
    rated_on: date


class SupervisionCreate(Body):
    """区数据局指导监督数据运营商的服务人员和场地管理 (fengxian:第三十六条): a finding on each."""

    staff_finding: Text = Field(default="", max_length=2000, description="服务人员管理的监督意见")
    premises_finding: Text = Field(default="", max_length=2000, description="服务场地管理的监督意见")
    conforming: StrictBool = Field(description="the operator's staff and premises management conform")


class PerformanceEvaluationCreate(Body):
    """区财政局开展公共数据运营绩效评估 (fengxian:第三十七条), once a year per jurisdiction."""

    jurisdiction: str = Field(min_length=1, max_length=40)
    year: StrictInt = Field(ge=2000, le=2100)
    passed: StrictBool
    score: StrictInt | None = Field(default=None, ge=0, le=100)
    report_ref: str | None = Field(default=None, max_length=300)


class OversightPublic(BaseModel):
    id: str
    jurisdiction: str
    kind: str
    operator_id: str | None
    year: int | None
    passed: bool
    score: int | None
    findings: dict
    report_ref: str | None
    rule_id: str
    citation: str
    recorded_by: str
    recorded_on: date
