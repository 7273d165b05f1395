"""Oversight's API models: FindingCreate / FindingPublic / RectificationCreate / RoundPublic / ..."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from shared.limits import RequestModel, Text


class FindingCreate(RequestModel):
    """A finding against a project (`project_id`) or a unit (`unit` + `jurisdiction`)."""

    model_config = ConfigDict(extra="forbid")

    project_id: str | None = Field(default=None, max_length=64)
    unit: str | None = Field(default=None, max_length=120)
    jurisdiction: str | None = Field(default=None, max_length=40)
    area: str = Field(min_length=1, max_length=40, description="tendering, quality, progress, funds, ...")
    description: Text = Field(default="", max_length=4000)
    rectify_by: date | None = Field(default=None, description="the deadline; default: the pack's period")

    @model_validator(mode="after")
    def _target(self) -> FindingCreate:
        if (self.project_id is None) == (self.unit is None):
            raise ValueError("name either a project_id or a unit")
        if self.unit is not None and self.jurisdiction is None:
            raise ValueError("a finding against a unit names its jurisdiction")
        return self


class RectificationCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    report: Text = Field(min_length=1, max_length=4000, description="what the unit rectified (整改报告)")


class RectificationReview(RequestModel):
    model_config = ConfigDict(extra="forbid")

    accepted: StrictBool
    reason: Text = Field(default="", max_length=2000)


class FindingStepPublic(BaseModel):
    action: str
    step: str | None
    actor: str
    reason: str
    rule_id: str | None
    citation: str | None
    on: date
    at: datetime
    detail: dict[str, Any]


class FindingPublic(BaseModel):
    id: str
    project_id: str | None
    unit: str
    jurisdiction: str
    area: str
    description: str | None  # None for a secret project unless the reader may see it
    round_id: int | None
    recorded_by: str
    recorded_role: str
    recorded_on: date
    rectify_by: date
    status: str
    step: str | None
    escalated_on: date | None
    resolved_on: date | None
    history: list[FindingStepPublic] = []


class FindingsPublic(BaseModel):
    items: list[FindingPublic]
    next_cursor: str | None
    total: int = Field(description="findings matching the whole query, every page together")
    offset: int = 0


class RoundFindingIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    area: str = Field(min_length=1, max_length=40)
    description: Text = Field(default="", max_length=4000)
    rectify_by: date | None = None


class RoundHold(RequestModel):
    model_config = ConfigDict(extra="forbid")

    conclusion: Text = Field(default="", max_length=4000)
    findings: list[RoundFindingIn] = Field(default_factory=list, max_length=100)


class RoundPublic(BaseModel):
    id: int
    project_id: str
    unit: str
    jurisdiction: str
    kind: str
    scheduled_on: date
    departments: list[str]
    rule_id: str
    citation: str
    status: str
    held_on: date | None
    held_by: str | None
    conclusion: str
    findings: list[str] = []


class AccountabilityCreate(RequestModel):
    """A case against a project's unit (`project_id`) or a unit (`unit` + `jurisdiction`) (追责)."""

    model_config = ConfigDict(extra="forbid")

    project_id: str | None = Field(default=None, max_length=64)
    unit: str | None = Field(default=None, max_length=120)
    jurisdiction: str | None = Field(default=None, max_length=40)
    kind: Literal["built_before_approval", "skipped_procedure", "serious_consequence", "misuse_of_funds"] = Field(
        description="未批先建 | 未履行程序 | 严重后果 | 截留、挪用资金或违规安排运维经费"
    )
    description: Text = Field(default="", max_length=4000)

    @model_validator(mode="after")
    def _target(self) -> AccountabilityCreate:
        if (self.project_id is None) == (self.unit is None):
            raise ValueError("name either a project_id or a unit")
        if self.unit is not None and self.jurisdiction is None:
            raise ValueError("a case against a unit names its jurisdiction")
        return self


class AccountabilityPublic(BaseModel):
    id: str
    project_id: str | None
    unit: str
    jurisdiction: str
    kind: str
    detected: bool
    description: str | None  # None for a secret project's case, to those not cleared
    consequences: list[str]
    rule_ids: list[str]
    citations: list[str]
    recorded_by: str
    recorded_on: date


class AccountabilitiesPublic(BaseModel):
    items: list[AccountabilityPublic]
    next_cursor: str | None
