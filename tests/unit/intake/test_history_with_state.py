"""`/projects/{id}/history?include=state`: the history and the stage view in one request (the
gateway's timeline asks each service once), under the same checks as the stage route itself."""

from __future__ import annotations

from shared.auth import Role
from tests.unit.intake.conftest import HEALTH


async def test_history_with_state_is_the_stage_route_answer_for_the_same_caller(intake):
    project = await intake.draft()
    await intake.post(f"/api/intake/applications/{project}/submit")
    stage = await intake.get(f"/api/intake/projects/{project}", Role.UNIT)
    both = await intake.get(f"/api/intake/projects/{project}/history", Role.UNIT, params={"include": "state"})
    assert stage.status_code == both.status_code == 200
    assert both.json()["state"] == stage.json()
    assert both.json()["decisions"], "the history is still there"
    plain = await intake.get(f"/api/intake/projects/{project}/history", Role.UNIT)
    assert "state" not in plain.json()


async def test_history_with_state_refuses_whom_the_history_refuses(intake):
    project = await intake.draft(secret=True, title="涉密系统")
    # another unit: 404 (shared/scope.py); an expert and uncleared bureau staff: 403
    for role, kw, status in ((Role.UNIT, {"unit": HEALTH}, 404), (Role.EXPERT, {}, 403), (Role.DATA_BUREAU, {}, 403)):
        refused = await intake.get(f"/api/intake/projects/{project}/history", role, params={"include": "state"}, **kw)
        assert refused.status_code == status, (role, refused.text)
        assert "涉密系统" not in refused.text
    cleared = await intake.get(f"/api/intake/projects/{project}/history", params={"include": "state"}, cleared=True)
    assert cleared.status_code == 200 and cleared.json()["state"]["title"] == "涉密系统"


async def test_an_unknown_include_is_a_422_problem(intake):
    project = await intake.draft()
    response = await intake.get(f"/api/intake/projects/{project}/history", params={"include": "secrets"})
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
