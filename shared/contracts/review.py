"""Events the review service publishes (联审 and 立项, the annual plan).

Secret (涉密) projects: `ProjectSummary` already carries no content; scores and reasons are left out too
(dazhou:第六十五条)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from shared.contracts.base import EventPayload
from shared.contracts.intake import ProjectSummary, ViolationRef


class ProjectApproved(EventPayload, event_type="review.project.approved.v1"):
    """The approval letter (立项批复) was issued after the last authority step (dazhou:第十条)."""

    project: ProjectSummary
    approval_letter_no: str
    approved_on: date
    authority_steps: list[str]
    rule_id: str
    citation: str
    pack_version: str
    collective_review: bool = False
    #: Quzhou's joint review fixes the estimate price (概算价) in the 决策咨询意见 (quzhou:三(二)1).
    fixed_estimate_fen: int | None = None
    consulting_opinion_no: str | None = None


class ProjectRejected(EventPayload, event_type="review.project.rejected.v1"):
    unit: str
    reason: str
    rule_id: str | None = None
    citation: str | None = None


class ProjectPrescreened(EventPayload, event_type="review.project.prescreened.v1"):
    """The pre-screening panel's outcome (前置初审, fengxian:第十五条–第十六条): `passed` goes on to the
    scheme review, `not_reviewed` is on the not-reviewed list, `routed` is built in a unified platform."""

    unit: str
    jurisdiction: str
    outcome: str  # passed | not_reviewed | routed
    routed_to: str | None = None
    reasons: list[ViolationRef] = []


class ProjectScored(EventPayload, event_type="review.project.scored.v1"):
    """The scheme review's scores were concluded (fengxian:第十八条–第十九条)."""

    unit: str
    jurisdiction: str
    passed: bool
    reviewers: int
    mean_total_score: int | None = None  # None for a secret project
    rule_id: str
    citation: str


class PlanAdjusted(EventPayload, event_type="review.plan.adjusted.v1"):
    """A project entered, left or was deferred in a year's plan (dazhou:第十三条; dazhou:第五十三条)."""

    year: int
    jurisdiction: str
    unit: str
    action: str  # added | dropped | deferred
    reason: str = ""
    decided_by: str
    rule_id: str | None = None
    citation: str | None = None
    decided_on: date


class SchemeReviewSummary(BaseModel):
    """The scheme review's result as the leaders read it before signing; scores only where recorded, and
    never for a secret project (dazhou:第六十五条)."""

    passed: bool
    reviewers: int = 0
    mean_total_score: int | None = None
    dimension_means: dict[str, float] = {}


class ApprovalRouted(EventPayload, event_type="review.approval.routed.v1"):
    """The approval chain (立项审批) opened, or one leader signed (dazhou:第十条): `position` steps are done,
    `next_role` signs next (None once the last has signed; `review.project.approved` follows)."""

    unit: str
    jurisdiction: str
    steps: list[str]
    position: int
    next_role: str | None
    rule_id: str
    citation: str
    routed_on: date
    scheme_review: SchemeReviewSummary | None = None


class DrawnExpert(BaseModel):
    expert_id: str
    #: The expert's sign-in (`Expert.user_subject`); None for an expert with no account on the platform.
    subject: str | None = None


class ExpertsDrawn(EventPayload, event_type="review.experts.drawn.v1"):
    """Experts drawn for a project's review, or a decliner replaced (fengxian:第十八条): `experts` are the
    members now drawn, `declined` the ones who left. Identifiers only, no project content."""

    unit: str
    jurisdiction: str
    draw_id: str
    purpose: str
    experts: list[DrawnExpert]
    declined: list[DrawnExpert] = []
    drawn_on: date


class JointOpinionRecorded(EventPayload, event_type="review.joint_opinion.recorded.v1"):
    """One party gave (or revised) its opinion in Quzhou's parallel joint review (并联审核, quzhou:三(二)1):
    that party's own part is done, whatever the others still owe. `party` is the panel's name for it (a role,
    or `expert` with `expert_id` and the expert's sign-in `expert_subject`). Never the opinion's text; whether the
    party agrees is left out for a secret project (dazhou:第六十五条)."""

    unit: str
    jurisdiction: str
    party: str
    expert_id: str | None = None
    expert_subject: str | None = None
    agrees: bool | None = None
    recorded_on: date
