"""Events the review service publishes (联审 and 立项)."""

from __future__ import annotations

from datetime import date

from shared.contracts.base import EventPayload
from shared.contracts.intake import ProjectSummary


class ProjectApproved(EventPayload, event_type="review.project.approved.v1"):
    """The approval letter (立项批复) was issued after the last authority step (dazhou:第十条)."""

    project: ProjectSummary
    approval_letter_no: str
    approved_on: date
    authority_steps: list[str]
    rule_id: str
    citation: str
    pack_version: str


class ProjectRejected(EventPayload, event_type="review.project.rejected.v1"):
    unit: str
    reason: str
    rule_id: str | None = None
    citation: str | None = None
