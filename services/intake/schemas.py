"""Intake's API models: ApplicationCreate / ApplicationUpdate / ApplicationPublic / ApplicationsPublic."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt


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


class ApplicationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "unit": "达州市教育局",
                    "jurisdiction": "dazhou",
                    "title": "智慧教育平台二期",
                    "category": "application",
                    "construction_type": "new",
                    "implementation_mode": "purchase_of_service",
                    "total_investment_fen": 3_500_000_00,
                    "plan_year": 2027,
                    "details": {"performance_goals": "覆盖全市中小学", "basis": "数字达州建设规划"},
                }
            ]
        },
    )

    unit: str = Field(min_length=1, max_length=120, description="建设单位")
    jurisdiction: str = Field(default="dazhou", description="policy pack id (衢州 quzhou, 济源 jiyuan, ...)")
    title: str = Field(min_length=1, max_length=300, description="项目名称")
    category: Category
    construction_type: ConstructionType
    implementation_mode: ImplementationMode = ImplementationMode.PURCHASE_OF_SERVICE
    total_investment_fen: StrictInt = Field(gt=0, description="总投资, integer fen (分); 1万元 = 1000000")
    plan_year: StrictInt = Field(ge=2000, le=2100)
    secret: bool = Field(default=False, description="涉密项目 (dazhou:第六十五条)")
    details: dict[str, Any] = Field(default_factory=dict, description="申报材料 fields (dazhou:第九条)")


class ApplicationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=300)
    category: Category | None = None
    construction_type: ConstructionType | None = None
    implementation_mode: ImplementationMode | None = None
    total_investment_fen: StrictInt | None = Field(default=None, gt=0)
    plan_year: StrictInt | None = Field(default=None, ge=2000, le=2100)
    details: dict[str, Any] | None = None


class RefusalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class ApplicationPublic(BaseModel):
    id: str
    unit: str
    jurisdiction: str
    title: str | None
    category: str | None
    construction_type: str | None
    implementation_mode: str | None
    total_investment_fen: int
    plan_year: int
    secret: bool
    status: str
    stage: str
    details: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None


class ApplicationsPublic(BaseModel):
    items: list[ApplicationPublic]
    next_cursor: str | None
