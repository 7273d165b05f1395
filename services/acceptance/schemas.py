"""Acceptance's API models."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class TrialRunStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    started_on: date


class AcceptanceItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=60, description="mlps_test, crypto_review, data_dictionary, ...")
    passed: bool
    note: str = Field(default="", max_length=2000)


class PerformanceAcceptance(BaseModel):
    """The unit's performance acceptance (履约验收, dazhou:第四十八条)."""

    model_config = ConfigDict(extra="forbid")

    passed: bool
    system_name: str = Field(min_length=1, max_length=300)
    items: list[AcceptanceItemIn] = Field(default_factory=list)


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
