"""Review's commands and consumed events, each inside one unit of work; one module per area.

The stage a command needs and the stage it moves to are `domain.TRANSITIONS`'; where on the path a
reviewing case is, its `step`; reads are `queries`."""

from services.review.handlers.approval import decide_step, issue_approval_letter
from services.review.handlers.events import on_application_admitted, on_finding_escalated, subscriptions
from services.review.handlers.experts import create_draw, create_expert, decline, emit_drawn, replay
from services.review.handlers.joint import conclude_joint_review, joint_opinion
from services.review.handlers.plan import add_to_plan, adjust_plan
from services.review.handlers.scheme import record_scheme_review, submit_own_scores
from services.review.handlers.steps import path_step, prescreen

__all__ = [
    "add_to_plan",
    "adjust_plan",
    "conclude_joint_review",
    "create_draw",
    "create_expert",
    "decide_step",
    "decline",
    "emit_drawn",
    "issue_approval_letter",
    "joint_opinion",
    "on_application_admitted",
    "on_finding_escalated",
    "path_step",
    "prescreen",
    "record_scheme_review",
    "replay",
    "submit_own_scores",
    "subscriptions",
]
