"""Jiyuan's own scope and sharing principle. jiyuan:总则 "主要包括信息网络(含机房建设)、云服务平台(含各类数据库系统)、
信息化应用系统、信息资源开发利用和信息安全等项目的建设与运维": such an application is a managed project, recorded under
its category with Jiyuan's citation and admitted — dazhou:第二十条(一) (which refuses machine rooms) does not govern it.
jiyuan:原则(四): the application states its standard interfaces and its connection to the exchange platform and the
command centre with real-time data; without the statement it is refused, naming the rule and the article."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.intake import domain
from shared import clock
from shared.auth import Role
from shared.policy import packs
from tests.unit.intake.conftest import DAZHOU_MATERIALS
from tests.unit.intake.test_domain import app

INCLUSION = "scope.included_categories"
SHARING = "intake.sharing_interface_plan"
PLAN = "sharing_interface_plan"
IN_WINDOW = date(2027, 1, 15)  # 年初 of the year before plan year 2028 (jiyuan:项目申报)
EVERY_KIND = ["machine_room", "gov_cloud", "database", "business_system", "data_development", "security_infrastructure"]
JIYUAN_UNIT = "济源示范区公安局"


@pytest.fixture
def january_2027():
    before = clock.offset()
    clock.travel_to(datetime(2027, 1, 15, 2, tzinfo=UTC))
    yield
    clock.set_offset(before)


def assess(today: date = IN_WINDOW, **overrides):
    values = {"materials": [*DAZHOU_MATERIALS, PLAN], "plan_year": 2028, **overrides}
    return domain.assess_submission(packs.get("jiyuan", at=today), app(**values), domain.Standing(), today)


def test_machine_rooms_clouds_and_databases_are_in_scope_under_jiyuans_own_categories() -> None:
    result = assess(scope_items=EVERY_KIND)
    assert not result.refused, result.violations
    [inclusion] = [d for d in result.decisions if d.rule_id == INCLUSION]
    assert inclusion.citation == "jiyuan:总则" and inclusion.basis == "own_text"
    assert [hit["item"] for hit in inclusion.value] == [
        "information_network",
        "cloud_platform",
        "cloud_platform",
        "application_system",
        "information_resource",
        "information_security",
    ]
    assert "信息网络(含机房建设)" in inclusion.item_quote and "云服务平台(含各类数据库系统)" in inclusion.item_quote
    # nothing of another city's text decides a Jiyuan application's scope
    assert not [d for d in result.decisions if d.citation.startswith("dazhou:")]
    # dazhou's own list still refuses the same machine room: the difference is Jiyuan's text
    assert packs.get("dazhou").decide("intake.not_accepted", {"project_tags": ["new_machine_room"]}).outcome == "fail"


def test_the_exclusions_still_refuse_and_the_inclusion_list_alone_refuses_nothing() -> None:
    excluded = assess(scope_items=["machine_room", "office_pc"])
    assert [d.rule_id for d in excluded.out_of_scope] == ["scope.out_of_scope_items"]
    # 主要包括…等 is not a closed list: an item it does not name is recorded, not refused
    other = packs.get("jiyuan").decide(INCLUSION, {"scope_items": ["smart_lamp_post"]})
    assert other.outcome == "info" and other.value == []


def test_without_the_sharing_statement_the_application_is_refused_naming_the_principle() -> None:
    result = assess(materials=list(DAZHOU_MATERIALS))
    [violation] = result.violations
    assert (violation.rule_id, violation.citation, violation.field) == (SHARING, "jiyuan:原则(四)", "materials")
    assert "共享交换平台" in violation.message_zh and "智慧城市指挥中心" in violation.message_zh
    assert not assess().refused
    assert not any(packs.get(p).has(SHARING) for p in ("dazhou", "quzhou", "fengxian", "suqian"))


async def test_a_jiyuan_machine_room_and_cloud_application_is_submitted_and_admitted(intake, january_2027):
    body = {
        "unit": JIYUAN_UNIT,
        "jurisdiction": "jiyuan",
        "title": "示范区公安数据机房及云平台扩容",
        "plan_year": 2028,
        "scope_items": EVERY_KIND,
        "materials": list(DAZHOU_MATERIALS),
    }
    project = await intake.draft(**body)
    refused = await intake.post(f"/api/intake/applications/{project}/submit", unit=JIYUAN_UNIT)
    assert refused.status_code == 422, refused.text
    assert [(v["rule_id"], v["citation"]) for v in refused.json()["violations"]] == [(SHARING, "jiyuan:原则(四)")]
    attached = await intake.post(
        f"/api/intake/applications/{project}/materials",
        {"kind": PLAN, "name": "接口对接说明.pdf"},
        unit=JIYUAN_UNIT,
    )
    assert attached.status_code == 201, attached.text
    submitted = await intake.post(f"/api/intake/applications/{project}/submit", unit=JIYUAN_UNIT)
    assert submitted.status_code == 200, submitted.text
    admitted = await intake.post(f"/api/intake/applications/{project}/admit", {"findings": []}, Role.DATA_BUREAU)
    assert admitted.status_code == 200, admitted.text
    assert admitted.json()["status"] == "admitted"
    history = (await intake.get(f"/api/intake/projects/{project}/history")).json()
    cited = {(d["rule_id"], d["citation"], d["outcome"]) for d in history["decisions"]}
    assert (INCLUSION, "jiyuan:总则", "info") in cited and (SHARING, "jiyuan:原则(四)", "pass") in cited
