"""Budget's commands and consumed events, each inside one unit of work; one module per area.

The stage a command needs and the stage it moves to are `domain.TRANSITIONS`'; reads are `queries`."""

from services.budget.handlers.budgets import (
    add_budget_line,
    approve_om_budget,
    pay_data_operation_task,
    request_om_budget,
)
from services.budget.handlers.estimate import (
    approve_control_price,
    approve_estimate,
    publish_consultation,
    review_technical_plan,
    submit_control_price,
    submit_technical_plan,
)
from services.budget.handlers.events import subscriptions
from services.budget.handlers.funds import (
    decide_adjustment,
    release_funds,
    request_adjustment,
    return_surplus,
    set_shares,
)
from services.budget.handlers.sweepers import refresh_gauges

__all__ = [
    "add_budget_line",
    "approve_control_price",
    "approve_estimate",
    "approve_om_budget",
    "decide_adjustment",
    "pay_data_operation_task",
    "publish_consultation",
    "refresh_gauges",
    "release_funds",
    "request_adjustment",
    "request_om_budget",
    "return_surplus",
    "review_technical_plan",
    "set_shares",
    "submit_control_price",
    "submit_technical_plan",
    "subscriptions",
]
