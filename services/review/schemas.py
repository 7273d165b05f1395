"""Review's API models."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class SchemeReviewResult(BaseModel):
    """The joint review's outcome (项建方案评审); passing routes the project to its authorities."""

    model_config = ConfigDict(extra="forbid")

    passed: bool
    comment: str = Field(default="", max_length=4000)


class StepDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool = True
    comment: str = Field(default="", max_length=4000)


class ApprovalStepPublic(BaseModel):
    position: int
    role: str
    status: str
    decided_by: str | None
    comment: str


class ReviewCasePublic(BaseModel):
    project_id: str
    unit: str
    jurisdiction: str
    title: str | None
    secret: bool
    total_investment_fen: int
    plan_year: int
    stage: str
    approval_letter_no: str | None
    approved_on: date | None
    steps: list[ApprovalStepPublic]
