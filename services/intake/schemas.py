"""Intake's API models: ApplicationCreate / ApplicationUpdate / ApplicationPublic / ApplicationsPublic,
materials, needs (需求库) and the unit eligibility view. Examples are in Chinese for other platforms."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, model_validator

from shared.limits import IDENTIFIER_MAX, LIST_MAX, TEXT_MAX, URI_MAX, Details, Identifier, RequestModel, Text

Tag = Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$")


#: 投资项目代码 from the online approval platform (投资项目在线审批监管平台): 年份-行政区划-行业-类型-流水号,
#: e.g. 2020-330800-65-01-123456 (quzhou:三(二)2 项目代码).
ProjectCode = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$")]
COUNTY_PARTS_DOC = "市县共享协同项目中各县（市、区）的部分及其承担的投资（分）；其余由市级承担 (dazhou:第二十二条)"
PROJECT_CODE_DOC = (
    "投资项目在线审批监管平台生成的项目代码（如 2020-330800-65-01-123456），项目的外部标识 (quzhou:三(二)2)"
)


class Category(StrEnum):
    """fengxian:第二条"""

    DIGITAL_INFRASTRUCTURE = "digital_infrastructure"  # 数字基础设施
    DATA_RESOURCE = "data_resource"  # 数据资源系统
    APPLICATION = "application"  # 信息应用系统
    OM = "om"  # 运维类
    OTHER = "other"  # 其他


class ConstructionType(StrEnum):
    NEW = "new"  # 新建
    REBUILD = "rebuild"  # 改建
    EXTEND = "extend"  # 扩建
    UPGRADE = "upgrade"  # 续建/升级
    OM = "om"  # 运维


class ImplementationMode(StrEnum):
    """dazhou:第四条,第十一条,第十二条"""

    SELF_BUILD = "self_build"  # 自行建设
    PURCHASE_OF_SERVICE = "purchase_of_service"  # 购买服务


class Phase(RequestModel):
    """One phase of a phased project (分期建设计划, fengxian:第十一条)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    year: StrictInt = Field(ge=2000, le=2100)
    amount_fen: StrictInt = Field(gt=0)
    content: Text = Field(default="", max_length=TEXT_MAX)


class CountyPart(RequestModel):
    """A county's part of a city–county shared project (dazhou:第二十二条 分级审批、分级建设; 分级负担)."""

    model_config = ConfigDict(extra="forbid")

    county: str = Field(min_length=1, max_length=120, description="县（市、区）")
    unit: str = Field(min_length=1, max_length=120, description="县级项目建设单位")
    share_fen: StrictInt = Field(gt=0, description="该县承担的投资, integer fen")


class DepartmentPart(RequestModel):
    """A department's part of a cross-department project (dazhou:第十七条)."""

    model_config = ConfigDict(extra="forbid")

    unit: str = Field(min_length=1, max_length=120)
    need_id: Identifier | None = None
    content: Text = Field(min_length=1, max_length=TEXT_MAX)
    business_flow: Text = Field(default="", max_length=TEXT_MAX, description="业务流")
    data_flow: Text = Field(default="", max_length=TEXT_MAX, description="数据流")
    system_interfaces: Text = Field(default="", max_length=TEXT_MAX, description="系统接口")
    data_catalog: Text = Field(default="", max_length=TEXT_MAX, description="数据目录")


APPLICATION_EXAMPLE: dict[str, Any] = {
    "unit": "达州市教育局",
    "jurisdiction": "dazhou",
    "title": "智慧教育平台二期",
    "category": "application",
    "construction_type": "new",
    "implementation_mode": "purchase_of_service",
    "total_investment_fen": 3_500_000_00,
    "plan_year": 2027,
    "details": {
        "performance_goals": "覆盖全市中小学",
        "basis": "数字达州建设规划",
        "implementation_reason": "购买服务较自建更经济",
        "funding_channels": "市级财政预算内资金",
    },
    "materials": [
        "basic_info",
        "necessity_basis",
        "construction_content",
        "performance_goals",
        "implementation_mode",
        "application_plan",
        "information_resource_catalog",
        "gov_cloud_plan",
        "security_protection_plan",
        "crypto_plan",
        "investment_amount",
        "om_funding",
        "funding_channels",
        "secure_products_statement",
    ],
    "scope_items": ["business_system"],
    "priority_tags": ["internet_plus_services"],
}


class ApplicationCreate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [APPLICATION_EXAMPLE]})

    unit: str = Field(min_length=1, max_length=120, description="建设单位")
    jurisdiction: str = Field(
        default="dazhou", max_length=IDENTIFIER_MAX, description="policy pack id (衢州 quzhou, 济源 jiyuan, ...)"
    )
    title: str = Field(min_length=1, max_length=300, description="项目名称")
    category: Category
    construction_type: ConstructionType
    implementation_mode: ImplementationMode = ImplementationMode.PURCHASE_OF_SERVICE
    total_investment_fen: StrictInt = Field(gt=0, description="总投资, integer fen (分); 1万元 = 1000000")
    plan_year: StrictInt = Field(ge=2000, le=2100)
    secret: bool = Field(default=False, description="涉密项目 (dazhou:第六十五条)")
    details: Details = Field(default_factory=dict, description="申报材料 fields (dazhou:第九条)")
    materials: list[Identifier] = Field(
        default_factory=list, max_length=LIST_MAX, description="申报材料 kinds supplied (dazhou:第九条)"
    )
    scope_items: list[Identifier] = Field(
        default_factory=list, max_length=LIST_MAX, description="建设内容 items, checked against scope lists"
    )
    project_tags: list[Identifier] = Field(
        default_factory=list, max_length=LIST_MAX, description="characteristics (dazhou:第二十条 lists)"
    )
    priority_tags: list[Identifier] = Field(
        default_factory=list, max_length=LIST_MAX, description="优先列入 claims (quzhou, dazhou:第十九条)"
    )
    unit_priority: StrictInt | None = Field(default=None, ge=1, description="本单位排序 (fengxian:第十条)")
    phases: list[Phase] = Field(default_factory=list, max_length=50, description="分期建设计划 (fengxian:第十一条)")
    parts: list[DepartmentPart] = Field(
        default_factory=list, max_length=LIST_MAX, description="跨部门项目各部门部分 (dazhou:第十七条)"
    )
    need_ids: list[Identifier] = Field(
        default_factory=list, max_length=LIST_MAX, description="需求库 needs this application carries"
    )
    original_project_id: Identifier | None = Field(default=None, description="升级改造的原项目")
    related_system_id: str | None = Field(default=None, max_length=200, description="系统目录中的相关系统")
    mixed_construction: bool = Field(default=False, description="工程项目中的信息化部分 (dazhou:第八条)")
    it_estimate_fen: StrictInt | None = Field(default=None, ge=0)
    total_estimate_fen: StrictInt | None = Field(default=None, gt=0)
    project_code: ProjectCode | None = Field(default=None, description=PROJECT_CODE_DOC)
    county_parts: list[CountyPart] = Field(default_factory=list, max_length=LIST_MAX, description=COUNTY_PARTS_DOC)

    @model_validator(mode="after")
    def _county_shares_within_total(self) -> ApplicationCreate:
        if sum(part.share_fen for part in self.county_parts) > self.total_investment_fen:
            raise ValueError("county_parts: the counties' shares exceed total_investment_fen (dazhou:第二十二条)")
        return self


class ApplicationUpdate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"title": "智慧教育平台（二期）"}]})

    title: str | None = Field(default=None, min_length=1, max_length=300)
    category: Category | None = None
    construction_type: ConstructionType | None = None
    implementation_mode: ImplementationMode | None = None
    total_investment_fen: StrictInt | None = Field(default=None, gt=0)
    plan_year: StrictInt | None = Field(default=None, ge=2000, le=2100)
    details: Details | None = None
    materials: list[Identifier] | None = Field(default=None, max_length=LIST_MAX)
    scope_items: list[Identifier] | None = Field(default=None, max_length=LIST_MAX)
    project_tags: list[Identifier] | None = Field(default=None, max_length=LIST_MAX)
    priority_tags: list[Identifier] | None = Field(default=None, max_length=LIST_MAX)
    unit_priority: StrictInt | None = Field(default=None, ge=1)
    phases: list[Phase] | None = Field(default=None, max_length=50)
    parts: list[DepartmentPart] | None = Field(default=None, max_length=LIST_MAX)
    original_project_id: Identifier | None = None
    related_system_id: str | None = Field(default=None, max_length=200)
    mixed_construction: bool | None = None
    it_estimate_fen: StrictInt | None = Field(default=None, ge=0)
    total_estimate_fen: StrictInt | None = Field(default=None, gt=0)
    project_code: ProjectCode | None = Field(default=None, description=PROJECT_CODE_DOC)
    county_parts: list[CountyPart] | None = Field(default=None, max_length=LIST_MAX, description=COUNTY_PARTS_DOC)

    #: Fields an application always has: they may be changed, never cleared with an explicit null.
    REQUIRED: ClassVar[tuple[str, ...]] = (
        "title",
        "category",
        "construction_type",
        "implementation_mode",
        "total_investment_fen",
        "plan_year",
        "details",
        "materials",
        "scope_items",
        "project_tags",
        "priority_tags",
        "phases",
        "parts",
        "county_parts",
    )

    @model_validator(mode="after")
    def _no_null_for_required(self) -> ApplicationUpdate:
        cleared = [name for name in self.REQUIRED if name in self.model_fields_set and getattr(self, name) is None]
        if cleared:
            raise ValueError(f"these fields cannot be cleared (null): {', '.join(cleared)}")
        return self


class RefusalRequest(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "单位已建系统可满足需求", "findings": ["needs_already_met"]}]},
    )

    reason: Text = Field(min_length=1, max_length=2000)
    findings: list[Identifier] = Field(
        default_factory=list,
        max_length=LIST_MAX,
        description="items found of the not-admitted (dazhou:第九条) and not-accepted (dazhou:第二十条; "
        "quzhou:二(二)) lists; each is recorded with its item citation",
    )


class AdmissionRequest(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"findings": []}]})

    findings: list[Identifier] = Field(
        default_factory=list,
        max_length=LIST_MAX,
        description="items of the lists the bureau applies itself (dazhou:第九条 not admitted, dazhou:第二十条 / "
        "quzhou:二(二) not accepted): an item id or tag; a hit refuses admission, citing the item",
    )
    non_sharing_approval: str | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        description="市数字经济局对不予共享项目的核准（文号或记录）: required to admit an application tagged "
        "not_shareable (dazhou:第二十四条)",
    )


class MaterialCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"kind": "crypto_plan", "name": "密码应用方案.pdf", "uri": "oss://govproj/2027/crypto.pdf"}]
        },
    )

    kind: str = Tag
    name: str = Field(min_length=1, max_length=300)
    uri: str | None = Field(default=None, max_length=URI_MAX)


class MaterialPublic(BaseModel):
    id: str
    project_id: str
    kind: str
    name: str
    uri: str | None
    attached_by: str
    attached_at: datetime


class AttachmentPublic(BaseModel):
    """An attachment (附件) as listed: never its bytes (GET …/attachments/{attachment_id} serves them)."""

    id: str
    project_id: str
    name: str
    content_type: str
    size_bytes: int
    sha256: str = Field(description="SHA-256 of the stored bytes, hex")
    uploaded_by: str
    uploaded_at: datetime


class PriorityOrder(RequestModel):
    """The unit's ranking of its applications, most urgent first (fengxian:第十条 按轻重缓急排序)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"order": ["P2026-aaa", "P2026-bbb"]}]})

    order: list[Identifier] = Field(min_length=1, max_length=500)


class ApplicationPublic(BaseModel):
    """A secret (涉密) project shows only id, unit, jurisdiction, secret, status and stage to readers who are
    neither its unit nor cleared bureau staff."""

    id: str
    unit: str
    jurisdiction: str
    title: str | None
    category: str | None
    construction_type: str | None
    implementation_mode: str | None
    total_investment_fen: int | None
    plan_year: int | None
    secret: bool
    status: str
    stage: str
    details: dict[str, Any] | None
    created_at: datetime | None
    updated_at: datetime | None
    submitted_at: datetime | None
    decided_at: datetime | None
    materials: list[str] | None = None
    scope_items: list[str] | None = None
    project_tags: list[str] | None = None
    priority_tags: list[str] | None = None
    priority_flags: list[str] | None = None
    unit_priority: int | None = None
    phases: list[dict[str, Any]] | None = None
    parts: list[dict[str, Any]] | None = None
    need_ids: list[str] | None = None
    original_project_id: str | None = None
    related_system_id: str | None = None
    project_code: str | None = None  # 投资项目在线审批监管平台的项目代码 (quzhou:三(二)2)
    county_parts: list[dict[str, Any]] | None = None  # 市县共享协同项目各县部分 (dazhou:第二十二条)
    mixed_construction: bool | None = None
    approval_route: str | None = None
    off_plan: bool | None = None
    refusal_reason: str | None = None
    review_flags: dict[str, Any] | None = None
    minimal: bool = False


class ApplicationsPublic(BaseModel):
    items: list[ApplicationPublic]
    next_cursor: str | None


class BarPublic(BaseModel):
    rule_id: str
    citation: str
    cause: str
    since: date
    until: date | None
    bars: list[str]
    subject: str
    source_event: str
    cleared_on: date | None
    active: bool


class EligibilityPublic(BaseModel):
    """A unit's standing (单位申报资格): each bar with cause, citation, since and until."""

    unit: str
    eligible: bool
    bars: list[BarPublic]
    failed_evaluations: list[dict[str, Any]]
    supervision: list[dict[str, Any]] = []  # open findings and their escalation step (dazhou:第五十三条)


class TopLevelDesignLink(RequestModel):
    """The top-level design (顶层设计方案) a need is raised within, and its task (quzhou:三(一)2–3)."""

    model_config = ConfigDict(extra="forbid")

    design: str = Field(min_length=1, max_length=300, description="顶层设计方案名称或文号")
    task: str = Field(min_length=1, max_length=300, description="方案中的具体工作任务")


class NeedCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "unit": "达州市教育局",
                    "jurisdiction": "dazhou",
                    "title": "学生综合素质评价数据共享",
                    "description": "与卫健、民政共享学生健康与资助数据",
                    "category": "application",
                    "estimated_fen": 80_000_000,
                    "plan_year": 2027,
                }
            ]
        },
    )

    unit: str = Field(min_length=1, max_length=120)
    jurisdiction: str = Field(default="dazhou", max_length=IDENTIFIER_MAX)
    title: str = Field(min_length=1, max_length=300)
    description: Text = Field(min_length=1, max_length=8000)
    category: Category | None = None
    estimated_fen: StrictInt | None = Field(default=None, gt=0)
    plan_year: StrictInt | None = Field(default=None, ge=2000, le=2100)
    top_level_design: TopLevelDesignLink | None = Field(
        default=None, description="所属顶层设计方案及工作任务 (quzhou:三(一)2–3)"
    )


class NeedReview(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"approve": True, "note": "需求明确"}]})

    approve: bool
    note: Text = Field(default="", max_length=2000)


class NeedMerge(RequestModel):
    """Several departments' needs become one cross-department project (dazhou:第十六条,第十七条)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "lead_unit": "达州市数字经济局",
                    "jurisdiction": "dazhou",
                    "title": "城市大脑一期（跨部门）",
                    "category": "application",
                    "construction_type": "new",
                    "total_investment_fen": 12_000_000_00,
                    "plan_year": 2027,
                    "parts": [
                        {
                            "unit": "达州市教育局",
                            "need_id": "N2026-aaa",
                            "content": "教育数据接入",
                            "business_flow": "学籍变更→共享",
                            "data_flow": "学籍库→城市大脑",
                            "system_interfaces": "REST 接口",
                            "data_catalog": "学籍信息目录",
                        }
                    ],
                }
            ]
        },
    )

    lead_unit: str = Field(min_length=1, max_length=120)
    jurisdiction: str = Field(default="dazhou", max_length=IDENTIFIER_MAX)
    title: str = Field(min_length=1, max_length=300)
    category: Category
    construction_type: ConstructionType = ConstructionType.NEW
    implementation_mode: ImplementationMode = ImplementationMode.PURCHASE_OF_SERVICE
    total_investment_fen: StrictInt = Field(gt=0)
    plan_year: StrictInt = Field(ge=2000, le=2100)
    parts: list[DepartmentPart] = Field(min_length=1, max_length=LIST_MAX)


class NeedPublic(BaseModel):
    id: str
    unit: str
    jurisdiction: str
    title: str
    description: str
    category: str | None
    estimated_fen: int | None
    plan_year: int | None
    status: str
    filed_by: str
    filed_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    application_ids: list[str]
    top_level_design: dict[str, str] | None = None


class NeedsPublic(BaseModel):
    items: list[NeedPublic]
    next_cursor: str | None
