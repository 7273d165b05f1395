"""The to-dos the life journeys (tests/e2e/test_journeys_life.py) found missing: the tender waits on the organiser
of the plan's route, a stopped system waits on its unit to retire it, Quzhou's drawn expert gives an opinion in
the joint review; the 待办 shows each project's amount (not a secret one's)."""

from __future__ import annotations

from shared import clock
from shared.auth import Role
from shared.contracts.catalog import SystemRegistered, SystemRetired, SystemStateChanged
from shared.contracts.procurement import PlanFiled
from tests.unit.catalog.portfolio.conftest import UNIT
from tests.unit.catalog.portfolio.test_lifecycle_events import drawn, expert_todos
from tests.unit.catalog.portfolio.test_portfolio import waiting


def plan_filed(project_id: str, route: str) -> PlanFiled:
    return PlanFiled(
        project_id=project_id,
        unit=UNIT,
        jurisdiction="dazhou",
        cycle=1,
        method="open_tender",
        route=route,
        budget_fen=140_0000_00,
        filed_on=clock.today(),
    )


def state(project_id: str, system_id: str, to: str, previous: str) -> SystemStateChanged:
    return SystemStateChanged(
        project_id=project_id,
        system_id=system_id,
        unit=UNIT,
        state=to,
        previous=previous,
        reason="可由统建通用系统替代",
        changed_on=clock.today(),
    )


async def test_a_dazhou_plan_leaves_the_tender_to_the_unit_itself(hub):
    """dazhou:第三十九条: on the government-procurement route the unit publishes and awards the tender; nothing
    waits on the procurement centre."""
    project = await hub.admitted()
    await hub.deliver(plan_filed(project, "government_procurement"))
    assert waiting(await hub.todos(Role.UNIT, unit=UNIT), project) == [("tender", "unit")]
    assert waiting(await hub.todos(Role.PROCUREMENT_CENTER), project) == []


async def test_a_stopped_system_waits_on_its_unit_to_retire_it_until_retired(hub):
    project = await hub.admitted()
    system = f"S-{project}"
    today = clock.today()
    await hub.deliver(
        SystemRegistered(project_id=project, system_id=system, unit=UNIT, jurisdiction="dazhou", registered_on=today)
    )
    assert waiting(await hub.todos(Role.UNIT, unit=UNIT), project) == []

    await hub.deliver(state(project, system, "suspended", "running"))
    todos = await hub.todos(Role.UNIT, unit=UNIT)
    assert waiting(todos, project) == [("retirement", "unit")]
    assert [t["action_label_zh"] for t in todos if t["project_id"] == project] == [
        "系统已暂停运行：办理停用退出并报财政局、数据局备案"
    ]
    assert waiting(await hub.todos(Role.UNIT, unit="另一个单位"), project) == []

    await hub.deliver(state(project, system, "running", "suspended"))  # put back to work: nothing waits
    assert waiting(await hub.todos(Role.UNIT, unit=UNIT), project) == []

    await hub.deliver(state(project, system, "suspended", "running"))
    await hub.deliver(
        SystemRetired(project_id=project, system_id=system, unit=UNIT, reason="permanent_stop", retired_on=today)
    )
    assert waiting(await hub.todos(Role.UNIT, unit=UNIT), project) == []
    assert (await hub.project(project))["stage"] == "retired"
    # a stop announced late, after the retirement, opens nothing
    await hub.deliver(state(project, system, "suspended", "running"))
    assert waiting(await hub.todos(Role.UNIT, unit=UNIT), project) == []


async def test_a_quzhou_joint_review_expert_gives_an_opinion_from_the_todo(hub):
    project = await hub.admitted(jurisdiction="quzhou")
    waits = waiting(await hub.todos((Role.LEADING_OFFICE,)), project)
    assert waits == [("joint_review", "leading_office")]
    assert waiting(await hub.todos((Role.DRC,)), project) == [("joint_review", "drc")]
    payload = drawn(project, [("E-1", "zhang")]).model_copy(update={"jurisdiction": "quzhou"})
    await hub.deliver(payload)
    mine = await expert_todos(hub, "zhang")
    assert [(t["action"], t["action_label_zh"]) for t in mine] == [("joint_review", "参加并联审核并出具意见")]


async def test_the_todo_shows_the_amount_and_hides_a_secret_ones(hub):
    project = await hub.admitted(amount_fen=350_0000_00)
    secret = await hub.admitted(amount_fen=120_0000_00, secret=True)
    todos = {t["project_id"]: t for t in await hub.todos()}
    assert todos[project]["total_investment_fen"] == 350_0000_00
    assert todos[secret]["total_investment_fen"] is None
