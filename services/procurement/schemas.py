"""Procurement's API models."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator


class ContractCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    supplier: str = Field(min_length=1, max_length=200)
    amount_fen: StrictInt = Field(gt=0, description="contract amount, integer fen")
    signed_on: date
    planned_completion: date

    @model_validator(mode="after")
    def _dates_in_order(self) -> ContractCreate:
        if self.planned_completion < self.signed_on:
            raise ValueError("planned_completion must not be before signed_on")
        return self


class ContractPublic(BaseModel):
    id: str
    project_id: str
    supplier: str
    amount_fen: int
    signed_on: date
    planned_completion: date


class ProcurementProjectPublic(BaseModel):
    project_id: str
    unit: str
    jurisdiction: str
    stage: str
    ceiling_fen: int
    contracts: list[ContractPublic]
