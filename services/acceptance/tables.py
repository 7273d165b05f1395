"""Acceptance's own tables: projects from contract to acceptance (试运行, 验收), their step records,
asset registrations (国有资产登记), and what intake says of secrecy."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from shared.db import ServiceSchema, UTCDateTime

schema = ServiceSchema("acceptance")

if TYPE_CHECKING:
    Base = SQLModel  # what `schema.Base` is, named so the checker accepts it as a base class
else:
    Base = schema.Base


class AcceptanceProject(Base, table=True):
    __tablename__ = "acceptance_projects"

    project_id: str = Field(primary_key=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    contract_signed_on: date
    # contracted → (the path's steps) → accepted | failed | rectifying; see domain.STEPS
    stage: str = Field(default="contracted", index=True, max_length=30)
    trial_started_on: date | None = None
    pre_accepted_on: date | None = None
    accepted_on: date | None = None
    system_name: str | None = Field(default=None, max_length=300)
    documents: list[str] = Field(default_factory=list, sa_column=Column(sa.JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # The path the pack chose when the contract arrived (kept with the pack version it was decided under).
    secret: bool = Field(default=False, sa_column=Column(sa.Boolean, nullable=False, server_default=sa.false()))
    supplier: str | None = Field(default=None, max_length=300)
    path: str | None = Field(default=None, max_length=60)
    path_citation: str | None = Field(default=None, max_length=120)
    pack_version: str | None = Field(default=None, max_length=40)
    steps: list[str] | None = Field(default=None, sa_column=Column(sa.JSON, nullable=True))
    done_steps: list[str] | None = Field(default=None, sa_column=Column(sa.JSON, nullable=True))
    # Dates the steps fixed, by the fact names the pack's rules read (ISO strings).
    dates: dict[str, str] | None = Field(default=None, sa_column=Column(sa.JSON, nullable=True))
    # 初验 by module: the modules declared and each one's latest result.
    modules: list[str] | None = Field(default=None, sa_column=Column(sa.JSON, nullable=True))
    module_results: dict[str, Any] | None = Field(default=None, sa_column=Column(sa.JSON, nullable=True))
    # Acceptance items (等保测评, 密码, ...): kind → {passed, note, step}
    items: dict[str, Any] | None = Field(default=None, sa_column=Column(sa.JSON, nullable=True))
    panel: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(sa.JSON, nullable=True))
    expert_draw_id: str | None = Field(default=None, max_length=80)
    attempts: int = Field(default=0, sa_column=Column(sa.Integer, nullable=False, server_default="0"))
    failed_on: date | None = None


class StepRecord(Base, table=True):
    """Each step taken (or failed), in order: who, when, the outcome and what was recorded."""

    __tablename__ = "acceptance_steps"

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(index=True, max_length=64)
    step: str = Field(max_length=40)
    module: str | None = Field(default=None, max_length=120)
    outcome: str = Field(max_length=20)  # done | passed | failed | filed
    actor: str = Field(max_length=120)
    taken_on: date
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(sa.JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class AssetRegistration(Base, table=True):
    """国有资产登记 after acceptance, with the 《国有资产登记汇总表》 lines (fengxian:第二十七条)."""

    __tablename__ = "acceptance_asset_registrations"

    project_id: str = Field(primary_key=True, max_length=64)
    registered_on: date
    documents: list[str] = Field(default_factory=list, sa_column=Column(sa.JSON, nullable=False))
    assets: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(sa.JSON, nullable=False))
    total_value_fen: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    actor: str = Field(max_length=120)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ProjectSecrecy(Base, table=True):
    """What intake published of a project's secrecy (涉密), learnt before its contract arrives."""

    __tablename__ = "acceptance_project_secrecy"

    project_id: str = Field(primary_key=True, max_length=64)
    secret: bool = False
