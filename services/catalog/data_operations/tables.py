"""Public data-operation services (公共数据运营服务, fengxian:第三十四条–第三十七条; dazhou:第六十一条): the
service catalog, performance indicators, registered operators, service tasks, their progress and ratings."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Column, Field

from services.catalog.tables import Base
from shared.db import JSONType, UTCDateTime


class DataService(Base, table=True):
    """An entry of the data-operation service catalog (公共数据运营服务目录): drafted, approved, published."""

    __tablename__ = "data_services"

    id: str = Field(primary_key=True, max_length=64)
    jurisdiction: str = Field(index=True, max_length=40)
    name: str = Field(max_length=300)
    description: str = ""
    measure: str = Field(default="", max_length=60)  # what is counted when it is used (calls, datasets, ...)
    status: str = Field(default="draft", index=True, max_length=20)  # draft | approved | published
    drafted_by: str = Field(max_length=120)
    approved_by: str | None = Field(default=None, max_length=120)
    approved_on: date | None = None
    published_on: date | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PerformanceIndicator(Base, table=True):
    """A data-operation performance indicator (绩效指标) with its target; approved, target reviewed by
    finance (fengxian:第三十七条), then published."""

    __tablename__ = "data_operation_indicators"

    id: str = Field(primary_key=True, max_length=64)
    jurisdiction: str = Field(index=True, max_length=40)
    year: int
    name: str = Field(max_length=300)
    target: str = Field(max_length=300)
    status: str = Field(default="draft", index=True, max_length=20)  # draft | approved | published
    drafted_by: str = Field(max_length=120)
    approved_by: str | None = Field(default=None, max_length=120)
    approved_on: date | None = None
    target_reviewed_by: str | None = Field(default=None, max_length=120)
    target_reviewed_on: date | None = None
    published_on: date | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class DataOperator(Base, table=True):
    """A registered data operator (数据运营商), recruited openly with its qualifications, or authorised."""

    __tablename__ = "data_operators"

    id: str = Field(primary_key=True, max_length=64)
    jurisdiction: str = Field(index=True, max_length=40)
    name: str = Field(max_length=300)
    recruitment_ref: str | None = Field(default=None, max_length=200)  # the open recruitment notice
    authorisation_ref: str | None = Field(default=None, max_length=200)  # the government's authorisation
    qualifications: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    status: str = Field(default="registered", index=True, max_length=20)  # registered | removed
    registered_by: str = Field(max_length=120)
    registered_on: date


class DataOperationTask(Base, table=True):
    """A service task (公共数据运营服务任务) split from the year's public-data work and dispatched to an operator."""

    __tablename__ = "data_operation_tasks"
    __table_args__ = (
        # the task list's orders (dispatched, due, amount)
        sa.Index("ix_data_operation_tasks_dispatched_on_id", "dispatched_on", "id"),
        sa.Index("ix_data_operation_tasks_due_on_id", "due_on", "id"),
        sa.Index("ix_data_operation_tasks_amount_id", "planned_amount_fen", "id"),
    )

    id: str = Field(primary_key=True, max_length=64)
    jurisdiction: str = Field(index=True, max_length=40)
    year: int
    work_item: str = Field(max_length=300)  # the annual or key public-data task it was split from
    service_id: str = Field(index=True, max_length=64)
    operator_id: str = Field(index=True, max_length=64)
    title: str = Field(max_length=300)
    planned_amount_fen: int = Field(sa_column=Column(sa.BigInteger, nullable=False))
    due_on: date | None = None
    # dispatched | delivered | accepted | paid
    status: str = Field(default="dispatched", index=True, max_length=20)
    progress_pct: int = 0
    quality_checked: bool = False
    quality_passed: bool | None = None
    quality_note: str = ""
    dispatched_by: str = Field(max_length=120)
    dispatched_on: date
    delivered_on: date | None = None
    accepted_by: str | None = Field(default=None, max_length=120)
    accepted_on: date | None = None
    check_reviewer: str | None = Field(default=None, max_length=200)
    check_reference: str | None = Field(default=None, max_length=200)
    check_checked_on: date | None = None
    confirmed_amount_fen: int | None = Field(default=None, sa_column=Column(sa.BigInteger, nullable=True))
    payment_id: str | None = Field(default=None, max_length=64)
    paid_amount_fen: int | None = Field(default=None, sa_column=Column(sa.BigInteger, nullable=True))
    paid_on: date | None = None


class TaskProgress(Base, table=True):
    """A progress or quality report on a task (跟踪管理…进度和质量)."""

    __tablename__ = "data_operation_progress"

    id: int | None = Field(default=None, primary_key=True)
    task_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=20)  # progress | quality
    progress_pct: int | None = None
    passed: bool | None = None
    note: str = ""
    reported_by: str = Field(max_length=120)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class OperatorRating(Base, table=True):
    """The bureau's rating of an operator's service on one accepted task (评估服务质量)."""

    __tablename__ = "data_operator_ratings"
    __table_args__ = (sa.UniqueConstraint("task_id", name="uq_data_operator_rating_task"),)

    id: int | None = Field(default=None, primary_key=True)
    operator_id: str = Field(index=True, max_length=64)
    task_id: str = Field(max_length=64)
    score: int  # 0..100
    comment: str = ""
    rated_by: str = Field(max_length=120)
    rated_on: date


class DataOperationOversight(Base, table=True):
    """The bureau's supervision of an operator's staff and premises (fengxian:第三十六条) and finance's yearly
    performance evaluation of public data operation (fengxian:第三十七条), with the rule that required it."""

    __tablename__ = "data_operation_oversight"

    id: str = Field(primary_key=True, max_length=64)
    jurisdiction: str = Field(index=True, max_length=40)
    kind: str = Field(index=True, max_length=40)  # operator_supervision | performance_evaluation
    operator_id: str | None = Field(default=None, index=True, max_length=64)
    year: int | None = None
    passed: bool
    score: int | None = None
    findings: dict = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    report_ref: str | None = Field(default=None, max_length=300)
    rule_id: str = Field(max_length=120)
    citation: str = Field(max_length=120)
    recorded_by: str = Field(max_length=120)
    recorded_on: date
