"""API models of the portfolio routes: to-dos, the project list and dossier, the cockpit, notifications."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from shared.auth import Role
from shared.limits import RequestModel


class TodoPublic(BaseModel):
    id: int
    project_id: str
    title: str | None  # None for a secret (涉密) project
    unit: str
    jurisdiction: str
    service: str
    stage: str
    stage_label_zh: str
    action: str
    action_label_zh: str
    role: str
    due_on: date | None
    overdue: bool
    since: datetime
    closed_at: datetime | None = None  # 已办: when the action was taken
    total_investment_fen: int | None = None  # None for a secret project (the 待办's 总投资 column)


class TodosPublic(BaseModel):
    items: list[TodoPublic]
    total: int
    counts: dict[str, dict[str, int]] = Field(description="`by_role`: open to-dos per role of the caller")
    next_cursor: str | None = None


class MoneyPublic(BaseModel):
    """Integer fen. None where the reader may not see a secret project's amounts."""

    total_investment_fen: int | None = None
    approved_investment_fen: int | None = None
    estimate_fen: int | None = None
    contracted_fen: int | None = None
    released_fen: int | None = None
    paid_fen: int | None = None


class ProjectRowPublic(BaseModel):
    project_id: str
    title: str | None
    unit: str
    jurisdiction: str
    secret: bool
    stage: str
    stage_label_zh: str
    plan_year: int | None
    money: MoneyPublic
    next_due_on: date | None
    overdue: bool
    submitted_on: date | None
    approved_on: date | None
    created_at: datetime


class ProjectsPublic(BaseModel):
    items: list[ProjectRowPublic]
    total: int = Field(description="rows matching the whole query (drafts never counted)")
    investment_fen: int = Field(
        default=0, description="total investment (fen) of the whole query; secret amounts only for cleared readers"
    )
    offset: int
    limit: int
    next_cursor: str | None = None


class DeadlinePublic(BaseModel):
    service: str
    rule_id: str
    citation: str
    description: str
    due_on: date
    status: str  # open | overdue | met
    colour: str | None  # red | amber | green; None once met
    role: str


class VariancePublic(BaseModel):
    cost_variance_pct: float | None
    schedule_variance_pct: float | None
    schedule_slip_days: int | None
    risk: str  # low | medium | high
    risk_label_zh: str


class DatesPublic(BaseModel):
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


class ProjectPublic(ProjectRowPublic):
    dates: DatesPublic
    deadlines: list[DeadlinePublic]
    todos: list[TodoPublic]
    variance: VariancePublic | None


class Bucket(BaseModel):
    key: str
    label_zh: str | None = None
    count: int
    investment_fen: int


class FunnelStep(BaseModel):
    step: str
    label_zh: str
    amount_fen: int


class RiskRow(BaseModel):
    project_id: str
    title: str | None
    unit: str
    jurisdiction: str
    stage: str
    approved_investment_fen: int | None
    cost_variance_pct: float | None
    schedule_variance_pct: float | None
    schedule_slip_days: int | None
    overdue_deadlines: int
    risk: str
    risk_label_zh: str


class CockpitPublic(BaseModel):
    jurisdiction: str | None
    year: int | None
    generated_at: datetime
    projects: int
    investment_fen: int
    by_stage: list[Bucket]
    by_unit: list[Bucket]
    by_jurisdiction: list[Bucket]
    by_year: list[Bucket]
    funnel: list[FunnelStep]
    deadlines: dict[str, int] = Field(description="open deadlines by colour: red (overdue), amber, green")
    risk: dict[str, int] = Field(description="rated projects by risk: low, medium, high")
    risk_projects: list[RiskRow]
    systems: dict[str, int] = Field(description="catalogued systems by state, and `zombie`")
    evaluations: dict[str, int]
    sanctions_active: int
    settings: dict[str, int] = Field(description="the local settings (thresholds) the ratings used")


class NotificationPublic(BaseModel):
    id: int
    project_id: str
    kind: str  # todo | deadline_approaching | deadline_overdue
    text_zh: str
    due_on: date | None
    created_at: datetime
    read: bool


class NotificationsPublic(BaseModel):
    items: list[NotificationPublic]
    unread: int


class NotificationsRead(RequestModel):
    up_to_id: int | None = Field(default=None, ge=0, le=2**62, description="mark read up to this id; all if absent")


class ReadMarkerPublic(BaseModel):
    read_up_to: int
    unread: int


class WebhookCreate(RequestModel):
    """A subscription: one role's notifications (the unit role's for one unit) POSTed to `url`."""

    name: str = Field(min_length=1, max_length=80)
    url: str = Field(
        min_length=8, max_length=500, pattern=r"^https?://", description="must start with a configured prefix"
    )
    role: Role
    unit: str | None = Field(default=None, min_length=1, max_length=120, description="required for the unit role")


class WebhookPublic(BaseModel):
    id: int
    name: str
    url: str
    role: str
    unit: str | None
    active: bool
    created_by: str
    created_at: datetime


class WebhookCreated(WebhookPublic):
    signing_key: str = Field(description="the HMAC-SHA256 key; shown once, keep it at the receiver")


class WebhooksPublic(BaseModel):
    items: list[WebhookPublic]
    allowed_url_prefixes: list[str]


class DeliveryPublic(BaseModel):
    id: int
    notification_id: int
    status: str  # pending | delivered | failed
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveriesPublic(BaseModel):
    items: list[DeliveryPublic]
