"""Budget's lifecycle is one table in its domain: whole, walked from every stage by every action,
and the only way the handlers move a stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.budget import domain
from services.budget.domain import LIFECYCLE, Action, Stage
from shared.errors import Problem
from shared.policy import packs
from tests.support.lifecycle import assert_move_or_409, assert_whole, bare_stage_literals_in

SERVICE = Path(domain.__file__).parent


def test_the_table_is_whole():
    assert_whole(LIFECYCLE, Action)
    assert domain.INITIAL == Stage.APPROVED and domain.TERMINAL == {Stage.CLOSED}


def test_stages_keep_their_stored_values():
    assert [s.value for s in Stage] == [
        "approved",
        "consultation",
        "plan_submitted",
        "plan_returned",
        "estimate_approved",
        "control_price_submitted",
        "control_price_approved",
        "accepted",
        "closed",
    ]
    assert Stage.ESTIMATE_APPROVED.label_zh == "概算已批复" and Stage.CLOSED.terminal


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("stage", list(Stage))
def test_every_action_from_every_stage_moves_or_is_a_409_naming_the_stage(stage, action):
    assert_move_or_409(LIFECYCLE, stage, action)


def test_a_refusal_cites_the_rule_behind_the_order_from_the_projects_pack():
    dazhou = packs.get("dazhou")
    with pytest.raises(Problem) as refused:
        domain.transition("approved", Action.SUBMIT_CONTROL_PRICE, subject="P-1", pack=dazhou)
    assert refused.value.extensions["rule_id"] == domain.CONTROL_PRICE_CEILING
    assert refused.value.extensions["citation"] == dazhou.rule(domain.CONTROL_PRICE_CEILING).citation


def test_handlers_and_reads_hold_no_bare_stage_literal():
    paths = [
        *sorted((SERVICE / "handlers").glob("*.py")),
        SERVICE / "queries.py",
        *sorted((SERVICE / "api").glob("*.py")),
    ]
    assert len(paths) > 3
    assert bare_stage_literals_in(paths) == []
