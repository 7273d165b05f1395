"""Budget's decisions, pure: the estimate ceiling and whether a release may be paid."""

from __future__ import annotations

from shared.policy import Decision, Pack

#: The documents acceptance reports; the pack's rule says which of them payment needs.
REQUIRED_DOCUMENTS = ("pre_acceptance_approval_letter", "acceptance_report")


def release_decisions(pack: Pack, project, amount_fen: int) -> list[Decision]:
    """Payment needs acceptance with both documents (dazhou:第四十九条) and stays under the
    estimate (dazhou:第二十八条); every failed rule is reported."""
    return [
        pack.decide(
            "budget.payment_requires_acceptance",
            {item: item in project.acceptance_documents for item in REQUIRED_DOCUMENTS},
        ),
        pack.decide(
            "budget.estimate_ceiling",
            {"total_investment_fen": project.released_fen + amount_fen, "approved_estimate_fen": project.estimate_fen or 0},
        ),
    ]
