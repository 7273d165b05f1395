"""Acceptance's API models."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictInt

from shared.limits import LIST_MAX, Identifier, Name, RequestModel, Text


class Body(RequestModel):
    """A request body: unknown fields refused, strings bounded and free of control characters."""


class TrialRunStart(Body):
    started_on: date


class AcceptanceItemIn(Body):
    kind: str = Field(min_length=1, max_length=60, description="mlps_test, crypto_review, data_dictionary, ...")
    passed: bool
    note: Text = Field(default="", max_length=2000)


class AcceptanceResult(Body):
    """The result of an accepting step: passed or not, the system, and the acceptance items."""

    passed: bool
    system_name: str = Field(min_length=1, max_length=300)
    items: list[AcceptanceItemIn] = Field(default_factory=list, max_length=LIST_MAX)
    new_data_center: bool = Field(default=False, description="the project builds a new data centre (能效)")
    includes_hardware: bool = Field(default=False, description="the project buys hardware (能效)")
    note: Text = Field(default="", max_length=4000)


class PerformanceAcceptance(AcceptanceResult):
    """The unit's performance acceptance (履约验收, dazhou:第四十八条)."""


class FinalAcceptance(AcceptanceResult):
    """终验 by the leading office, which issues the acceptance report (quzhou:三(三)5)."""

    report_no: str | None = Field(default=None, max_length=120)


class CompletionAcceptance(AcceptanceResult):
    """竣工验收 by the panel the bureau organised (fengxian:第二十五条; jiyuan:项目验收)."""

    report_no: str | None = Field(default=None, max_length=120)


class PreliminaryAcceptance(Body):
    """初验 by the unit, of one module (大型项目可分模块、分功能、分阶段, quzhou:三(三)5) or the whole."""

    module: str = Field(default="whole", min_length=1, max_length=120)
    modules: list[Name] | None = Field(
        default=None, min_length=1, max_length=100, description="all modules (set on the first 初验; fixed after)"
    )
    passed: bool
    items: list[AcceptanceItemIn] = Field(default_factory=list, max_length=LIST_MAX)
    note: Text = Field(default="", max_length=4000)


class FinalApplication(Body):
    """The unit's application for 终验 to the leading office (quzhou:三(三)5)."""

    note: Text = Field(default="", max_length=4000)


class HigherLevelFiling(AcceptanceResult):
    """A national or provincial organiser's final acceptance, filed with the leading office (quzhou:三(三)5)."""

    organiser: str = Field(min_length=1, max_length=200)
    level: Literal["national", "provincial"]
    report_no: str = Field(min_length=1, max_length=120)


class AcceptanceApplication(Body):
    """The unit's application after the trial run, with the application form (fengxian:第二十四条)."""

    documents: list[Identifier] = Field(description="e.g. acceptance_application_form", max_length=50)
    note: Text = Field(default="", max_length=4000)


class PanelMember(Body):
    role: str = Field(min_length=1, max_length=60, description="data_bureau, finance, procurement_center, drc, ...")
    name: str = Field(min_length=1, max_length=120)


class ExpertRequest(Body):
    count: int = Field(ge=1, le=30)
    fields: list[Name] = Field(default_factory=list, max_length=20)


class OrganiseAcceptance(Body):
    """The bureau confirms and organises acceptance (fengxian:第二十四条,第二十五条): the panel, and
    experts drawn from review's expert pool."""

    panel: list[PanelMember] = Field(min_length=1, max_length=50)
    experts: ExpertRequest | None = None
    scheduled_on: date | None = None


class SecrecyApproval(Body):
    """The confidentiality office's approval before a secret system is used (fengxian:第二十三条)."""

    approval_no: str = Field(min_length=1, max_length=120)


class AssetLine(Body):
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(min_length=1, max_length=60)
    quantity: StrictInt = Field(ge=1)
    value_fen: StrictInt = Field(ge=0)


class AssetRegistrationIn(Body):
    """国有资产登记 with the 《国有资产登记汇总表》 (fengxian:第二十七条; suqian:(七))."""

    documents: list[Identifier] = Field(description="e.g. asset_registration_summary", max_length=50)
    assets: list[AssetLine] = Field(min_length=1, max_length=1000)


class DocumentFilingIn(Body):
    """验收后资料备案 (suqian:(七)): the documents filed after acceptance."""

    documents: list[Identifier] = Field(min_length=1, max_length=50, description="e.g. acceptance_documents")


class DocumentFilingPublic(BaseModel):
    project_id: str
    filed_on: date
    documents: list[str]
    filed_by: str
    rule_id: str
    citation: str


class AssetRegistrationPublic(BaseModel):
    project_id: str
    registered_on: date
    documents: list[str]
    assets: list[dict[str, Any]]
    total_value_fen: int


class AcceptanceProjectPublic(BaseModel):
    project_id: str
    unit: str
    jurisdiction: str
    stage: str
    contract_signed_on: date
    trial_started_on: date | None
    pre_accepted_on: date | None
    accepted_on: date | None
    system_name: str | None
    documents: list[str]
    secret: bool = False
    path: str | None = None
    path_citation: str | None = None
    pack_version: str | None = None
    steps: list[str] = []
    done_steps: list[str] = []
    next_step: str | None = None
    dates: dict[str, str] = {}
    modules: list[str] = []
    module_results: dict[str, Any] = {}
    items: dict[str, Any] = {}
    panel: list[dict[str, Any]] = []
    expert_draw_id: str | None = None
    attempts: int = 0
    failed_on: date | None = None
    deadlines: list[dict[str, Any]] = []


class AcceptanceProjectsPublic(BaseModel):
    items: list[AcceptanceProjectPublic]
    next_cursor: str | None = None
