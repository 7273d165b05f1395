"""已办: the actions of my roles (and my unit) that were taken, newest first, beside the 待办."""

from __future__ import annotations

from shared.auth import Role
from tests.unit.catalog.portfolio.conftest import UNIT
from tests.unit.catalog.portfolio.test_lifecycle_events import routed
from tests.unit.catalog.portfolio.test_portfolio import approved, waiting


async def done(hub, roles=(Role.DATA_BUREAU,), **kw) -> list[dict]:
    response = await hub.get("/todos", roles, params={"status": "done"}, **kw)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_taken_action_moves_from_the_todo_list_to_the_done_list_of_its_role(hub):
    project = await hub.admitted(amount_fen=350_0000_00)
    assert waiting(await done(hub), project) == [("admit", "data_bureau")]  # 入库审核, taken before
    await hub.deliver(routed(project, 0))  # the bureau's scheme review concluded
    bureau = await done(hub)
    # newest first
    assert waiting(bureau, project) == [("scheme_review", "data_bureau"), ("admit", "data_bureau")]
    assert bureau[0]["closed_at"] >= bureau[1]["closed_at"]
    assert waiting(await hub.todos(), project) == []
    # not another role's, and the counts stay the open ones
    assert waiting(await done(hub, Role.FINANCE), project) == []
    answer = (await hub.get("/todos", Role.VICE_MAYOR_UNIT, params={"status": "done"})).json()
    assert answer["counts"]["by_role"]["vice_mayor_unit"] == 1 and waiting(answer["items"], project) == []

    await hub.deliver(routed(project, 1))
    leader = await done(hub, Role.VICE_MAYOR_UNIT)
    assert waiting(leader, project) == [("approval", "vice_mayor_unit")]


async def test_a_units_done_list_holds_its_own_projects_only(hub):
    project = await hub.admitted(amount_fen=350_0000_00)
    for position in range(5):
        await hub.deliver(routed(project, position))
    await approved(hub, project, amount_fen=350_0000_00)
    assert waiting(await hub.todos(Role.UNIT, unit=UNIT), project) == [("technical_plan", "unit")]
    assert waiting(await done(hub, Role.UNIT, unit="另一个单位"), project) == []


async def test_an_unknown_status_is_a_422_naming_the_field(hub):
    response = await hub.get("/todos", Role.DATA_BUREAU, params={"status": "all"})
    assert response.status_code == 422 and "status" in response.text
