"""Budget's decisions, pure: the estimate ceiling and whether a release may be paid."""

from __future__ import annotations

from shared.policy import Decision, Pack


def release_decisions(pack: Pack, project, amount_fen: int) -> list[Decision]:
    """Payment needs acceptance with both documents (dazhou:第四十九条) and stays under the
    estimate (dazhou:第二十八条); every failed rule is reported."""
    return [
        pack.decide(
            "budget.payment_requires_acceptance",
            {"acceptance_documents": list(project.acceptance_documents), "accepted": project.accepted},
        ),
        pack.decide(
            "budget.estimate_ceiling",
            {"requested_total_fen": project.released_fen + amount_fen, "estimate_fen": project.estimate_fen or 0},
        ),
    ]
