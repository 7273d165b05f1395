"""Catalog's API models."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class SystemPublic(BaseModel):
    id: str
    project_id: str | None
    unit: str
    jurisdiction: str
    name: str | None
    secret: bool
    state: str
    registered_on: date


class SystemsPublic(BaseModel):
    items: list[SystemPublic]
    next_cursor: str | None
