"""Events the intake service publishes (申报 and the project library 项目库)."""

from __future__ import annotations

from pydantic import BaseModel

from shared.contracts.base import EventPayload


class ProjectSummary(BaseModel):
    """The part of an application other services may know. For a secret (涉密) project only
    `project_id`, `unit`, `jurisdiction`, `secret` and amounts needed for routing leave intake
    (dazhou:第六十五条): `title`, `category` and `construction_type` are None."""

    unit: str
    jurisdiction: str
    secret: bool = False
    title: str | None = None
    category: str | None = None
    construction_type: str | None = None
    total_investment_fen: int
    plan_year: int
    # Added fields (the version stays): routing and the bureau's ordering, never content of a secret project.
    off_plan: bool = False  # 计划外: filed after the window (dazhou:第七条, fengxian:第十四条)
    approval_route: str | None = None  # data_bureau | drc for a mixed construction project (dazhou:第八条)
    # a mixed construction project's estimate parts, from which review routes its approval (dazhou:第八条)
    it_estimate_fen: int | None = None
    total_estimate_fen: int | None = None
    # a city–county shared project's county parts: county, unit, share_fen (dazhou:第二十二条 分级负担)
    county_parts: list[dict[str, str | int]] = []
    project_code: str | None = None  # 投资项目在线审批监管平台的项目代码, the external identifier (quzhou:三(二)2)
    priority_flags: list[str] = []  # the pack's priority items hit (quzhou 优先列入, dazhou:第十九条)
    unit_priority: int | None = None  # the unit's own rank (fengxian:第十条)
    implementation_mode: str | None = None  # self_build | purchase_of_service (dazhou:第十一条,第十二条)
    materials: list[str] = []  # kinds of material filed (no content), e.g. information_resource_catalog


class ViolationRef(BaseModel):
    rule_id: str
    citation: str
    message_zh: str = ""
    message_en: str = ""
    field: str | None = None


class ApplicationSubmitted(EventPayload, event_type="intake.application.submitted.v1"):
    project: ProjectSummary


class ApplicationAdmitted(EventPayload, event_type="intake.application.admitted.v1"):
    """Admitted to the project library (入库): review may now take it up."""

    project: ProjectSummary
    admitted_by: str


class ApplicationRejected(EventPayload, event_type="intake.application.rejected.v1"):
    unit: str
    jurisdiction: str
    violations: list[ViolationRef]
    reason: str = ""  # the bureau's reason (no content of a secret project)
