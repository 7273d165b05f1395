"""dazhou:第三十六条 "方案应包含:…": the technical plan is received only with every item the article lists; a plan
lacking some is refused (422) naming each missing item, with the rule and its citation."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from services.budget import domain
from services.budget.tables import schema
from shared.policy import packs
from tests.unit.budget.conftest import PLAN, travel

RULE = "budget.technical_plan_contents"


async def _consulted(budget) -> str:
    travel(date(2026, 9, 10))
    project = await budget.approved_project()
    published = await budget.unit_post(
        f"/projects/{project}/consultation", {"published_on": "2026-09-10", "ends_on": "2026-09-17"}
    )
    assert published.status_code == 200, published.text
    travel(date(2026, 9, 28))
    return project


async def test_a_plan_missing_items_is_refused_naming_each_of_them(budget):
    project = await _consulted(budget)
    partial = [c for c in PLAN["contents"] if c not in ("security_system", "estimate_and_calculation_basis")]
    refused = await budget.unit_post(f"/projects/{project}/technical-plan", {"contents": partial})
    assert refused.status_code == 422
    [violation] = refused.json()["violations"]
    assert (violation["rule_id"], violation["citation"]) == (RULE, "dazhou:第三十六条")
    assert "安全保障体系" in violation["message_zh"] and "投资概算及测算依据" in violation["message_zh"]
    assert "建设目标" not in violation["message_zh"]
    assert violation["field"] == "technical_plan_contents"
    # nothing was received: the stage and the deadline are as they were
    shown = (await budget.get(f"/projects/{project}")).json()
    assert shown["stage"] == "consultation"


async def test_a_plan_without_a_body_states_no_contents_and_is_refused(budget):
    project = await _consulted(budget)
    refused = await budget.unit_post(f"/projects/{project}/technical-plan")
    assert refused.status_code == 422
    assert [v["rule_id"] for v in refused.json()["violations"]] == [RULE]


async def test_a_complete_plan_is_received_and_the_check_recorded(budget):
    project = await _consulted(budget)
    received = await budget.unit_post(f"/projects/{project}/technical-plan", PLAN)
    assert received.status_code == 200, received.text
    assert received.json()["stage"] == "plan_submitted"
    async with budget.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(schema.decisions).where(schema.decisions.c.subject == project))).all()
    assert (RULE, "dazhou:第三十六条", "pass") in {(r.rule_id, r.citation, r.outcome) for r in rows}


async def test_an_unknown_content_item_is_a_422_naming_the_field(budget):
    project = await _consulted(budget)
    bad = await budget.unit_post(f"/projects/{project}/technical-plan", {"contents": ["chapter_x"]})
    assert bad.status_code == 422 and "contents" in bad.text


@pytest.mark.parametrize("pack_id", ["quzhou", "jiyuan", "fengxian", "suqian"])
def test_only_dazhou_lists_the_plan_contents(pack_id):
    packs.load_all()
    assert domain.technical_plan_contents_decision(packs.get(pack_id), []) is None
    assert domain.technical_plan_contents_decision(packs.default, PLAN["contents"]).outcome == "pass"
