"""The portfolio read model's tables: one row per project (stage, money, dates), its to-dos, the deadlines
announced for it, the notifications they raise and each reader's read marker. Built only from events."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Column, Field

from services.catalog.tables import Base
from shared.db import UTCDateTime


class PortfolioProject(Base, table=True):
    """Where a project stands across the services. A secret (涉密) project has no title: the events carry
    none (dazhou:第六十五条)."""

    __tablename__ = "portfolio_projects"
    __table_args__ = (
        # the list's filters and default order (newest first within a jurisdiction)
        sa.Index("ix_portfolio_projects_jurisdiction_created", "jurisdiction", "created_at"),
        sa.Index("ix_portfolio_projects_stage_created", "stage", "created_at"),
        sa.Index("ix_portfolio_projects_year", "plan_year"),
        sa.Index("ix_portfolio_projects_amount", "total_investment_fen"),
        sa.Index("ix_portfolio_projects_created", "created_at", "project_id"),
        sa.Index("ix_portfolio_projects_next_due", "next_due_on"),
        # the list's default order (newest first) under a jurisdiction or stage filter (name search: the
        # trigram indexes of migration 0007, PostgreSQL only)
        sa.Index("ix_portfolio_projects_jurisdiction_order", "jurisdiction", "created_at", "project_id"),
        sa.Index("ix_portfolio_projects_stage_order", "stage", "created_at", "project_id"),
    )

    project_id: str = Field(primary_key=True, max_length=64)
    unit: str = Field(index=True, max_length=120)
    jurisdiction: str = Field(max_length=40)
    secret: bool = False
    title: str | None = Field(default=None, max_length=300)
    plan_year: int | None = None
    stage: str = Field(max_length=20)
    stage_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))  # the event that set the stage
    review_step_done: str | None = Field(default=None, max_length=40)
    # money, integer fen: requested/approved investment, latest estimate, contracted, released
    total_investment_fen: int | None = Field(default=None, sa_column=Column(sa.BigInteger, nullable=True))
    approved_investment_fen: int | None = Field(default=None, sa_column=Column(sa.BigInteger, nullable=True))
    estimate_fen: int | None = Field(default=None, sa_column=Column(sa.BigInteger, nullable=True))
    estimate_revision: int = 0
    contracted_fen: int = Field(default=0, sa_column=Column(sa.BigInteger, nullable=False, server_default="0"))
    released_fen: int = Field(default=0, sa_column=Column(sa.BigInteger, nullable=False, server_default="0"))
    # the earliest open or overdue deadline, kept with every deadline change: the list sorts on it, and
    # the project is overdue exactly when it is before today (an overdue deadline's day has passed)
    next_due_on: date | None = None
    # dates
    submitted_on: date | None = None
    admitted_on: date | None = None
    approved_on: date | None = None
    estimate_approved_on: date | None = None
    contracted_on: date | None = None
    planned_completion: date | None = None
    trial_started_on: date | None = None
    accepted_on: date | None = None
    registered_on: date | None = None
    retired_on: date | None = None
    rejected_on: date | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PortfolioMoney(Base, table=True):
    """One amount per (project, kind, ref): a contract counted twice (two event ids) is counted once."""

    __tablename__ = "portfolio_money"
    __table_args__ = (sa.UniqueConstraint("project_id", "kind", "ref", name="uq_portfolio_money_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(max_length=64)
    kind: str = Field(max_length=20)  # contract | release
    ref: str = Field(max_length=80)
    amount_fen: int = Field(sa_column=Column(sa.BigInteger, nullable=False))


class PortfolioTodo(Base, table=True):
    """An action waiting (待办) for a role — and, for the unit role, for the project's unit."""

    __tablename__ = "portfolio_todos"
    __table_args__ = (
        sa.Index("ix_portfolio_todos_open_role", "status", "role", "due_on", "since"),
        sa.Index("ix_portfolio_todos_project", "project_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(max_length=64)
    service: str = Field(max_length=20)
    action: str = Field(max_length=60)
    action_label_zh: str = Field(max_length=120)
    role: str = Field(max_length=40)
    unit: str | None = Field(default=None, max_length=120)  # set when the unit role acts
    ref: str = Field(default="", max_length=80)  # the deadline or finding a to-do is about
    due_on: date | None = None
    since: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: str = Field(default="open", max_length=10)  # open | done
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class PortfolioDeadline(Base, table=True):
    """A deadline announced for a project: a contract's construction due date, a finding's rectification
    date, or one another service announced overdue (`<service>.deadline.overdue.v1`)."""

    __tablename__ = "portfolio_deadlines"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "service", "rule_id", name="uq_portfolio_deadline"),
        sa.Index("ix_portfolio_deadlines_open_due", "status", "due_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(index=True, max_length=64)
    service: str = Field(max_length=20)
    rule_id: str = Field(max_length=120)
    citation: str = Field(default="", max_length=120)
    description: str = Field(default="", max_length=300)
    due_on: date
    status: str = Field(default="open", max_length=10)  # open | overdue | met
    role: str = Field(max_length=40)  # who must meet it
    reminded: bool = False  # the approaching-deadline notification was raised


class PortfolioNotification(Base, table=True):
    """A message (消息提醒) for a role (and unit): a new to-do, a deadline approaching or overdue."""

    __tablename__ = "portfolio_notifications"
    __table_args__ = (sa.Index("ix_portfolio_notifications_role", "role", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(max_length=64)
    role: str = Field(max_length=40)
    unit: str | None = Field(default=None, max_length=120)
    kind: str = Field(max_length=30)  # todo | deadline_approaching | deadline_overdue
    text_zh: str = Field(max_length=300)
    due_on: date | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class NotificationMarker(Base, table=True):
    """How far one reader (token subject) has read the feed: everything up to `read_up_to` is read."""

    __tablename__ = "portfolio_notification_markers"

    subject: str = Field(primary_key=True, max_length=120)
    read_up_to: int = 0
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PortfolioWebhook(Base, table=True):
    """A subscription the bureau registered: the notifications of one role (and unit) POSTed to one URL,
    signed with the subscription's own HMAC key. Secret (涉密) projects' notifications are never sent."""

    __tablename__ = "portfolio_webhooks"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    url: str = Field(max_length=500)
    role: str = Field(max_length=40)
    unit: str | None = Field(default=None, max_length=120)
    signing_key: str = Field(max_length=128)
    active: bool = True
    queued_up_to: int = 0  # notifications up to this id have been considered for this subscription
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PortfolioWebhookDelivery(Base, table=True):
    """One notification to one subscription: its attempts, the receiver's last answer, and the outcome."""

    __tablename__ = "portfolio_webhook_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("webhook_id", "notification_id", name="uq_portfolio_webhook_delivery"),
        sa.Index("ix_portfolio_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    webhook_id: int = Field(index=True)
    notification_id: int
    status: str = Field(default="pending", max_length=10)  # pending | delivered | failed
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=300)
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
