"""Quzhou: 初验 by module → trial run → 终验 application ≥ 3 months after every module passed →
终验 by the leading office, with the data dictionary handed over (quzhou:三(三)4,5)."""

from __future__ import annotations

from datetime import date

from tests.unit.acceptance.conftest import ALL_ITEMS, citations, ok, problem, rule_ids

P = "P-QZ-1"
WITH_DICTIONARY = [*ALL_ITEMS, {"kind": "data_dictionary", "passed": True}]


async def through_preliminary(service, project=P):
    service.travel(date(2026, 1, 10))
    await service.contract(project, "quzhou", date(2026, 1, 5))
    body = ok(await service.get("unit", f"/projects/{project}"))
    assert body["steps"] == ["preliminary_acceptance", "trial_run", "final_acceptance_application", "final_acceptance"]
    first = {"module": "审批模块", "modules": ["审批模块", "监管模块"], "passed": True}
    body = ok(await service.post("unit", f"/projects/{project}/preliminary-acceptance", first))
    assert body["stage"] == "contracted" and body["next_step"] == "preliminary_acceptance"
    service.travel(date(2026, 1, 20))
    failed = {"module": "监管模块", "passed": False, "note": "接口未联调"}
    body = ok(await service.post("unit", f"/projects/{project}/preliminary-acceptance", failed))
    assert body["module_results"]["监管模块"]["passed"] is False and body["stage"] == "contracted"
    unknown = {"module": "不存在的模块", "passed": True}
    assert problem(await service.post("unit", f"/projects/{project}/preliminary-acceptance", unknown), 422)
    service.travel(date(2026, 1, 31))  # the last module passes: 3 months run to 2026-04-30
    body = ok(
        await service.post(
            "unit", f"/projects/{project}/preliminary-acceptance", {"module": "监管模块", "passed": True}
        )
    )
    assert body["stage"] == "preliminary_accepted" and body["dates"]["preliminary_completed_on"] == "2026-01-31"
    assert body["documents"] == ["preliminary_acceptance_report"]
    ok(await service.post("unit", f"/projects/{project}/trial-run", {"started_on": "2026-01-31"}))
    assert await service.events("acceptance.project.accepted.v1") == []


async def test_final_application_at_three_months_minus_one_day_is_refused_and_at_three_months_allowed(service):
    await through_preliminary(service)
    service.travel(date(2026, 4, 29))
    refused = problem(await service.post("unit", f"/projects/{P}/final-acceptance/application"), 422)
    assert rule_ids(refused) == {"acceptance.final_application_after_preliminary"}
    assert citations(refused) == {"quzhou:三(三)5"}
    service.travel(date(2026, 4, 30))
    body = ok(await service.post("unit", f"/projects/{P}/final-acceptance/application"))
    assert body["stage"] == "final_applied" and body["dates"]["final_application_on"] == "2026-04-30"


async def test_a_too_short_trial_run_and_the_three_months_are_reported_together(service):
    await through_preliminary(service)
    service.travel(date(2026, 2, 10))
    refused = problem(await service.post("unit", f"/projects/{P}/final-acceptance/application"), 422)
    assert rule_ids(refused) == {"acceptance.trial_run", "acceptance.final_application_after_preliminary"}


async def test_the_leading_office_accepts_with_the_data_dictionary_and_issues_the_report(service):
    await through_preliminary(service)
    service.travel(date(2026, 5, 6))
    ok(await service.post("unit", f"/projects/{P}/final-acceptance/application"))
    result = {"passed": True, "system_name": "城市大脑", "items": ALL_ITEMS, "report_no": "衢验〔2026〕1号"}
    # the unit cannot accept itself: the leading office does
    assert problem(await service.post("unit", f"/projects/{P}/final-acceptance", result), 403)
    refused = problem(await service.post("office", f"/projects/{P}/final-acceptance", result), 422)
    assert citations(refused) == {"quzhou:三(三)4"}
    body = ok(await service.post("office", f"/projects/{P}/final-acceptance", {**result, "items": WITH_DICTIONARY}))
    assert body["stage"] == "accepted"
    [event] = await service.events("acceptance.project.accepted.v1")
    assert event.data["path"] == "quzhou_acceptance"
    assert event.data["documents"] == [
        "preliminary_acceptance_report",
        "final_acceptance_application",
        "acceptance_report",
    ]
    assert "data_dictionary" in {item["kind"] for item in event.data["items"]}


async def test_a_provincial_final_acceptance_counts_once_filed(service):
    await through_preliminary(service)
    filing = {
        "passed": True,
        "system_name": "省级统建系统",
        "items": WITH_DICTIONARY,
        "organiser": "浙江省大数据发展管理局",
        "level": "provincial",
        "report_no": "浙验〔2026〕9号",
    }
    # before the trial run is over the filing is not the next thing
    service.travel(date(2026, 2, 10))
    body = ok(await service.post("unit", f"/projects/{P}/final-acceptance/filing", filing))
    assert body["stage"] == "accepted"
    assert "higher_level_acceptance_filing" in body["documents"] and "acceptance_report" in body["documents"]
    assert body["done_steps"][-2:] == ["final_acceptance_application", "final_acceptance"]
    [event] = await service.events("acceptance.project.accepted.v1")
    assert event.data["system_name"] == "省级统建系统"
    assert "acceptance.higher_level_final_acceptance" in {row.rule_id for row in await service.decisions(P)}


async def test_filing_before_the_preliminary_acceptance_is_out_of_order(service):
    service.travel(date(2026, 1, 10))
    await service.contract(P, "quzhou", date(2026, 1, 5))
    filing = {
        "passed": True,
        "system_name": "x",
        "items": WITH_DICTIONARY,
        "organiser": "国家某部",
        "level": "national",
        "report_no": "1",
    }
    assert problem(await service.post("unit", f"/projects/{P}/final-acceptance/filing", filing), 409)
