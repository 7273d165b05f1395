"""Procurement's lifecycle is one table in its domain: whole, walked from every stage by every action,
and the only way the handlers move a stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.procurement import domain
from services.procurement.domain import LIFECYCLE, Action, Stage
from shared import clock
from shared.auth import Role
from shared.contracts.catalog import FindingEscalated
from shared.errors import Problem
from shared.policy import packs
from tests.support.lifecycle import assert_move_or_409, assert_whole, bare_stage_literals, bare_stage_literals_in
from tests.unit.procurement.conftest import WAN

SERVICE = Path(domain.__file__).parent


def test_the_table_is_whole():
    assert_whole(LIFECYCLE, Action)
    assert domain.INITIAL == Stage.APPROVED and domain.TERMINAL == {Stage.TERMINATED}


def test_stages_keep_their_stored_values():
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
    assert Stage.CONTRACTED.label_zh == "已签合同（建设中）" and Stage.TERMINATED.terminal


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("stage", list(Stage))
def test_every_action_from_every_stage_moves_or_is_a_409_naming_the_stage(stage, action):
    assert_move_or_409(LIFECYCLE, stage, action)


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


async def test_a_terminated_project_stays_terminated_when_its_plan_review_is_returned(procurement):
    # before the table, returning a plan set the stage back to estimate_approved whatever it was
    project = await procurement.project(300 * WAN, "jiyuan")
    filed = await procurement.post(f"/projects/{project}/plan", {"control_price_fen": 300 * WAN, "major_project": True})
    assert filed.status_code == 201 and filed.json()["reviews_pending"] == ["leading_office"]
    await procurement.deliver(
        FindingEscalated(
            project_id=project,
            finding_id="F-9",
            unit="济源示范区教育局",
            area="funds",
            step="terminated",
            rule_id="supervision.escalation",
            citation="jiyuan:项目建设",
            escalated_on=clock.today(),
        )
    )
    returned = await procurement.post(f"/projects/{project}/plan/review", {"approve": False}, Role.LEADING_OFFICE)
    assert returned.status_code == 409 and returned.headers["content-type"] == "application/problem+json"
    problem = returned.json()
    assert problem["stage"] == "terminated" and problem["expected"] == ["not terminated"]
    assert problem["stage_zh"] == "已终止建设"
    view = (await procurement.get(f"/projects/{project}")).json()
    assert view["stage"] == "terminated" and view["plan"] is not None
