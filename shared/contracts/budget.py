"""Events the budget service publishes (概算, control price, releases)."""

from __future__ import annotations

from datetime import date

from shared.contracts.base import EventPayload


class EstimateApproved(EventPayload, event_type="budget.estimate.approved.v1"):
    """The approved estimate (概算) is the ceiling of investment and release (dazhou:第二十八条)."""

    unit: str
    jurisdiction: str
    estimate_fen: int
    approved_on: date
    revision: int = 1


class FundsReleased(EventPayload, event_type="budget.funds.released.v1"):
    release_id: str
    contract_id: str
    amount_fen: int
    released_total_fen: int


class ControlPriceApproved(EventPayload, event_type="budget.control_price.approved.v1"):
    """Finance finished the budget review of the tender control price (招标控制价), never above the
    estimate (dazhou:第三十八条); procurement tenders under it."""

    unit: str
    jurisdiction: str
    control_price_fen: int
    estimate_fen: int
    approved_on: date


class AdjustmentFiled(EventPayload, event_type="budget.adjustment.filed.v1"):
    """A content change within the approved total and ≤ 15% of it, filed by the unit (dazhou:第四十五条)."""

    adjustment_id: str
    unit: str
    jurisdiction: str
    amount_fen: int
    cumulative_fen: int
    case: str
    filed_on: date


class AdjustmentApproved(EventPayload, event_type="budget.adjustment.approved.v1"):
    """A larger or major change approved beforehand by the bureau (dazhou:第四十四条)."""

    adjustment_id: str
    unit: str
    jurisdiction: str
    amount_fen: int
    adjusted_total_fen: int
    approved_on: date


class SurplusReturned(EventPayload, event_type="budget.surplus.returned.v1"):
    """Goals unchanged and money left: the surplus goes back (dazhou:第三十一条); no further releases."""

    amount_fen: int
    released_total_fen: int
    returned_on: date


class OmBudgetApproved(EventPayload, event_type="budget.om_budget.approved.v1"):
    """Finance arranged O&M money for a catalogued system (dazhou:第三十二条,第三十三条)."""

    om_budget_id: str
    system_id: str
    unit: str
    jurisdiction: str
    funding_year: int
    amount_fen: int
    # jiyuan:运行维护: the bureau tenders the year's O&M for all units at once (统一运维招投标)
    unified_tender: bool = False


class OmBudgetStopped(EventPayload, event_type="budget.om_budget.stopped.v1"):
    """O&M money of a system that stopped being used is stopped (停止项目执行, fengxian:第二十二条)."""

    om_budget_id: str
    system_id: str
    unit: str
    jurisdiction: str
    funding_year: int
    amount_fen: int
    previous_status: str
    reason: str  # retired | suspended
    stopped_on: date
    rule_id: str
    citation: str


class DataOperationPaid(EventPayload, event_type="budget.data_operation.paid.v1"):
    """A public data-operation service task was paid, once, after acceptance and the third-party check
    (先用后付、按实结算, fengxian:第三十五条,第三十六条). `project_id` is the task id."""

    payment_id: str
    task_id: str
    operator_id: str
    jurisdiction: str
    amount_fen: int
    paid_on: date


class EstimateFiled(EventPayload, event_type="budget.estimate.filed.v1"):
    """The unit filed its estimate with the technical plan (报送技术方案, dazhou:第三十六条); the bureau's
    technical review and estimate approval are due by `review_due` (第三十七条)."""

    unit: str
    jurisdiction: str
    filed_on: date
    review_due: date | None = None


class ControlPriceSubmitted(EventPayload, event_type="budget.control_price.submitted.v1"):
    """The unit asked finance to review the tender control price (dazhou:第三十八条), due by `review_due`."""

    unit: str
    jurisdiction: str
    control_price_fen: int
    submitted_on: date
    review_due: date | None = None
