"""Review's lifecycle is one table in its domain: whole, walked from every stage by every action, the
only way the handlers move a stage; and a reviewing case at another step of its path is refused naming
the step it is at."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.review import domain
from services.review.domain import LIFECYCLE, Action, Stage
from shared.errors import Problem
from shared.policy import packs
from tests.support.lifecycle import assert_move_or_409, assert_whole, bare_stage_literals_in
from tests.unit.review.conftest import WAN

SERVICE = Path(domain.__file__).parent


def test_the_table_is_whole():
    assert_whole(LIFECYCLE, Action)
    assert domain.INITIAL == Stage.ADMITTED
    assert domain.TERMINAL == {Stage.REJECTED, Stage.NOT_REVIEWED, Stage.ROUTED}


def test_stages_keep_their_stored_values():
    assert [s.value for s in Stage] == [
        "admitted",
        "in_review",
        "awaiting_approval",
        "approved",
        "rejected",
        "not_reviewed",
        "routed",
    ]
    assert Stage.APPROVED.label_zh == "已立项" and Stage.ROUTED.terminal and not Stage.APPROVED.terminal


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("stage", list(Stage))
def test_every_action_from_every_stage_moves_or_is_a_409_naming_the_stage(stage, action):
    assert_move_or_409(LIFECYCLE, stage, action)


def test_a_refusal_cites_the_rule_behind_the_order_from_the_projects_pack():
    dazhou = packs.get("dazhou")
    with pytest.raises(Problem) as refused:
        domain.transition("in_review", Action.DECIDE_APPROVAL, subject="P-1", pack=dazhou)
    problem = refused.value
    assert problem.status == 409 and problem.extensions["stage_zh"] == "评审中"
    assert problem.extensions["rule_id"] == domain.APPROVAL_RULE
    assert problem.extensions["citation"] == dazhou.rule(domain.APPROVAL_RULE).citation


def test_a_reviewing_case_at_another_step_is_refused_naming_that_step_and_the_path_rule():
    suqian = packs.get("suqian")
    with pytest.raises(Problem) as refused:
        domain.at_step("in_review", "registration", "budget_check", Action.PATH_STEP, subject="P-1", pack=suqian)
    problem = refused.value
    assert problem.status == 409 and problem.kind == "wrong-stage"
    assert problem.extensions["stage"] == "registration" and problem.extensions["expected"] == ["budget_check"]
    assert problem.extensions["stage_zh"] == "评审中"
    assert problem.extensions["citation"] == suqian.rule(domain.PATH_RULE).citation
    assert problem.detail is not None and "budget_check" in problem.detail


def test_the_right_step_moves_as_the_table_says():
    assert domain.at_step("admitted", "joint_review", "joint_review", Action.JOINT_OPINION, subject="P-1") == (
        Stage.IN_REVIEW
    )
    assert domain.at_step("in_review", "scheme_review", domain.SCHEME_STEPS, Action.SCORE, subject="P-1") == (
        Stage.IN_REVIEW
    )


def test_handlers_and_reads_hold_no_bare_stage_literal():
    paths = [*sorted((SERVICE / "handlers").glob("*.py")), SERVICE / "queries.py", SERVICE / "api.py"]
    assert len(paths) > 3
    assert bare_stage_literals_in(paths) == []


async def test_an_approval_before_the_review_is_a_409_naming_the_stage_in_chinese_and_the_rule(review):
    project = await review.admit()
    early = await review.post(f"/api/review/projects/{project}/approval", {"approve": True}, "vice_mayor_unit")
    assert early.status_code == 409
    problem = early.json()
    assert problem["stage"] == "admitted" and problem["stage_zh"] == "已入库（待评审）"
    assert problem["expected"] == ["awaiting_approval"] and problem["citation"] == "dazhou:第十条"
    assert (await review.get(f"/api/review/projects/{project}")).json()["stage"] == "admitted"


async def test_an_authority_refusing_a_secret_project_sends_no_reason_out(review):
    project = await review.admit(amount_fen=350 * WAN, secret=True)
    await review.post(f"/api/review/projects/{project}/scheme-review", {"passed": True})
    refused = await review.post(
        f"/api/review/projects/{project}/approval", {"approve": False, "comment": "涉密内容"}, "vice_mayor_unit"
    )
    assert refused.status_code == 200 and refused.json()["stage"] == "rejected"
    [event] = await review.events("review.project.rejected.v1")
    assert event["project_id"] == project and event["reason"] == "" and event["citation"] == "dazhou:第十条"
