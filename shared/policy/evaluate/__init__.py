"""Applying one rule to facts, one function per kind. Pure: no I/O, no clock, no globals.

Conditions use three-valued logic: a comparison whose facts are absent is *unknown*; a rule is
decided as soon as the known facts settle it (an `any` with one true check passes), otherwise
`MissingFacts` names every non-optional fact it still needs.

`facts` holds the facts and the result of a rule; `conditions` the comparisons and their three-valued
logic; `kinds` one evaluator per rule kind and `run`."""

from shared.policy.evaluate.conditions import (
    Undecided,
    all_of,
    any_of,
    compare,
)
from shared.policy.evaluate.facts import (
    OP_EN,
    OP_ZH,
    Absent,
    Facts,
    Result,
    as_date,
)
from shared.policy.evaluate.kinds import (
    EVALUATORS,
    UNIT_EN,
    UNIT_ZH,
    _annual_window,
    add_period,
    authority,
    deadline,
    list_rule,
    period_window,
    requirement,
    route,
    run,
    sanction,
    threshold,
)

__all__ = [
    "EVALUATORS",
    "OP_EN",
    "OP_ZH",
    "UNIT_EN",
    "UNIT_ZH",
    "Absent",
    "Facts",
    "Result",
    "Undecided",
    "_annual_window",
    "add_period",
    "all_of",
    "any_of",
    "as_date",
    "authority",
    "compare",
    "deadline",
    "list_rule",
    "period_window",
    "requirement",
    "route",
    "run",
    "sanction",
    "threshold",
]
