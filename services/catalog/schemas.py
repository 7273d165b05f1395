"""Catalog's API models: SystemPublic / MonitoringBatch / EvaluationCreate / ... (XCreate / XPublic)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from shared.limits import IDENTIFIER_MAX, LIST_MAX, Identifier, Name, RequestModel, Text


class SystemPublic(BaseModel):
    id: str
    project_id: str | None
    unit: str
    jurisdiction: str
    name: str | None
    secret: bool
    state: str
    registered_on: date
    origin: str = "acceptance"
    category: str | None = None
    deployment: str | None = None
    mlps_level: int | None = None
    crypto_status: str = "unknown"
    security_status: str = "unknown"
    data_sharing_status: str = "unknown"
    # who manages the government data the system produces, and the article (dazhou:第六十条; quzhou:三(三)4)
    data_managed_by: str | None = None
    data_managed_by_citation: str | None = None
    went_live_on: date | None = None
    abnormal_since: date | None = None
    zombie_since: date | None = None
    evaluation_failed_since: date | None = None
    retired_on: date | None = None
    retirement_reason: str | None = None


class SystemsPublic(BaseModel):
    items: list[SystemPublic]
    next_cursor: str | None
    total: int = Field(description="systems matching the whole query, every page together")
    offset: int = 0


class ImportReport(BaseModel):
    """Per-row report of a stock-system import: good rows are in the catalog, bad rows are listed."""

    id: str
    rows: int
    imported: int
    already_in_catalog: int
    rejected: int
    errors: list[dict[str, Any]]


class MonthlyFigureIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    system_id: str = Field(min_length=1, max_length=64)
    month: str = Field(max_length=10, description="YYYY-MM, an ended month")
    usage_count: StrictInt = Field(ge=0, description="uses (visits, calls, transactions) in the month")
    availability_bp: StrictInt = Field(ge=0, le=10000, description="availability in basis points (10000 = 100%)")


class MonitoringBatch(RequestModel):
    model_config = ConfigDict(extra="forbid")

    figures: list[MonthlyFigureIn] = Field(min_length=1, max_length=10000)


class MonitoringReport(BaseModel):
    """Per-row outcome: `stored`, `updated` (a correction), `unchanged` (an idempotent repeat) or an error."""

    received: int
    stored: int
    updated: int
    unchanged: int
    rejected: int
    results: list[dict[str, Any]]


class SanctionPublic(BaseModel):
    unit: str
    jurisdiction: str
    rule_id: str
    citation: str
    cause: str
    system_id: str | None
    since: date
    until: date | None
    status: str
    cleared_on: date | None


class EvaluationCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal[
        "self_evaluation",
        "post_evaluation",
        "operation_evaluation",
        "security_assessment",
        "crypto_assessment",
        "special_evaluation",
    ] = Field(
        description="security_assessment / crypto_assessment: the periodic testing of dazhou:第五十五条; "
        "special_evaluation: a key project's evaluation by a third party the bureau commissioned (suqian:(八))"
    )
    passed: StrictBool
    score: StrictInt | None = Field(default=None, ge=0, le=100)
    report_ref: str | None = Field(default=None, max_length=300)
    third_party: str | None = Field(
        default=None, max_length=200, description="第三方机构名称: who carried out a special evaluation (suqian:(八))"
    )


class MonitoringReportCreate(RequestModel):
    """A construction-period performance monitoring report (绩效监控报告, dazhou:第五十一条)."""

    model_config = ConfigDict(extra="forbid")

    report_year: StrictInt
    report_ref: str | None = Field(default=None, max_length=300)


class EvaluationPublic(BaseModel):
    id: int
    system_id: str
    kind: str
    rule_id: str
    citation: str
    earliest_on: date | None
    due_on: date | None
    status: str
    passed: bool | None
    score: int | None
    on_time: bool | None
    completed_on: date | None


class ResourceCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    fields: list[Name] = Field(default_factory=list, max_length=500)
    sharing_level: Literal["unconditional", "conditional", "not_shared"]
    open_to_public: StrictBool = False
    not_shared_reason: Text | None = Field(default=None, max_length=1000, description="the legal basis")
    published_on: date | None = Field(default=None, description="published in the shared data catalog")


class ResourcePublic(BaseModel):
    id: str
    system_id: str
    name: str
    fields: list[str]
    sharing_level: str
    open_to_public: bool
    not_shared_reason: str | None
    published_on: date | None


class OmPlanCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    year: StrictInt
    service_kind: str = Field(max_length=IDENTIFIER_MAX, description="daily (日常运维) or key (重点运维/迭代升级)")
    plans: list[Identifier] = Field(
        default_factory=list, max_length=LIST_MAX, description="quality_plan, operation_plan, security_plan, ..."
    )


class OmAcceptanceCreate(RequestModel):
    """The caller's part of a year's O&M acceptance and evaluation (fengxian:第三十一条)."""

    model_config = ConfigDict(extra="forbid")

    year: StrictInt = Field(ge=2000, le=2100)
    passed: StrictBool
    score: StrictInt | None = Field(default=None, ge=0, le=100)
    comment: Text = Field(default="", max_length=5000)


class OmReportCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    year: StrictInt
    summary: Text = Field(default="", max_length=5000)


class SecurityUpdate(RequestModel):
    """Crypto and security status as found by the crypto administration, police or cyberspace office."""

    model_config = ConfigDict(extra="forbid")

    crypto_status: Literal["passed", "failed", "unknown"] | None = None
    security_status: Literal["passed", "failed", "hazard", "unknown"] | None = None


class DataSharingUpdate(RequestModel):
    """The bureau's finding on a system's data sharing and aggregation (dazhou:第二十三条,第二十四条)."""

    model_config = ConfigDict(extra="forbid")

    data_sharing_status: Literal["shared", "partly", "not_shared", "unknown"]


class StateChange(RequestModel):
    """Move a live system between running, trial run and suspended; retirement is its own step."""

    model_config = ConfigDict(extra="forbid")

    state: Literal["running", "trial", "suspended"]
    reason: Text = Field(min_length=1, max_length=2000)


class RetirementCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal["permanent_stop", "redundant", "replaced_by_common_system", "merged"]
    filed_with_finance: StrictBool = False
    filed_with_bureau: StrictBool = False


class FundingEligibility(BaseModel):
    """Budget's question: is this system in the catalog, and may it get money (dazhou:第二十一条, 第五十七条)."""

    system_id: str | None
    project_id: str | None
    in_system_catalog: bool
    state: str | None
    om_funding_allowed: bool
    reasons: list[dict[str, Any]]


class OmPlanPublic(BaseModel):
    """A filed O&M plan (fengxian:第二十八条)."""

    id: int
    system_id: str
    service_kind: str
    plans: list[str]
    year: int
    filed_by: str
    filed_at: datetime


class OmReportPublic(BaseModel):
    """A yearly O&M service report (suqian:(八))."""

    id: int
    system_id: str
    year: int
    summary: str
    submitted_on: date
    on_time: bool
    filed_by: str


class OmAcceptancePart(BaseModel):
    """One authority's part of a year's O&M acceptance (fengxian:第三十一条)."""

    id: int
    system_id: str
    year: int
    authority: str
    passed: bool
    score: int | None
    comment: str
    recorded_by: str
    recorded_on: date


class OmAcceptancePublic(BaseModel):
    system_id: str
    year: int
    parts: list[OmAcceptancePart]


class MonthlyFigurePublic(BaseModel):
    month: str
    usage_count: int
    availability_bp: int


class SystemFiguresPublic(BaseModel):
    """A system's monthly figures, newest first, and what the monitoring concluded."""

    system_id: str
    abnormal_since: date | None
    zombie_since: date | None
    figures: list[MonthlyFigurePublic]


class SystemHistoryPublic(BaseModel):
    """A system's decisions, deadlines and audit trail (rows as the shared tables hold them)."""

    system_id: str
    decisions: list[dict[str, Any]]
    deadlines: list[dict[str, Any]]
    audit: list[dict[str, Any]]


class CatalogProjectPublic(BaseModel):
    """The project's systems in the catalog."""

    project_id: str
    stage: str
    systems: list[SystemPublic]
