"""dazhou:第二十四条 "依据有关要求不能进行信息共享,但确有必要建设或保留的信息化项目,需报市数字经济局核准":
an application the unit declares not shareable is admitted only with the bureau's 核准 on record; without it,
422 naming the rule."""

from __future__ import annotations

import pytest

from services.intake import domain
from shared.auth import Role
from shared.policy import packs
from tests.unit.intake.test_admission_lists import _decisions, _submitted

RULE = "intake.non_shareable_approval"


async def _admit(intake, project: str, **body):
    return await intake.post(f"/api/intake/applications/{project}/admit", body, Role.DATA_BUREAU)


async def test_a_not_shareable_project_needs_the_bureaus_approval_to_be_admitted(intake):
    project = await _submitted(intake, project_tags=["not_shareable"])
    refused = await _admit(intake, project)
    assert refused.status_code == 422, refused.text
    [violation] = refused.json()["violations"]
    assert (violation["rule_id"], violation["citation"]) == (RULE, "dazhou:第二十四条")
    assert "核准" in violation["message_zh"]
    assert (await intake.get(f"/api/intake/applications/{project}")).json()["status"] == "submitted"

    admitted = await _admit(intake, project, non_sharing_approval="达市数字核〔2027〕3号")
    assert admitted.status_code == 200, admitted.text
    assert ("admit", RULE, "dazhou:第二十四条", "pass") in await _decisions(intake, project)
    [event] = await intake.events("intake.application.admitted.v1")
    assert event["project_id"] == project


async def test_a_blank_approval_is_refused_by_the_schema(intake):
    project = await _submitted(intake, project_tags=["not_shareable"])
    bad = await _admit(intake, project, non_sharing_approval="")
    assert bad.status_code == 422 and "non_sharing_approval" in bad.text


@pytest.mark.parametrize(
    ("tags", "approval", "outcome"),
    [
        ([], None, "pass"),
        (["not_shareable"], None, "fail"),
        (["not_shareable"], "  ", "fail"),
        (["not_shareable"], "达市数字核〔2027〕3号", "pass"),
    ],
)
def test_the_rule_at_its_boundary(tags, approval, outcome):
    packs.load_all()
    decision = domain.non_shareable_decision(packs.default, tags, approval)
    assert decision is not None and decision.outcome == outcome and decision.citation == "dazhou:第二十四条"
    assert domain.failures([decision]) == ([decision] if outcome == "fail" else [])


def test_only_dazhou_has_the_approval_step():
    packs.load_all()
    for pack_id in ("quzhou", "jiyuan", "fengxian", "suqian"):
        assert domain.non_shareable_decision(packs.get(pack_id), ["not_shareable"], None) is None
