"""Jiyuan: 初验 by the unit → trial run → completion acceptance (竣工验收) by the bureau with the DRC
and experts; nothing is used or paid before it (jiyuan:项目验收)."""

from __future__ import annotations

from datetime import date

from tests.unit.acceptance.conftest import ALL_ITEMS, JIYUAN_ITEMS, citations, ok, problem, rule_ids

P = "P-JY-1"
PANEL = [{"role": "data_bureau", "name": "大数据管理局 王科长"}, {"role": "drc", "name": "发改和统计局 李科长"}]


async def ready_to_organise(service):
    service.travel(date(2026, 3, 1))
    await service.contract(P, "jiyuan", date(2026, 2, 1))
    ok(await service.post("unit", f"/projects/{P}/preliminary-acceptance", {"passed": True}))
    ok(await service.post("unit", f"/projects/{P}/trial-run", {"started_on": "2026-03-01"}))
    service.travel(date(2026, 4, 1))


async def test_the_panel_needs_the_drc_and_experts_and_admits_no_one_else(service):
    await ready_to_organise(service)
    no_drc = {"panel": PANEL[:1], "experts": {"count": 3, "fields": ["政务"]}}
    refused = problem(await service.post("bureau", f"/projects/{P}/organise", no_drc), 422)
    assert rule_ids(refused) == {"acceptance.panel"} and citations(refused) == {"jiyuan:项目验收"}
    no_experts = {"panel": PANEL}
    assert rule_ids(problem(await service.post("bureau", f"/projects/{P}/organise", no_experts), 422)) == {
        "acceptance.panel"
    }
    vendor_on_panel = {"panel": [*PANEL, {"role": "supplier", "name": "承建单位"}], "experts": {"count": 2}}
    refused = problem(await service.post("bureau", f"/projects/{P}/organise", vendor_on_panel), 422)
    assert rule_ids(refused) == {"acceptance.panel_allowed"}
    assert service.pool.requests == []  # nobody was drawn for a panel that could not stand


async def test_completion_acceptance_by_the_bureau_is_what_accepts(service):
    await ready_to_organise(service)
    body = ok(await service.post("bureau", f"/projects/{P}/organise", {"panel": PANEL, "experts": {"count": 3}}))
    assert body["stage"] == "organised" and body["expert_draw_id"] == "D-1"
    assert sorted(m["role"] for m in body["panel"]) == ["data_bureau", "drc", "expert", "expert", "expert"]
    [draw] = service.pool.requests
    assert draw.vendors == ["某信息技术有限公司"] and draw.count == 3
    assert await service.events("acceptance.project.accepted.v1") == []  # 初验 alone is not acceptance
    result = {"passed": True, "system_name": "智慧济源", "items": JIYUAN_ITEMS}
    assert problem(await service.post("unit", f"/projects/{P}/completion-acceptance", result), 403)
    body = ok(await service.post("bureau", f"/projects/{P}/completion-acceptance", result))
    assert body["stage"] == "accepted"
    [event] = await service.events("acceptance.project.accepted.v1")
    assert event.data["path"] == "jiyuan_acceptance" and "acceptance_report" in event.data["documents"]


async def test_the_trial_run_is_checked_when_the_bureau_organises(service):
    service.travel(date(2026, 3, 1))
    await service.contract(P, "jiyuan", date(2026, 2, 1))
    ok(await service.post("unit", f"/projects/{P}/preliminary-acceptance", {"passed": True}))
    ok(await service.post("unit", f"/projects/{P}/trial-run", {"started_on": "2026-03-01"}))
    service.travel(date(2026, 3, 31))
    refused = problem(
        await service.post("bureau", f"/projects/{P}/organise", {"panel": PANEL, "experts": {"count": 1}}), 422
    )
    assert rule_ids(refused) == {"acceptance.trial_run"}


async def test_completion_acceptance_needs_the_connections_the_application_declared(service):
    # jiyuan:原则(四) "确保顺利与示范区共享交换平台和智慧城市指挥中心等系统进行对接并实时提供数据"
    await ready_to_organise(service)
    ok(await service.post("bureau", f"/projects/{P}/organise", {"panel": PANEL, "experts": {"count": 3}}))
    not_connected = [*ALL_ITEMS, {"kind": "exchange_platform_connection", "passed": True}]
    result = {"passed": True, "system_name": "智慧济源", "items": not_connected}
    refused = problem(await service.post("bureau", f"/projects/{P}/completion-acceptance", result), 422)
    assert rule_ids(refused) == {"acceptance.sharing_interface_connection"}
    assert citations(refused) == {"jiyuan:原则(四)"}
    [violation] = refused["violations"]
    assert "智慧城市指挥中心" in violation["message_zh"] and "实时提供数据" in violation["message_zh"]
    assert await service.events("acceptance.project.accepted.v1") == []
    body = ok(await service.post("bureau", f"/projects/{P}/completion-acceptance", {**result, "items": JIYUAN_ITEMS}))
    assert body["stage"] == "accepted"
