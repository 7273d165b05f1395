"""Procurement's lifecycle is one table in its domain: whole, walked from every stage by every action,
and the only way the handlers move a stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.procurement import domain
from services.procurement.domain import TRANSITIONS, Action, Stage
from shared.errors import Problem
from shared.policy import packs
from tests.support.lifecycle import bare_stage_literals, bare_stage_literals_in, reachable

SERVICE = Path(domain.__file__).parent


def test_every_stage_is_reachable_from_the_initial_one():
    # the column default (a project first seen through its estimate) enters the table too
    assert reachable(domain.INITIAL, TRANSITIONS) == set(Stage)


def test_every_action_is_in_the_table_and_moves_between_stages():
    assert set(TRANSITIONS) == set(Action)
    for action, step in TRANSITIONS.items():
        assert step.sources, action
        assert all(isinstance(stage, Stage) for stage in step.sources), action
        assert step.target is None or isinstance(step.target, Stage), action


def test_no_action_leaves_a_terminal_stage():
    assert domain.TERMINAL
    for action, step in TRANSITIONS.items():
        assert not domain.TERMINAL & set(step.sources), action


def test_every_stage_has_a_chinese_label_and_keeps_its_stored_value():
    assert [s.value for s in Stage] == [
        "approved",
        "estimate_approved",
        "plan_filed",
        "tendering",
        "awarded",
        "contracted",
        "restarted",
        "terminated",
    ]
    for stage in Stage:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in stage.label_zh), stage


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("stage", list(Stage))
def test_every_action_from_every_stage_is_allowed_or_a_409_naming_the_stage(stage, action):
    step = TRANSITIONS[action]
    if stage in step.sources:
        assert domain.transition(stage.value, action, subject="P-1") == (step.target or stage)
        return
    with pytest.raises(Problem) as refused:
        domain.transition(stage.value, action, subject="P-1")
    problem = refused.value
    assert problem.status == 409 and problem.kind == "wrong-stage"
    assert problem.extensions["stage"] == stage.value and problem.extensions["stage_zh"] == stage.label_zh
    expected = ["not terminated"] if stage.terminal else [s.value for s in step.sources]
    assert problem.extensions["expected"] == expected
    assert action.value in problem.detail and "P-1" in problem.detail


def test_a_refusal_cites_the_rule_behind_the_order_from_the_projects_pack():
    with pytest.raises(Problem) as refused:
        domain.transition("tendering", Action.FILE_PLAN, subject="P-1", pack=packs.get("dazhou"))
    assert refused.value.extensions["citation"] == "dazhou:第三十九条"
    assert refused.value.extensions["rule_id"] == domain.INPUTS_RULE


def test_the_checker_finds_bare_stage_literals():
    source = (
        'project.stage = "contracted"\n'
        'Project(stage="approved")\n'
        'if project.stage != "terminated": pass\n'
        'query.where(Project.stage.in_(["a", "b"]))\n'
        "project.stage = domain.transition(project.stage, Action.AWARD)\n"
        "project.stage = Stage.APPROVED\n"
    )
    assert bare_stage_literals(source) == ["<source>:1", "<source>:2", "<source>:3", "<source>:4"]


def test_handlers_and_reads_hold_no_bare_stage_literal():
    paths = [*sorted((SERVICE / "handlers").glob("*.py")), SERVICE / "queries.py", SERVICE / "ocds" / "__init__.py"]
    assert len(paths) > 3
    assert bare_stage_literals_in(paths) == []
