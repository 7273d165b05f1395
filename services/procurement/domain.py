"""Procurement's decisions, pure."""

from __future__ import annotations

from shared.policy import Decision, Pack


def contract_decisions(pack: Pack, ceiling_fen: int, amount_fen: int, signed_on, planned_completion) -> list[Decision]:
    """A contract never exceeds the estimate (dazhou:第三十八条; quzhou:三(三)1)."""
    return [pack.decide("procurement.tender_ceiling", {"tender_ceiling_fen": amount_fen, "approved_estimate_fen": ceiling_fen})]
