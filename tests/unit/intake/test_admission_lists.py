"""The bureau applies the not-admitted and not-accepted lists itself at admission (dazhou:第九条,第二十条;
quzhou:二(二)): whatever the applicant tagged, its findings are decided and recorded with the item's citation."""

from __future__ import annotations

import sqlalchemy as sa

from services.intake.tables import schema
from shared.auth import Role
from tests.unit.intake.conftest import EDU, WAN


async def _submitted(intake, **overrides) -> str:
    project = await intake.draft(**overrides)
    unit = overrides.get("unit", EDU)
    response = await intake.post(f"/api/intake/applications/{project}/submit", unit=unit)
    assert response.status_code == 200, response.text
    return project


async def _admit(intake, project: str, findings: list[str]):
    return await intake.post(f"/api/intake/applications/{project}/admit", {"findings": findings}, Role.DATA_BUREAU)


async def _decisions(intake, project: str) -> list[tuple[str, str, str, str]]:
    d = schema.decisions.c
    async with intake.runtime.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(d.action, d.rule_id, d.citation, d.outcome).where(d.subject == project).order_by(d.id)
        )
    return [tuple(r) for r in rows.all()]


async def test_untagged_machine_room_found_by_the_bureau_is_refused_citing_the_item(intake):
    # the applicant tagged nothing: submission passes the list
    project = await _submitted(intake)
    refused = await _admit(intake, project, ["new_machine_room"])
    assert refused.status_code == 422, refused.text
    [violation] = refused.json()["violations"]
    assert violation["rule_id"] == "intake.not_accepted"
    assert violation["citation"] == "dazhou:第二十条(一)" and violation["article"] == "dazhou:第二十条"
    assert (await intake.get(f"/api/intake/applications/{project}")).json()["status"] == "submitted"

    # the bureau then refuses with the same finding: recorded and published with the item's citation
    done = await intake.post(
        f"/api/intake/applications/{project}/refuse",
        {"reason": "新建机房", "findings": ["intake.not_accepted.1"]},  # the item's id works as well as its tag
        Role.DATA_BUREAU,
    )
    assert done.status_code == 200, done.text
    [event] = await intake.events("intake.application.rejected.v1")
    assert [v["citation"] for v in event["violations"]] == ["dazhou:第二十条(一)"]
    assert ("refuse", "intake.not_accepted", "dazhou:第二十条(一)", "fail") in await _decisions(intake, project)


async def test_admission_records_that_the_bureau_found_no_list_item(intake):
    project = await _submitted(intake)
    admitted = await _admit(intake, project, [])
    assert admitted.status_code == 200, admitted.text
    admit_rows = [row for row in await _decisions(intake, project) if row[0] == "admit"]
    assert admit_rows == [
        ("admit", "intake.not_admitted", "dazhou:第九条", "pass"),
        ("admit", "intake.not_accepted", "dazhou:第二十条", "pass"),
        ("admit", "intake.non_shareable_approval", "dazhou:第二十四条", "pass"),  # nothing declared not shareable
    ]


async def test_both_lists_at_once_each_item_cited(intake):
    project = await _submitted(intake)
    refused = await _admit(intake, project, ["needs_already_met", "big_data_platform", "not_on_gov_cloud"])
    assert refused.status_code == 422
    cited = {v["rule_id"]: v["citation"] for v in refused.json()["violations"]}
    assert cited["intake.not_admitted"] == "dazhou:第九条"
    assert "第二十条(三)" in cited["intake.not_accepted"] and "第二十条(四)" in cited["intake.not_accepted"]


async def test_quzhou_bureau_finding_cites_its_own_not_accepted_item(intake):
    project = await _submitted(
        intake,
        jurisdiction="quzhou",
        unit="衢州市教育局",
        total_investment_fen=350 * WAN,
    )
    refused = await _admit(intake, project, ["big_screen_command"])
    assert refused.status_code == 422, refused.text
    [violation] = refused.json()["violations"]
    assert violation["citation"] == "quzhou:二(二)不予受理.6" and violation["pack"] == "quzhou"


async def test_a_finding_no_list_has_is_a_problem_naming_it(intake):
    project = await _submitted(intake)
    response = await _admit(intake, project, ["needs_already_met", "made_up_item"])
    assert response.status_code == 422
    [violation] = response.json()["violations"]
    assert violation["field"] == "findings[1]" and "made_up_item" in violation["message_zh"]
    assert (await intake.get(f"/api/intake/applications/{project}")).json()["status"] == "submitted"
