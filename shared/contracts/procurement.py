"""Events the procurement service publishes (采购, 合同)."""

from __future__ import annotations

from datetime import date

from shared.contracts.base import EventPayload


class ContractSigned(EventPayload, event_type="procurement.contract.signed.v1"):
    contract_id: str
    unit: str
    jurisdiction: str
    supplier: str
    amount_fen: int
    signed_on: date
    planned_completion: date
