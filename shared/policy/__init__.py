"""The policy engine: jurisdictions' regulations as versioned, cited packs, and the decisions made with them.

    from shared.policy import packs
    decision = packs.get("dazhou").authority("approval.authority", 5_000_000_00)
    decision.value  # ['executive_meeting']

See docs/policy.md for the pack schema and how a jurisdiction adds or amends a pack.
"""

from shared.policy.amounts import FEN_PER_WAN, Band, Semantics, format_fen, parse_amount
from shared.policy.errors import InvalidFact, MissingFacts, PolicyError, UnknownPack, UnknownRule
from shared.policy.model import Decision, Rule
from shared.policy.pack import Pack, PackDiff, RuleChange, diff
from shared.policy.registry import PackRegistry, packs

__all__ = [
    "FEN_PER_WAN",
    "Band",
    "Decision",
    "InvalidFact",
    "MissingFacts",
    "Pack",
    "PackDiff",
    "PackRegistry",
    "PolicyError",
    "Rule",
    "RuleChange",
    "Semantics",
    "UnknownPack",
    "UnknownRule",
    "diff",
    "format_fen",
    "packs",
    "parse_amount",
]
