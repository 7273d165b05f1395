"""Fengxian's own text at submission.
fengxian:第二条: the project's category is recorded under the item that defines it (第二条(一)…(五)); an O&M
category (运维类项目) brings 第十三条's O&M materials and 第二条(四)'s two kinds: 首次运维, or 历史运维 —
"往年已申报实施过的运维项目服务内容发生变化的" — so an O&M applied for again with unchanged content is not admitted.
fengxian:第四条: "建设单位需指定一名领导,负责整个项目的管理" — an application without the named leader is refused,
naming the rule, the article and the field."""

from __future__ import annotations

from datetime import date

import pytest

from services.intake import domain
from shared.policy import packs
from tests.unit.intake.test_domain import app

TODAY = date(2026, 10, 31)
BASE = ["construction_plan", "feasibility_study", "necessity_basis", "security_study", "unit_budget"]
OM = ["original_contract", "acceptance_opinion", "shared_catalog_publication_proof"]
LEADER = {"responsible_leader": "区教育局副局长 张某"}


def assess(pack_id: str = "fengxian", **overrides):
    values = {"materials": list(BASE), "unit_priority": 1, "details": dict(LEADER), **overrides}
    return domain.assess_submission(packs.get(pack_id, at=TODAY), app(**values), domain.Standing(), TODAY)


def violations(result) -> list[tuple[str, str, str | None]]:
    return [(v.rule_id, v.citation, v.field) for v in result.violations]


@pytest.mark.parametrize(
    ("category", "item"),
    [
        ("digital_infrastructure", "fengxian:第二条(一)"),
        ("data_resource", "fengxian:第二条(二)"),
        ("application", "fengxian:第二条(三)"),
        ("other", "fengxian:第二条(五)"),
    ],
)
def test_each_category_is_recorded_under_its_own_item(category: str, item: str) -> None:
    result = assess(category=category)
    assert not result.refused, result.violations
    [decision] = [d for d in result.decisions if d.rule_id == "intake.category"]
    assert (decision.citation, decision.article, decision.basis) == (item, "fengxian:第二条", "own_text")
    om_kind = next(d for d in result.decisions if d.rule_id == "intake.om_kind")
    assert om_kind.value == {"applicable": False}


def test_the_om_category_asks_for_the_om_materials_even_on_a_new_construction_type() -> None:
    result = assess(category="om", construction_type="new", details={**LEADER, "om_kind": "first"})
    assert violations(result) == [("intake.om_materials", "fengxian:第十三条", "materials")]
    assert not assess(category="om", materials=[*BASE, *OM], details={**LEADER, "om_kind": "first"}).refused
    [decision] = [d for d in assess(category="om").decisions if d.rule_id == "intake.category"]
    assert decision.citation == "fengxian:第二条(四)"


@pytest.mark.parametrize(
    ("details", "refused"),
    [
        ({}, True),  # neither kind stated
        ({"om_kind": "monthly"}, True),  # not a kind the text knows
        ({"om_kind": "first"}, False),
        ({"om_kind": "historical"}, True),  # applied for before, content unchanged: not a 历史运维项目
        ({"om_kind": "historical", "service_content_changed": False}, True),
        ({"om_kind": "historical", "service_content_changed": True}, False),
    ],
)
def test_an_om_project_is_first_or_historical_om_as_the_text_defines_them(details: dict, refused: bool) -> None:
    result = assess(category="om", materials=[*BASE, *OM], details={**LEADER, **details})
    if refused:
        assert violations(result) == [("intake.om_kind", "fengxian:第二条(四)", "details.om_kind")]
        assert "运维" in result.violations[0].message_zh
    else:
        assert not result.refused, result.violations


@pytest.mark.parametrize("leader", [None, "", "   "])
def test_without_a_named_leader_the_application_is_refused_naming_the_field(leader) -> None:
    details = {} if leader is None else {"responsible_leader": leader}
    result = assess(details=details)
    assert violations(result) == [("intake.responsible_leader", "fengxian:第四条", "details.responsible_leader")]
    assert "指定的一名领导" in result.violations[0].message_zh
    assert not assess().refused


def test_only_fengxian_reads_the_category_and_the_leader() -> None:
    for other in ("dazhou", "jiyuan", "quzhou", "suqian"):
        pack = packs.get(other)
        assert not any(pack.has(r) for r in ("intake.category", "intake.om_kind", "intake.responsible_leader"))


async def test_the_api_refuses_a_fengxian_application_without_its_leader_with_a_problem(intake) -> None:
    project = await intake.draft(jurisdiction="fengxian", materials=BASE, unit_priority=1, details={})
    refused = await intake.post(f"/api/intake/applications/{project}/submit")
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["type"].startswith("https://") and problem["status"] == 422
    [violation] = problem["violations"]
    assert (violation["rule_id"], violation["citation"], violation["field"]) == (
        "intake.responsible_leader",
        "fengxian:第四条",
        "details.responsible_leader",
    )
    updated = await intake.patch(f"/api/intake/applications/{project}", {"details": LEADER})
    assert updated.status_code == 200, updated.text
    submitted = await intake.post(f"/api/intake/applications/{project}/submit")
    assert submitted.status_code == 200, submitted.text
