"""What intake's routes share: the router, the role guards, the refusals' documentation and the API mappings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header

from services.intake import domain
from services.intake.queries import READER_ROLES, may_read
from services.intake.schemas import ApplicationPublic, NeedPublic
from services.intake.tables import Application, Need
from shared.auth import Principal, Role, require

router = APIRouter(prefix="/api/intake", tags=["intake 申报"])

UnitStaff = require(Role.UNIT)
Bureau = require(Role.DATA_BUREAU)
Planners = require(Role.DATA_BUREAU, Role.LEADING_OFFICE)
Readers = require(*READER_ROLES)
Attachers = require(Role.UNIT, Role.DATA_BUREAU)

PROBLEM_EXAMPLE = {
    "type": "https://govproj.example.gov.cn/problems/rule-violation",
    "title": "请求违反项目管理规定 / The request breaks a project-management rule",
    "status": 422,
    "violations": [
        {
            "rule_id": "intake.required_materials",
            "citation": "dazhou:第九条",
            "message_zh": "项目申报材料：不符合（缺少：密码应用方案）",
            "message_en": "Required application materials: fail (missing: cryptography application plan)",
            "field": "materials",
        }
    ],
}
REFUSALS_DOC: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "违反规定（列出全部违反的规则）或不属于管理范围 / rule violations or not a managed project",
        "content": {"application/problem+json": {"example": PROBLEM_EXAMPLE}},
    },
    409: {"description": "当前阶段不允许此操作 / wrong stage"},
}


def public(application: Application, principal: Principal | None) -> ApplicationPublic:
    stage = domain.stage_of(application.status)
    if not may_read(application, principal):
        # the flagged minimal record: id, unit, secret flag, stage
        return ApplicationPublic(
            id=application.id,
            unit=application.unit,
            jurisdiction=application.jurisdiction,
            title=None,
            category=None,
            construction_type=None,
            implementation_mode=None,
            total_investment_fen=None,
            plan_year=None,
            secret=True,
            status=application.status,
            stage=stage,
            details=None,
            created_at=None,
            updated_at=None,
            submitted_at=None,
            decided_at=None,
            minimal=True,
        )
    return ApplicationPublic(stage=stage, **{name: getattr(application, name) for name in _FROM_ROW})


#: The public fields an application row carries, found once (a list page asked the model for its fields
#: and each row for each of them, 50 rows × 30 fields a page).
_FROM_ROW = tuple(
    name for name in ApplicationPublic.model_fields if name not in ("stage", "minimal") and hasattr(Application, name)
)


def need_public(need: Need) -> NeedPublic:
    return NeedPublic.model_validate(need, from_attributes=True)


IdempotencyKey = Annotated[str | None, Header(max_length=200)]
