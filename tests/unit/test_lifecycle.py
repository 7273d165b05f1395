"""shared.lifecycle and the checks every stage service's lifecycle test uses: they catch a broken table."""

from __future__ import annotations

from enum import StrEnum

import pytest

from shared.errors import Problem
from shared.lifecycle import Lifecycle, Transition
from tests.support.lifecycle import assert_whole


class Stage(StrEnum):
    OPEN = "open"
    DONE = "done"
    LOST = "lost"


class Action(StrEnum):
    FINISH = "finish"
    REOPEN = "reopen"


LABELS = {Stage.OPEN: "办理中", Stage.DONE: "已办结", Stage.LOST: "遗失"}


def lifecycle(**transitions: Transition) -> Lifecycle:
    table = {Action(name): step for name, step in transitions.items()}
    return Lifecycle(Stage, table, initial=Stage.OPEN, terminal=frozenset({Stage.DONE}), labels_zh=LABELS)


def test_an_unreachable_stage_is_caught():
    broken = lifecycle(finish=Transition((Stage.OPEN,), Stage.DONE), reopen=Transition((Stage.OPEN,), None))
    assert broken.reachable() == {Stage.OPEN, Stage.DONE}
    with pytest.raises(AssertionError):
        assert_whole(broken, Action)


def test_an_action_from_a_terminal_stage_is_caught():
    leaky = lifecycle(finish=Transition((Stage.OPEN,), Stage.DONE), reopen=Transition((Stage.DONE,), Stage.LOST))
    assert leaky.reachable() == set(Stage)
    with pytest.raises(AssertionError, match="leaves a terminal stage"):
        assert_whole(leaky, Action)


def test_a_terminal_stage_is_refused_as_not_that_stage():
    table = lifecycle(finish=Transition((Stage.OPEN,), Stage.DONE), reopen=Transition((Stage.LOST,), Stage.OPEN))
    assert table.transition("open", Action.FINISH) == Stage.DONE
    with pytest.raises(Problem) as refused:
        table.transition("done", Action.FINISH, subject="X-1")
    assert refused.value.status == 409 and refused.value.extensions["expected"] == ["not done"]
    assert refused.value.extensions["stage_zh"] == "已办结"
