"""dazhou:第二十三条 (connect to the city public information service platform; no data that should be shared
generally opened only to particular firms) and 第二十六条 (the sharing scope and degree and the network-security
status are a basis of acceptance): items of Dazhou's performance acceptance, each refusal naming its rule."""

from __future__ import annotations

from datetime import date

import pytest

from shared.policy import packs
from tests.unit.acceptance.conftest import ALL_ITEMS, citations, ok, problem, rule_ids
from tests.unit.acceptance.test_dazhou_path import P, open_trial


def _without(kind: str, *, failed: bool = False) -> list[dict]:
    items = [item for item in ALL_ITEMS if item["kind"] != kind]
    return [*items, {"kind": kind, "passed": False}] if failed else items


async def _pre_accepted(service) -> None:
    await open_trial(service)
    service.travel(date(2026, 3, 10))
    ok(await service.post("bureau", f"/projects/{P}/pre-acceptance"))


@pytest.mark.parametrize(
    ("kind", "failed", "rule_id", "citation", "words"),
    [
        (
            "public_platform_connected",
            False,
            "acceptance.information_sharing",
            "dazhou:第二十三条",
            "城市公共信息服务平台",
        ),
        ("no_exclusive_data_opening", True, "acceptance.information_sharing", "dazhou:第二十三条", "特定企业"),
        (
            "sharing_and_security_status",
            False,
            "acceptance.sharing_security_basis",
            "dazhou:第二十六条",
            "网络安全情况",
        ),
    ],
)
async def test_acceptance_without_a_sharing_item_is_refused_naming_it(service, kind, failed, rule_id, citation, words):
    await _pre_accepted(service)
    result = {"passed": True, "system_name": "智慧教育平台", "items": _without(kind, failed=failed)}
    refused = problem(await service.post("unit", f"/projects/{P}/acceptance", result), 422)
    assert rule_ids(refused) == {rule_id} and citations(refused) == {citation}
    assert words in refused["violations"][0]["message_zh"]
    assert await service.events("acceptance.project.accepted.v1") == []


async def test_with_every_item_the_project_is_accepted(service):
    await _pre_accepted(service)
    result = {"passed": True, "system_name": "智慧教育平台", "items": ALL_ITEMS}
    assert ok(await service.post("unit", f"/projects/{P}/acceptance", result))["stage"] == "accepted"


def test_the_items_are_dazhous_own_other_jurisdictions_do_not_inherit_them():
    packs.load_all()
    for rule_id in ("acceptance.information_sharing", "acceptance.sharing_security_basis"):
        assert packs.default.rule(rule_id).basis == "own_text"
        for pack_id in ("quzhou", "jiyuan", "fengxian", "suqian"):
            assert not packs.get(pack_id).has(rule_id)
