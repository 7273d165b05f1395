"""Quzhou's needs are raised within the top-level design (quzhou:三(一)2–3): a need names its design and task,
and the data bureau cannot approve one that does not; the link is shown with the need."""

from __future__ import annotations

from shared.auth import Role
from tests.unit.intake.conftest import EDU

LINK = {"design": "衢州市政府数字化转型顶层设计（四横三纵）", "task": "教育服务一件事"}


async def _need(intake, jurisdiction: str = "quzhou", **extra) -> str:
    body = {"unit": EDU, "jurisdiction": jurisdiction, "title": "学生资助数据共享", "description": "d", **extra}
    response = await intake.post("/api/intake/needs", body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_a_need_without_its_top_level_design_is_not_approved(intake):
    need = await _need(intake)
    refused = await intake.post(f"/api/intake/needs/{need}/review", {"approve": True}, Role.DATA_BUREAU)
    assert refused.status_code == 422, refused.text
    [violation] = refused.json()["violations"]
    assert violation["citation"] == "quzhou:三(一)3" and violation["field"] == "top_level_design"
    assert (await intake.get(f"/api/intake/needs/{need}")).json()["status"] == "filed"
    # rejecting it needs no link
    rejected = await intake.post(f"/api/intake/needs/{need}/review", {"approve": False}, Role.DATA_BUREAU)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"


async def test_a_linked_need_is_approved_and_shows_its_design(intake):
    need = await _need(intake, top_level_design=LINK)
    approved = await intake.post(f"/api/intake/needs/{need}/review", {"approve": True}, Role.DATA_BUREAU)
    assert approved.status_code == 200, approved.text
    assert (await intake.get(f"/api/intake/needs/{need}")).json()["top_level_design"] == LINK


async def test_dazhou_has_no_such_rule(intake):
    need = await _need(intake, jurisdiction="dazhou")
    assert (
        await intake.post(f"/api/intake/needs/{need}/review", {"approve": True}, Role.DATA_BUREAU)
    ).status_code == 200
