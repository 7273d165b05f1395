"""Intake's lifecycles (an application's, a need's) are tables in its domain: whole, walked from every
stage by every action, and the only way the handlers move a stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.intake import domain
from services.intake.domain import LIFECYCLE, NEED_LIFECYCLE, Action, NeedAction, NeedStage, Stage
from shared.errors import Problem
from shared.policy import packs
from tests.support.lifecycle import assert_move_or_409, assert_whole, bare_stage_literals_in

SERVICE = Path(domain.__file__).parent


def test_the_tables_are_whole():
    assert_whole(LIFECYCLE, Action)
    assert_whole(NEED_LIFECYCLE, NeedAction)
    assert LIFECYCLE.initial == Stage.DRAFT and LIFECYCLE.terminal == {Stage.ADMITTED, Stage.REFUSED}


def test_stages_keep_their_stored_values_and_library_stages():
    assert [s.value for s in Stage] == ["draft", "submitted", "admitted", "refused"]
    assert [s.value for s in NeedStage] == ["filed", "approved", "rejected", "planned"]
    assert [domain.stage_of(s) for s in Stage] == ["application", "application", "library", "refused"]
    assert domain.statuses_at("application") == ["draft", "submitted"] and domain.statuses_at("x") == []
    assert Stage.ADMITTED.label_zh == "已入库"


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("stage", list(Stage))
def test_every_action_from_every_stage_moves_or_is_a_409_naming_the_stage(stage, action):
    assert_move_or_409(LIFECYCLE, stage, action)


@pytest.mark.parametrize("action", list(NeedAction))
@pytest.mark.parametrize("stage", list(NeedStage))
def test_every_need_action_from_every_need_stage_moves_or_is_a_409(stage, action):
    assert_move_or_409(NEED_LIFECYCLE, stage, action)


def test_a_refused_admission_cites_the_rule_behind_the_order():
    dazhou = packs.get("dazhou")
    with pytest.raises(Problem) as refused:
        domain.transition("draft", Action.ADMIT, subject="P-1", pack=dazhou)
    assert refused.value.status == 409 and refused.value.extensions["stage_zh"] == "草稿"
    assert refused.value.extensions["citation"] == dazhou.rule(domain.NOT_ADMITTED).citation


def test_handlers_and_reads_hold_no_bare_stage_literal():
    paths = [
        *sorted((SERVICE / "handlers").glob("*.py")),
        SERVICE / "queries.py",
        *sorted((SERVICE / "api").glob("*.py")),
    ]
    assert len(paths) > 4
    assert bare_stage_literals_in(paths, names=("stage", "status")) == []


def test_routes_run_no_sql():
    for path in sorted((SERVICE / "api").glob("*.py")):
        api = path.read_text(encoding="utf-8")
        assert "sqlalchemy" not in api and "uow.session" not in api, path.name
