"""Review's decisions, pure: who must approve a project, and whether a step may act now."""

from __future__ import annotations

from shared.policy import Decision, Pack


def approval_route(pack: Pack, total_investment_fen: int, collective: bool = False) -> Decision:
    """The ordered authority steps for this amount (dazhou:第十条: 以上 includes, 以下 excludes)."""
    return pack.authority("approval.authority", total_investment_fen)


def next_pending(steps: list) -> object | None:
    """Steps act strictly in order: the first one still pending is the only one that may act."""
    for step in sorted(steps, key=lambda s: s.position):
        if step.status == "pending":
            return step
    return None
