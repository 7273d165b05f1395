"""Events every stage service publishes the same way (deadlines), one type per owning service."""

from __future__ import annotations

from datetime import date

from shared.contracts.base import EventPayload
from shared.settings import STAGE_SERVICES


class DeadlineOverdueBase(EventPayload):
    rule_id: str
    citation: str
    due_on: date
    description: str = ""


#: `<service>.deadline.overdue.v1` for each stage service.
DEADLINE_OVERDUE: dict[str, type[DeadlineOverdueBase]] = {
    service: type(
        f"{service.title()}DeadlineOverdue",
        (DeadlineOverdueBase,),
        {"__module__": __name__},
        event_type=f"{service}.deadline.overdue.v1",
    )
    for service in STAGE_SERVICES
}
