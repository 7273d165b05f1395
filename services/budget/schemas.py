"""Budget's API models. Money is integer fen: a float or a string is refused, not rounded."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, StrictInt


class EstimateApproval(BaseModel):
    model_config = ConfigDict(extra="forbid")

    estimate_fen: StrictInt = Field(gt=0, description="approved estimate 概算, integer fen")


class ReleaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contract_id: str = Field(min_length=1, max_length=64)
    amount_fen: StrictInt = Field(gt=0, description="integer fen")


class ReleasePublic(BaseModel):
    id: str
    project_id: str
    contract_id: str
    amount_fen: int
    released_total_fen: int


class BudgetProjectPublic(BaseModel):
    project_id: str
    unit: str
    jurisdiction: str
    stage: str
    approved_investment_fen: int
    approval_letter_no: str
    estimate_fen: int | None
    released_fen: int
    accepted: bool
    acceptance_documents: list[str]
    estimate_history: list[dict]


class EstimateHistoryEntry(BaseModel):
    revision: int
    estimate_fen: int
    approved_on: date
