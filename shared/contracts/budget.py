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
