"""Review's API models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt

from shared.limits import LIST_MAX, TEXT_MAX, Identifier, Name, Paragraph, RequestModel, Text

Comment = Field(default="", max_length=TEXT_MAX)
#: Score dimensions and their comments: a pack has a handful of dimensions.
Dimensions = Field(max_length=50)


class Strict(RequestModel):
    """A request body: unknown fields refused, strings bounded and free of control characters."""


class ImplementationFacts(Strict):
    """Implementation mode and the facts its rules read (dazhou:第十一条 self-build, 第十二条 purchase of service)."""

    implementation_mode: Literal["self_build", "purchase_of_service", "centralized_build", "unit_build"]
    mandated_by_higher_level: StrictBool = False
    national_security_urgent: StrictBool = False
    vertical_deployment_approved: StrictBool = False
    bundles_goods_or_works: StrictBool = False
    service_fee_total_fen: StrictInt | None = Field(default=None, ge=0)
    self_build_total_fen: StrictInt | None = Field(default=None, ge=0)
    potential_providers: StrictInt | None = Field(default=None, ge=0)
    security_secrecy_compliant: StrictBool = True
    # the reviewer's findings for dazhou:第十六条 (集中建设 / 整合到城市大脑); recorded as a condition of the approval
    city_governance_platform: StrictBool = Field(
        default=False, description="城市数字化治理综合平台（应急指挥调度、城市治理、综合展示等）"
    )
    cross_department: StrictBool = Field(default=False, description="市级跨部门（单位）共建共享")
    integrable_into_city_project: StrictBool = Field(
        default=False, description="能够整合到全市综合性、基础性信息化项目"
    )
    plan_elements: list[Identifier] | None = Field(
        default=None,
        max_length=50,
        description="contents of the submitted plan (self-build technical plan dazhou:第十一条: technical_plan, "
        "integration_sharing_chapter; purchase-of-service plan dazhou:第十二条); when given, checked against the pack",
    )


class ScoreSheetIn(Strict):
    """One reviewer's sheet: a whole-number score per dimension of the pack, and comments."""

    reviewer: str = Field(min_length=1, max_length=120, description="expert id (E-…) or the reviewer's name")
    scores: dict[Identifier, StrictInt] = Dimensions
    comments: dict[Identifier, Paragraph] = Field(default_factory=dict, max_length=50)
    comment: Text = Comment


class MyScores(Strict):
    """A drawn expert's (or a panel department's) own sheet."""

    scores: dict[Identifier, StrictInt] = Dimensions
    comments: dict[Identifier, Paragraph] = Field(default_factory=dict, max_length=50)
    comment: Text = Comment


class SchemeReviewResult(Strict):
    """The scheme review's conclusion (项建方案评审 / 方案预审). With score sheets (given here or submitted
    by the reviewers) the pack's pass rule decides; without, `passed` is the panel's recorded outcome."""

    passed: StrictBool | None = None
    comment: Text = Comment
    scores: list[ScoreSheetIn] = Field(default_factory=list, max_length=50)
    collective_review: StrictBool = False
    implementation: ImplementationFacts | None = None


class StepDecision(Strict):
    approve: StrictBool = True
    comment: Text = Comment


class PathStepResult(Strict):
    """A generic path step's outcome (e.g. Suqian's 预算审核, 清单管理, 实施前审核)."""

    passed: StrictBool
    comment: Text = Comment


class PrescreenCommand(Strict):
    """The pre-screening panel's conclusion (前置初审, fengxian:第十五条–第十六条)."""

    panel: list[Identifier] = Field(
        max_length=LIST_MAX, description="the panel's members present: data_bureau, cyberspace, finance, …"
    )
    findings: list[Identifier] = Field(
        default_factory=list, max_length=LIST_MAX, description="misaligned_with_plan, immature_scheme, …"
    )
    public_service: StrictBool = False
    city_operations: StrictBool = False
    village_level: StrictBool = False
    data_governance: StrictBool = False
    comment: Text = Comment


class JointOpinionIn(Strict):
    agrees: StrictBool = True
    comment: Text = Comment


class JointReviewConclusion(Strict):
    """The leading office's conclusion of Quzhou's joint review: the fixed estimate (概算价) and the
    《决策咨询意见》 the leading group decided (quzhou:三(二)1)."""

    passed: StrictBool = True
    fixed_estimate_fen: StrictInt | None = Field(default=None, gt=0)
    consulting_opinion_no: str | None = Field(default=None, min_length=1, max_length=80)
    leading_group_decided: StrictBool = False
    comment: Text = Comment


class ApprovalStepPublic(BaseModel):
    position: int
    role: str
    status: str
    decided_by: str | None
    comment: str


class StepRecordPublic(BaseModel):
    step: str
    outcome: str
    actor: str
    comment: str
    detail: dict


class JointOpinionPublic(BaseModel):
    """One party's opinion in the joint review as the leading office reads it before concluding
    (quzhou:三(二)1): who, agrees or not, the text (not a secret project's, to the uncleared), when."""

    party: str  # a role of the panel (pack rule review.joint_review_panel), or `expert`
    expert_id: str | None = None
    expert_name: str | None = None
    agrees: bool
    comment: str
    at: datetime


class ReviewCasePublic(BaseModel):
    project_id: str
    unit: str
    jurisdiction: str
    title: str | None
    secret: bool
    total_investment_fen: int
    plan_year: int
    stage: str
    path: str | None = None
    path_steps: list[str] = []
    step: str | None = None
    routed_to: str | None = None
    collective_review: bool = False
    fixed_estimate_fen: int | None = None
    consulting_opinion_no: str | None = None
    scheme_result: dict = {}
    plan_deferred: bool = False
    approval_letter_no: str | None
    approved_on: date | None
    # dazhou:第十六条: the approval's condition to build centrally / into the city brain (required_mode,
    # stated_mode, rule_id, citation, message_zh), when the scheme review found one
    centralized_build_condition: dict | None = None
    steps: list[ApprovalStepPublic]
    history: list[StepRecordPublic] = []
    joint_opinions: list[JointOpinionPublic] = []


# --- experts ------------------------------------------------------------------------------------------


class ExpertCreate(Strict):
    name: str = Field(min_length=1, max_length=120)
    employer: str = Field(min_length=1, max_length=200)
    fields: list[Name] = Field(min_length=1, max_length=20)
    vendor_links: list[Name] = Field(default_factory=list, max_length=50)
    user_subject: str | None = Field(default=None, max_length=120, description="the expert's sign-in subject")


class ExpertPublic(BaseModel):
    id: str
    name: str
    employer: str
    fields: list[str]
    vendor_links: list[str] = []
    user_subject: str | None = None
    active: bool = True


class ExpertsPublic(BaseModel):
    items: list[ExpertPublic]
    next_cursor: str | None


class DrawRequest(Strict):
    """Draw `count` experts for a review (scheme review, acceptance panel, …)."""

    project_id: str = Field(min_length=1, max_length=64)
    #: Deprecated: the applicant and jurisdiction are always the project's; a different value is refused.
    unit: str | None = Field(default=None, min_length=1, max_length=120)
    jurisdiction: str | None = Field(default=None, max_length=40)
    vendors: list[Name] = Field(default_factory=list, max_length=50)
    fields: list[Name] = Field(default_factory=list, max_length=20)
    count: StrictInt = Field(ge=1, le=25)
    purpose: str = Field(default="scheme_review", min_length=1, max_length=40)


class DrawnExpert(BaseModel):
    id: str
    name: str
    employer: str
    fields: list[str]


class DrawMemberPublic(BaseModel):
    expert_id: str
    position: int
    status: str
    replaced_by: str | None
    decline_reason: str


class DrawPublic(BaseModel):
    draw_id: str
    project_id: str
    unit: str
    jurisdiction: str
    purpose: str
    seed: int
    count: int
    candidates: list[str]
    excluded: list[dict]
    drawn_on: date
    pack_version: str
    experts: list[DrawnExpert]
    members: list[DrawMemberPublic]


class DeclineCommand(Strict):
    expert_id: str = Field(min_length=1, max_length=40)
    reason: Text = Comment


class ReplayPublic(BaseModel):
    draw_id: str
    matches: bool
    recorded: list[str]
    replayed: list[str]


# --- annual plan --------------------------------------------------------------------------------------


class PlanEntryPublic(BaseModel):
    year: int
    jurisdiction: str
    project_id: str
    unit: str
    title: str | None
    total_investment_fen: int
    status: str
    source: str
    reason: str
    decided_by: str
    rule_id: str | None
    citation: str | None


class PlanPublic(BaseModel):
    year: int
    items: list[PlanEntryPublic]
    next_cursor: str | None


class PlanAdjustment(Strict):
    """The July mid-year adjustment (dazhou:第十三条): add an approved project, or drop one."""

    jurisdiction: str = Field(min_length=1, max_length=40)
    project_id: str = Field(min_length=1, max_length=64)
    action: Literal["add", "drop"]
    reason: Text = Field(min_length=1, max_length=TEXT_MAX)
