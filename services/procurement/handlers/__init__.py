"""Procurement's commands and consumed events, each inside one unit of work; one module per area.

The stage a command needs and the stage it moves to are `domain.TRANSITIONS`'; reads are `queries`."""

from services.procurement.handlers.construction import (
    approve_termination,
    order_rectification,
    report_incident,
    resume,
    suspend,
    terminate,
)
from services.procurement.handlers.contracts import (
    Registered,
    SupplementOutcome,
    decide_supplement_step,
    load_supplement,
    register_contract,
    request_supplement,
)
from services.procurement.handlers.events import subscriptions
from services.procurement.handlers.sweepers import sweep_construction_deadlines
from services.procurement.handlers.tendering import (
    award_tender,
    file_plan,
    pending_reviews,
    publish_tender,
    record_bid,
    register_supplier,
    review_plan,
)

__all__ = [
    "Registered",
    "SupplementOutcome",
    "approve_termination",
    "award_tender",
    "decide_supplement_step",
    "file_plan",
    "load_supplement",
    "order_rectification",
    "pending_reviews",
    "publish_tender",
    "record_bid",
    "register_contract",
    "register_supplier",
    "report_incident",
    "request_supplement",
    "resume",
    "review_plan",
    "subscriptions",
    "suspend",
    "sweep_construction_deadlines",
    "terminate",
]
