"""Quzhou's joint review (并联审核, quzhou:三(二)1) in the 待办: each party's opinion closes that party's own
to-do at once (`review.joint_opinion.recorded.v1`); the others' and the leading office's wait on."""

from __future__ import annotations

from datetime import timedelta

from shared import clock
from shared.auth import Role
from shared.contracts.intake import ApplicationAdmitted, ApplicationSubmitted
from shared.contracts.review import JointOpinionRecorded
from tests.unit.catalog.portfolio.conftest import UNIT, summary_of
from tests.unit.catalog.portfolio.test_lifecycle_events import drawn, expert_todos
from tests.unit.catalog.portfolio.test_portfolio import waiting

PARTIES = ("cyberspace", "drc", "finance")


def opinion(project_id: str, party: str, *, expert_id=None, expert_subject=None) -> JointOpinionRecorded:
    return JointOpinionRecorded(
        project_id=project_id,
        unit=UNIT,
        jurisdiction="quzhou",
        party=party,
        expert_id=expert_id,
        expert_subject=expert_subject,
        agrees=True,
        recorded_on=clock.today(),
    )


async def done(hub, roles, project_id: str, **kw) -> list[tuple[str, str]]:
    response = await hub.get("/todos", roles, params={"status": "done"}, **kw)
    assert response.status_code == 200, response.text
    return waiting(response.json()["items"], project_id)


async def test_each_partys_opinion_closes_its_own_todo_and_no_other(hub):
    project = await hub.admitted(jurisdiction="quzhou")
    for party in PARTIES:
        assert waiting(await hub.todos((Role(party),)), project) == [("joint_review", party)]
    await hub.deliver(drawn(project, [("E-1", "zhang"), ("E-2", "li")]).model_copy(update={"jurisdiction": "quzhou"}))

    await hub.deliver(opinion(project, "cyberspace"))
    assert waiting(await hub.todos((Role.CYBERSPACE,)), project) == []
    assert await done(hub, (Role.CYBERSPACE,), project) == [("joint_review", "cyberspace")]
    assert waiting(await hub.todos((Role.DRC,)), project) == [("joint_review", "drc")]
    assert waiting(await hub.todos((Role.LEADING_OFFICE,)), project) == [("joint_review", "leading_office")]

    await hub.deliver(opinion(project, "unit"))
    assert waiting(await hub.todos(Role.UNIT, unit=UNIT), project) == []
    await hub.deliver(opinion(project, "data_bureau"))
    assert waiting(await hub.todos(), project) == []

    # a drawn expert's opinion closes that expert's to-do only
    await hub.deliver(opinion(project, "expert", expert_id="E-1", expert_subject="zhang"))
    assert await expert_todos(hub, "zhang") == []
    assert [t["action"] for t in await expert_todos(hub, "li")] == ["joint_review"]

    # a revised opinion opens nothing and leaves one done to-do
    await hub.deliver(opinion(project, "cyberspace"))
    assert waiting(await hub.todos((Role.CYBERSPACE,)), project) == []
    assert await done(hub, (Role.CYBERSPACE,), project) == [("joint_review", "cyberspace")]
    # the leading office still concludes
    assert waiting(await hub.todos((Role.LEADING_OFFICE,)), project) == [("joint_review", "leading_office")]


async def test_an_opinion_heard_before_the_admission_does_not_open_that_partys_todo(hub):
    """Review's topic ran ahead of intake's: the opinion arrives first, the (earlier) admission after."""
    project = "P-joint-early"
    now = clock.now()
    await hub.deliver(opinion(project, "drc"), at=now)
    summary = summary_of("quzhou", UNIT, "衢州智慧医疗", 300_0000_00)
    await hub.deliver(ApplicationSubmitted(project_id=project, project=summary), at=now - timedelta(hours=2))
    admitted = ApplicationAdmitted(project_id=project, project=summary, admitted_by="bureau")
    await hub.deliver(admitted, at=now - timedelta(hours=1))

    assert waiting(await hub.todos((Role.DRC,)), project) == []
    assert await done(hub, (Role.DRC,), project) == [("joint_review", "drc")]
    assert waiting(await hub.todos((Role.FINANCE,)), project) == [("joint_review", "finance")]
    assert waiting(await hub.todos((Role.LEADING_OFFICE,)), project) == [("joint_review", "leading_office")]
