"""Whether a policy decision refuses the request it was taken on: one definition for every service.

A rule's `effect` in the pack says what its failure does. These refuse the request (nothing is written,
the 422 lists every such decision): `reject`, `block`, `bar`, `not_admitted`, `out_of_scope`; a rule with
no effect refuses too. The others are recorded on the project and the request goes on: `overdue` (a
deadline someone else missed), `route` and `needs_approval` (the answer picks a path), `info`, `escalate`.
So the same pack rule refuses in every service that evaluates it, or in none.

A command that reads a non-refusing failure as a route (budget's filing vs approval, intake's late
window → off-plan) reads `decision.outcome` itself; that is a decision about the path, not a refusal.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.policy.model import Decision

#: Effects whose failure refuses the request; `None` (a rule without an effect) is read as `reject`.
REFUSING_EFFECTS = frozenset({"reject", "block", "bar", "not_admitted", "out_of_scope"})


def refuses(decision: Decision) -> bool:
    """A failed decision of a rule whose effect stops the request."""
    return decision.outcome == "fail" and (decision.effect or "reject") in REFUSING_EFFECTS


def refusing(decisions: Iterable[Decision]) -> list[Decision]:
    """The decisions that refuse the request, in order."""
    return [d for d in decisions if refuses(d)]
