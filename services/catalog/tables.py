"""Catalog's own tables: the system catalog (系统目录), information resources (信息资源目录), monthly
monitoring, sanctions, evaluations, O&M plans and reports.

A later room (e.g. `oversight/`) keeps its tables in its own module on the same `schema` and is
imported by `migrations/env.py` so its tables join the metadata.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from shared.db import JSONType, ServiceSchema, UTCDateTime

schema = ServiceSchema("catalog")

if TYPE_CHECKING:
    Base = SQLModel  # what `schema.Base` is, named so the checker accepts it as a base class
else:
    Base = schema.Base


class System(Base, table=True):
    """A system in the catalog (系统); registered on acceptance or imported as a stock system (存量系统)."""

    __tablename__ = "systems"
    __table_args__ = (
        # the catalog list's order (id) under each of its filters: a page is an index range
        sa.Index("ix_systems_jurisdiction_id", "jurisdiction", "id"),
        sa.Index("ix_systems_unit_id", "unit", "id"),
        sa.Index("ix_systems_state_id", "state", "id"),
        # its other orders (by name, by the day it entered the catalog) and the year filter; search by part
        # of the name or the unit's name is served by trigram indexes on PostgreSQL (migration 0011)
        sa.Index("ix_systems_name_id", "name", "id"),
        sa.Index("ix_systems_registered_on_id", "registered_on", "id"),
    )

    id: str = Field(primary_key=True, max_length=64)
    project_id: str | None = Field(default=None, index=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    name: str | None = Field(default=None, max_length=300)
    secret: bool = False
    state: str = Field(default="running", index=True, max_length=20)  # running | trial | suspended | retired
    registered_on: date
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    origin: str = Field(default="acceptance", max_length=20)  # acceptance | stock_import
    external_ref: str | None = Field(default=None, index=True, max_length=120)  # the importer's own id
    category: str | None = Field(default=None, max_length=40)
    deployment: str | None = Field(default=None, max_length=20)  # gov_cloud | other
    mlps_level: int | None = None  # 等级保护 level 1..5
    crypto_status: str = Field(default="unknown", max_length=20)  # passed | failed | unknown
    security_status: str = Field(default="unknown", max_length=20)  # passed | failed | hazard | unknown
    data_sharing_status: str = Field(default="unknown", max_length=20)  # shared | partly | not_shared | unknown
    went_live_on: date | None = None
    abnormal_since: date | None = None  # flagged by monthly monitoring (suqian:(二))
    zombie_since: date | None = None  # listed as a zombie system (quzhou:二(二)不予受理.9)
    evaluation_failed_since: date | None = None  # fengxian:第三十二条
    retired_on: date | None = None
    retirement_reason: str | None = Field(default=None, max_length=40)


class InformationResource(Base, table=True):
    """One entry of a system's information resource catalog (信息资源目录, dazhou:第二十六条)."""

    __tablename__ = "information_resources"

    id: str = Field(primary_key=True, max_length=64)
    system_id: str = Field(index=True, max_length=64)
    name: str = Field(max_length=300)
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    sharing_level: str = Field(max_length=20)  # unconditional | conditional | not_shared
    open_to_public: bool = False
    not_shared_reason: str | None = None
    published_on: date | None = None  # published in the shared data catalog
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class MonthlyFigure(Base, table=True):
    """Usage and availability of a system in one month, pushed by a monitoring platform (suqian:(二))."""

    __tablename__ = "monthly_figures"

    system_id: str = Field(primary_key=True, max_length=64)
    month: str = Field(primary_key=True, max_length=7)  # YYYY-MM
    usage_count: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    availability_bp: int  # basis points of the month the system was available (10000 = 100%)
    reported_by: str = Field(max_length=120)
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Sanction(Base, table=True):
    """A unit barred by a catalog rule (e.g. a zombie system: no applications for 2 years)."""

    __tablename__ = "sanctions"

    id: int | None = Field(default=None, primary_key=True)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(max_length=40)
    rule_id: str = Field(max_length=120)
    citation: str = Field(max_length=120)
    cause: str = Field(max_length=120)
    system_id: str = Field(max_length=64)
    subject: str = Field(max_length=64)  # the project (or stock system) the events are keyed by
    since: date
    until: date | None = Field(default=None, index=True)
    status: str = Field(default="active", index=True, max_length=20)  # active | cleared
    cleared_on: date | None = None


class Evaluation(Base, table=True):
    """A performance evaluation or report of a system: due (a deadline row mirrors it) or completed."""

    __tablename__ = "evaluations"

    id: int | None = Field(default=None, primary_key=True)
    system_id: str = Field(index=True, max_length=64)  # for construction monitoring: the future system's id
    subject: str = Field(index=True, max_length=64)
    unit: str = Field(max_length=120)
    jurisdiction: str = Field(max_length=40)
    kind: str = Field(
        max_length=40
    )  # construction_monitoring | self_evaluation | post_evaluation | operation_evaluation | om_evaluation
    rule_id: str = Field(max_length=120)
    citation: str = Field(max_length=120)
    earliest_on: date | None = None
    due_on: date | None = None
    status: str = Field(default="due", index=True, max_length=20)  # due | completed | closed
    passed: bool | None = None
    score: int | None = None
    on_time: bool | None = None
    completed_on: date | None = None
    report_ref: str | None = Field(default=None, max_length=300)
    completed_by: str | None = Field(default=None, max_length=120)


class OmPlan(Base, table=True):
    """O&M plans of a system (fengxian:第二十八条) and its service kind (第三十条)."""

    __tablename__ = "om_plans"

    id: int | None = Field(default=None, primary_key=True)
    system_id: str = Field(index=True, max_length=64)
    service_kind: str = Field(max_length=20)  # daily | key
    plans: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    year: int
    filed_by: str = Field(max_length=120)
    filed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class OmAcceptance(Base, table=True):
    """One year's O&M acceptance and evaluation of a system (运维验收和评估, fengxian:第三十一条): each
    authority of the pack's route records its part; the result sets next year's O&M money."""

    __tablename__ = "om_acceptances"
    __table_args__ = (sa.UniqueConstraint("system_id", "year", "authority", name="uq_om_acceptance_step"),)

    id: int | None = Field(default=None, primary_key=True)
    system_id: str = Field(index=True, max_length=64)
    year: int
    authority: str = Field(max_length=40)  # a role of the pack's route (data_bureau, finance)
    passed: bool
    score: int | None = None
    comment: str = ""
    recorded_by: str = Field(max_length=120)
    recorded_on: date


class OmReport(Base, table=True):
    """A yearly O&M service report (运维服务情况报表, suqian:(八)) or an O&M acceptance result."""

    __tablename__ = "om_reports"
    __table_args__ = (sa.UniqueConstraint("system_id", "year", name="uq_om_report_system_year"),)

    id: int | None = Field(default=None, primary_key=True)
    system_id: str = Field(index=True, max_length=64)
    year: int
    summary: str = ""
    submitted_on: date
    on_time: bool = True
    filed_by: str = Field(max_length=120)


class ImportBatch(Base, table=True):
    """One stock-system import: its per-row report is kept so nothing is half-imported without one."""

    __tablename__ = "import_batches"

    id: str = Field(primary_key=True, max_length=64)
    format: str = Field(max_length=10)
    rows: int
    imported: int
    rejected: int
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    imported_by: str = Field(max_length=120)
    imported_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
