"""A stage service's lifecycle: one table of transitions (action → allowed from-stages → to-stage) and
the 409 refusal every handler gives when an action is not allowed from a project's stage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from shared.errors import Problem, wrong_stage
from shared.policy import Pack

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


@dataclass(frozen=True)
class Transition(Generic[S]):
    sources: tuple[S, ...]
    #: None: the action needs one of `sources` and leaves the stage as it is.
    target: S | None
    #: The rule behind the order, cited in a refusal when the project's pack has it.
    rule: str | None = None


@dataclass(frozen=True)
class Lifecycle(Generic[S, A]):
    """`Action` values are the phrases a refusal names ("file the procurement plan")."""

    stages: type[S]
    transitions: Mapping[A, Transition[S]]
    initial: S
    terminal: frozenset[S]
    labels_zh: Mapping[S, str]

    def allows(self, current: str, action: A) -> bool:
        return self.stages(current) in self.transitions[action].sources

    def refusal(self, subject: str, current: str, action: A, pack: Pack | None = None) -> Problem:
        """409 naming the stage (and its Chinese label), the stages the action needs, and the rule
        behind the order where the project's pack has it."""
        stage = self.stages(current)
        step = self.transitions[action]
        expected = f"not {stage.value}" if stage in self.terminal else [s.value for s in step.sources]
        problem = wrong_stage(subject, stage.value, expected, action.value)
        problem.extensions["stage_zh"] = self.labels_zh[stage]
        if pack is not None and step.rule is not None and pack.has(step.rule):
            problem.extensions.update(rule_id=step.rule, citation=pack.rule(step.rule).citation)
        return problem

    def transition(self, current: str, action: A, *, subject: str = "", pack: Pack | None = None) -> S:
        """The stage after `action`, or the 409 refusal when the action is not allowed from `current`."""
        if not self.allows(current, action):
            raise self.refusal(subject, current, action, pack)
        return self.transitions[action].target or self.stages(current)

    def reachable(self) -> set[S]:
        """Stages reachable from the initial one through the table's moves."""
        seen, todo = {self.initial}, [self.initial]
        while todo:
            stage = todo.pop()
            for step in self.transitions.values():
                if stage in step.sources and step.target is not None and step.target not in seen:
                    seen.add(step.target)
                    todo.append(step.target)
        return seen
