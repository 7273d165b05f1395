"""Intake's own tables: applications (申报), the project library (项目库), the needs pool (需求库) and the
unit eligibility view built from other services' events."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from shared.db import JSONType, ServiceSchema, UTCDateTime

schema = ServiceSchema("intake")

if TYPE_CHECKING:
    Base = SQLModel  # what `schema.Base` is, named so the checker accepts it as a base class
else:
    Base = schema.Base


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSONType, nullable=False))


class Application(Base, table=True):
    """One project's application, from draft through the library (入库) decision."""

    __tablename__ = "applications"
    __table_args__ = (
        # the library's own order and its usual filters, each ending in (created_at, id) so a page — a
        # deep keyset page too — is an index range, never a scan and sort of the table
        sa.Index("ix_applications_created", "created_at", "id"),
        sa.Index("ix_applications_jurisdiction_created", "jurisdiction", "created_at", "id"),
        sa.Index("ix_applications_jurisdiction_year_created", "jurisdiction", "plan_year", "created_at", "id"),
        sa.Index("ix_applications_status_created", "status", "created_at", "id"),
        sa.Index("ix_applications_unit_created", "unit", "created_at", "id"),
        # the bureau's priority order (queries.in_priority_order)
        sa.Index(
            "ix_applications_priority_order",
            "priority_rank",
            "unit_priority",
            "created_at",
            "id",
        ),
        # name search: a trigram GIN index on PostgreSQL (ILIKE '%…%'); a plain index elsewhere
        sa.Index(
            "ix_applications_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ),
    )

    id: str = Field(primary_key=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    title: str = Field(max_length=300)
    category: str = Field(max_length=40)
    construction_type: str = Field(max_length=20)
    implementation_mode: str = Field(max_length=20)
    total_investment_fen: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    plan_year: int = Field(index=True)
    secret: bool = False
    status: str = Field(default="draft", index=True, max_length=20)  # draft|submitted|admitted|refused
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    submitted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    lock_version: int = 1
    # What the rules read (dazhou:第九条, fengxian:第二条,第十一条, dazhou:第二十条).
    materials: list[str] = _json_list()  # kinds of material declared or attached
    scope_items: list[str] = _json_list()  # what the project comprises (scope lists)
    project_tags: list[str] = _json_list()  # characteristics the not-accepted lists look for
    priority_tags: list[str] = _json_list()  # claimed priority situations
    priority_flags: list[str] = _json_list()  # the pack's priority items they hit (computed)
    # minus how many there are, kept by the database: the priority order's key, ascending like the rest
    # of that order so one index serves it (queries.in_priority_order; migration 0006)
    priority_rank: int | None = Field(
        default=None,
        sa_column=Column(sa.Integer, sa.Computed("-json_array_length(priority_flags)"), nullable=True),
    )
    unit_priority: int | None = None  # the unit's own rank, 1 = most urgent (fengxian:第十条)
    phases: list[dict[str, Any]] = _json_list()  # phase plan of a phased project (fengxian:第十一条)
    parts: list[dict[str, Any]] = _json_list()  # departments' parts of a cross-department project
    county_parts: list[dict[str, Any]] = _json_list()  # counties' parts of a city–county project (第二十二条)
    need_ids: list[str] = _json_list()
    original_project_id: str | None = Field(default=None, max_length=64)
    related_system_id: str | None = Field(default=None, max_length=64)
    mixed_construction: bool = False  # IT inside a construction project (dazhou:第八条)
    it_estimate_fen: int | None = Field(default=None, sa_column=Column(sa.BigInteger))
    total_estimate_fen: int | None = Field(default=None, sa_column=Column(sa.BigInteger))
    approval_route: str | None = Field(default=None, max_length=40)  # data_bureau | drc
    # the project code from the online approval platform, the project's external identifier (quzhou:三(二)2)
    project_code: str | None = Field(default=None, index=True, max_length=40)
    off_plan: bool = False  # 计划外: filed after the window
    refusal_reason: str | None = Field(default=None, max_length=2000)
    review_flags: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))


class Material(Base, table=True):
    """A document attached to an application (申报材料)."""

    __tablename__ = "materials"

    id: str = Field(primary_key=True, max_length=40)
    project_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=60)
    name: str = Field(max_length=300)
    uri: str | None = Field(default=None, max_length=1000)
    attached_by: str = Field(max_length=120)
    attached_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Attachment(Base, table=True):
    """A file attached to an application (附件), its bytes kept in this row.

    Why a table and not files under the service's data dir: the bytes then share the application's
    transaction (an upload or a delete is committed with its audit row, or not at all), its one backup
    and its replication, and a second API process needs no shared disk. Files are capped
    (settings.attachment_max_bytes, 20 MiB) and counted per application, so the table stays modest;
    listing reads never select `content` (queries.attachments_of)."""

    __tablename__ = "attachments"

    id: str = Field(primary_key=True, max_length=40)
    project_id: str = Field(index=True, max_length=64)
    name: str = Field(max_length=200)
    content_type: str = Field(max_length=120)
    size_bytes: int
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_column=Column(sa.LargeBinary, nullable=False))
    uploaded_by: str = Field(max_length=120)
    uploaded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class UnitBar(Base, table=True):
    """One bar on a unit, as another service decided it (cause, rule, citation, since, until)."""

    __tablename__ = "unit_bars"

    id: int | None = Field(default=None, primary_key=True)
    unit: str = Field(index=True, max_length=120)
    rule_id: str = Field(max_length=120)
    citation: str = Field(max_length=120)
    cause: str = Field(max_length=2000)
    since: date
    until: date | None = None  # None: until cleared
    bars: list[str] = _json_list()  # construction types it bars; empty: every new application
    subject: str = Field(max_length=64)  # project or system the bar came from
    source_event: str = Field(max_length=120)
    event_id: str = Field(max_length=64)
    cleared_on: date | None = None


class ProjectOutcome(Base, table=True):
    """Acceptance results of projects, so an upgrade can check its original project was accepted."""

    __tablename__ = "project_outcomes"

    project_id: str = Field(primary_key=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    accepted_on: date | None = None
    failed_on: date | None = None


class SupervisionStanding(Base, table=True):
    """Supervision findings against the unit or its projects and how far they escalated (dazhou:第五十三条),
    from catalog's events: shown with the unit's standing; the owning services act on the steps."""

    __tablename__ = "supervision_standing"

    finding_id: str = Field(primary_key=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    subject: str = Field(max_length=64)  # the project, or the finding itself for a finding against the unit
    area: str = Field(max_length=40)
    step: str = Field(max_length=30)  # public_criticism | plan_deferred | suspended | terminated
    rule_id: str = Field(max_length=120)
    citation: str = Field(max_length=120)
    escalated_on: date
    resolved_on: date | None = None


class CatalogSystem(Base, table=True):
    """The system catalog (系统目录) as intake needs it: registered, retired, last evaluation."""

    __tablename__ = "catalog_systems"

    system_id: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(index=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    registered_on: date
    retired_on: date | None = None
    evaluation_failed_on: date | None = None  # last evaluation failed (fengxian:第三十二条)
    evaluation_completed_on: date | None = None  # the latest evaluation heard of: an older one arriving late is stale
    evaluation_rule_id: str | None = Field(default=None, max_length=120)
    evaluation_citation: str | None = Field(default=None, max_length=120)


class SystemStatus(Base, table=True):
    """The day and event time of the catalog status (kind: security | data_sharing) intake applied last per
    system: a status event older than it arrives late and replaces nothing (shared.catalog_systems)."""

    __tablename__ = "system_statuses"

    system_id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(primary_key=True, max_length=20)
    changed_on: date
    event_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Need(Base, table=True):
    """A department's need in the needs pool (需求库, quzhou:三(一)1–3), before it becomes an application."""

    __tablename__ = "needs"

    id: str = Field(primary_key=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(index=True, max_length=40)
    title: str = Field(max_length=300)
    description: str = Field(sa_column=Column(sa.Text, nullable=False))
    category: str | None = Field(default=None, max_length=40)
    estimated_fen: int | None = Field(default=None, sa_column=Column(sa.BigInteger))
    plan_year: int | None = Field(default=None, index=True)
    status: str = Field(default="filed", index=True, max_length=20)  # filed|approved|rejected|planned
    filed_by: str = Field(max_length=120)
    filed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    reviewed_by: str | None = Field(default=None, max_length=120)
    reviewed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    review_note: str | None = Field(default=None, max_length=2000)
    application_ids: list[str] = _json_list()
    # the top-level design and its task the need is raised within (quzhou:三(一)2–3)
    top_level_design: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType, nullable=True))
