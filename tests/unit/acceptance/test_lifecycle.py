"""Acceptance's lifecycle is one table in its domain: whole, walked from every stage by every action,
every path of every pack takes only moves the table allows, and the handlers move a stage only
through it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from services.acceptance import domain, handlers
from services.acceptance.domain import LIFECYCLE, STEPS, Action, Stage
from shared.auth import Principal, Role
from shared.errors import Problem
from shared.policy import packs
from tests.support.lifecycle import assert_move_or_409, assert_whole, bare_stage_literals_in
from tests.unit.acceptance.conftest import UNIT

SERVICE = Path(domain.__file__).parent
PATHS = [
    (jurisdiction, secret, domain.choose_path(packs.get(jurisdiction), secret=secret)[0].steps)
    for jurisdiction in packs.ids()
    for secret in (False, True)
]


def test_the_table_is_whole():
    assert_whole(LIFECYCLE, Action)
    assert domain.INITIAL == Stage.CONTRACTED and domain.TERMINAL == {Stage.FAILED}


def test_stages_keep_their_stored_values():
    assert [s.value for s in Stage] == [
        "contracted",
        "trial_run",
        "pre_accepted",
        "performance_accepted",
        "preliminary_accepted",
        "final_applied",
        "final_accepted",
        "applied",
        "organised",
        "completion_accepted",
        "secrecy_approved",
        "accepted",
        "failed",
        "rectifying",
    ]
    assert {step.name: step.stage.value for step in STEPS.values()} == {
        "trial_run": "trial_run",
        "pre_acceptance_approval": "pre_accepted",
        "performance_acceptance": "performance_accepted",
        "preliminary_acceptance": "preliminary_accepted",
        "final_acceptance_application": "final_applied",
        "final_acceptance": "final_accepted",
        "acceptance_application": "applied",
        "acceptance_organised": "organised",
        "completion_acceptance": "completion_accepted",
        "secrecy_approval": "secrecy_approved",
    }


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("stage", list(Stage))
def test_every_action_from_every_stage_moves_or_is_a_409_naming_the_stage(stage, action):
    assert_move_or_409(LIFECYCLE, stage, action)


@pytest.mark.parametrize(("jurisdiction", "secret", "steps"), PATHS)
def test_every_pack_path_walks_the_table_to_accepted_and_fails_where_it_decides(jurisdiction, secret, steps):
    pack = packs.get(jurisdiction)
    stage = Stage.CONTRACTED
    for step in steps:
        assert stage == domain.stage_before(list(steps), step), step
        assert domain.allows(stage, STEPS[step].action), (stage, step)
        if STEPS[step].decisive:
            back_to, _ = domain.reapply_step(pack)
            assert domain.allows(stage, Action.RECTIFY if back_to in steps else Action.FAIL), (stage, step)
            if back_to in steps:  # the re-application is taken from `rectifying`
                assert domain.allows(Stage.RECTIFYING, STEPS[back_to].action)
        stage = domain.move_after(stage, list(steps), step, subject="P-1")
    assert stage == Stage.ACCEPTED
    assert domain.allows(stage, Action.REGISTER_ASSETS)
    filing = domain.filing_replaces(pack)
    if filing is not None:  # a filed higher-level acceptance from any stage before the steps it stands for
        for replaced in filing[0]:
            before = domain.stage_before(list(steps), replaced)
            assert domain.allows(before, Action.FILE_HIGHER_LEVEL) and domain.allows(before, Action.COMPLETE)


def test_a_refusal_cites_the_rule_behind_the_order_from_the_projects_pack():
    fengxian = packs.get("fengxian")
    with pytest.raises(Problem) as refused:
        domain.transition("applied", Action.REGISTER_ASSETS, subject="P-1", pack=fengxian)
    problem = refused.value
    assert problem.status == 409 and problem.extensions["stage_zh"] == "已申请验收"
    assert problem.extensions["expected"] == ["accepted"]
    assert problem.extensions["citation"] == fengxian.rule(domain.ASSET_RULE).citation


def test_a_step_out_of_its_paths_order_names_the_stage_the_path_takes_it_in():
    problem = domain.out_of_order(
        "P-1", "contracted", [Stage.TRIAL_RUN], "pre-acceptance approval", "dazhou:第四十七条"
    )
    assert problem.status == 409 and problem.extensions["expected"] == ["trial_run"]
    assert problem.extensions["stage"] == "contracted" and problem.extensions["stage_zh"] == "已签合同"
    assert problem.extensions["citation"] == "dazhou:第四十七条"


def test_handlers_and_reads_hold_no_bare_stage_literal():
    paths = [*sorted((SERVICE / "handlers").glob("*.py")), SERVICE / "queries.py", SERVICE / "api.py"]
    assert len(paths) > 3
    assert bare_stage_literals_in(paths) == []


async def test_every_caller_of_a_step_gets_the_unit_check_not_only_the_route(service):
    """The handler checks the caller's unit where it loads the project under its lock: a caller that
    is not a route (a job, another handler) cannot act on another unit's project either."""
    service.travel(date(2026, 2, 1))
    await service.contract("P-DZ-U", "dazhou", date(2026, 1, 5))
    stranger = Principal(subject="other", roles=frozenset({Role.UNIT}), unit="另一个单位")
    async with service.runtime.unit_of_work() as uow:
        with pytest.raises(Problem) as refused:
            await handlers.start_trial_run(uow, "P-DZ-U", date(2026, 1, 31), stranger)
    assert refused.value.status == 403
    owner = Principal(subject="edu", roles=frozenset({Role.UNIT}), unit=UNIT)
    async with service.runtime.unit_of_work() as uow:
        project = await handlers.start_trial_run(uow, "P-DZ-U", date(2026, 1, 31), owner)
    assert project.stage == Stage.TRIAL_RUN
