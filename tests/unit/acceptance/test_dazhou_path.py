"""Dazhou: trial run ≥ 1 month → the bureau's pre-acceptance approval → the unit's performance
acceptance with the required items (dazhou:第四十七条–第四十九条,第五十六条,第五十九条)."""

from __future__ import annotations

from datetime import date

from tests.unit.acceptance.conftest import ALL_ITEMS, citations, ok, problem, rule_ids

P = "P-DZ-1"
SIGNED = date(2026, 1, 5)


async def open_trial(service, project=P, started=date(2026, 1, 31)):
    service.travel(date(2026, 2, 1))
    await service.contract(project, "dazhou", SIGNED)
    body = ok(await service.post("unit", f"/projects/{project}/trial-run", {"started_on": started.isoformat()}))
    assert body["stage"] == "trial_run" and body["next_step"] == "pre_acceptance_approval"
    return body


async def test_the_path_comes_from_the_pack(service):
    service.travel(date(2026, 1, 6))
    await service.contract(P, "dazhou", SIGNED)
    body = ok(await service.get("unit", f"/projects/{P}"))
    assert body["path"] == "dazhou_acceptance"
    assert body["steps"] == ["trial_run", "pre_acceptance_approval", "performance_acceptance"]
    assert body["path_citation"] == "dazhou:第四十七条–第四十九条" and body["stage"] == "contracted"


async def test_pre_acceptance_one_day_before_the_trial_month_ends_is_refused_and_allowed_on_the_day(service):
    await open_trial(service)  # trial run from 2026-01-31: one month ends 2026-02-28
    service.travel(date(2026, 2, 27))
    refused = problem(await service.post("bureau", f"/projects/{P}/pre-acceptance"), 422)
    assert citations(refused) == {"dazhou:第四十七条"} and rule_ids(refused) == {"acceptance.trial_run"}
    assert ok(await service.get("unit", f"/projects/{P}"))["stage"] == "trial_run"  # nothing written
    service.travel(date(2026, 2, 28))
    body = ok(await service.post("bureau", f"/projects/{P}/pre-acceptance"))
    assert body["stage"] == "pre_accepted" and body["pre_accepted_on"] == "2026-02-28"
    assert body["documents"] == ["pre_acceptance_approval_letter"]
    assert body["dates"]["trial_run_ended_on"] == "2026-02-28"


async def test_missing_or_failed_required_items_are_refused_with_every_citation(service):
    await open_trial(service)
    service.travel(date(2026, 3, 10))
    ok(await service.post("bureau", f"/projects/{P}/pre-acceptance"))
    # every item but the 第五十六条/第五十九条 ones after the MLPS test (the 第二十三条/第二十六条 items are there)
    only_mlps = {"passed": True, "system_name": "智慧教育平台", "items": [ALL_ITEMS[0], *ALL_ITEMS[3:]]}
    refused = problem(await service.post("unit", f"/projects/{P}/acceptance", only_mlps), 422)
    assert citations(refused) == {"dazhou:第五十六条,第五十九条"}
    assert (
        "crypto_review" in refused["violations"][0]["message_en"]
        or "cryptography" in refused["violations"][0]["message_en"]
    )
    failed_crypto = {**only_mlps, "items": [*ALL_ITEMS[:1], {"kind": "crypto_review", "passed": False}, *ALL_ITEMS[2:]]}
    assert problem(await service.post("unit", f"/projects/{P}/acceptance", failed_crypto), 422)
    # a new data centre adds the energy-efficiency item (dazhou:第五十六条)
    new_dc = {**only_mlps, "items": ALL_ITEMS, "new_data_center": True}
    refused = problem(await service.post("unit", f"/projects/{P}/acceptance", new_dc), 422)
    assert "datacenter_energy_efficiency" in str(refused) or "data centre" in str(refused)
    assert await service.events("acceptance.project.accepted.v1") == []


async def test_accepted_with_both_documents_for_payment_and_the_catalog(service):
    await open_trial(service)
    service.travel(date(2026, 3, 10))
    ok(await service.post("bureau", f"/projects/{P}/pre-acceptance"))
    body = ok(
        await service.post(
            "unit", f"/projects/{P}/acceptance", {"passed": True, "system_name": "智慧教育平台", "items": ALL_ITEMS}
        )
    )
    assert body["stage"] == "accepted" and body["accepted_on"] == "2026-03-10" and body["next_step"] is None
    [event] = await service.events("acceptance.project.accepted.v1")
    assert event.data["documents"] == ["pre_acceptance_approval_letter", "acceptance_report"]
    assert event.data["path"] == "dazhou_acceptance" and event.data["system_name"] == "智慧教育平台"
    assert {i["kind"] for i in event.data["items"]} == {item["kind"] for item in ALL_ITEMS}
    decided = {row.rule_id for row in await service.decisions(P)}
    assert {"acceptance.path", "acceptance.trial_run", "acceptance.items"} <= decided
    # nothing more to do: a second acceptance is out of order
    again = problem(
        await service.post(
            "unit", f"/projects/{P}/acceptance", {"passed": True, "system_name": "x", "items": ALL_ITEMS}
        ),
        409,
    )
    assert again["stage"] == "accepted"


async def test_a_failed_acceptance_is_final_in_dazhou(service):
    await open_trial(service)
    service.travel(date(2026, 3, 10))
    ok(await service.post("bureau", f"/projects/{P}/pre-acceptance"))
    body = ok(
        await service.post(
            "unit",
            f"/projects/{P}/acceptance",
            {"passed": False, "system_name": "智慧教育平台", "items": [{"kind": "mlps_test", "passed": False}]},
        )
    )
    assert body["stage"] == "failed"
    [event] = await service.events("acceptance.project.failed.v1")
    assert event.data["may_reapply"] is False and event.data["items"][0]["kind"] == "mlps_test"


async def test_steps_out_of_order_wrong_roles_and_unknown_projects(service):
    service.travel(date(2026, 2, 1))
    await service.contract(P, "dazhou", SIGNED)
    early = problem(await service.post("bureau", f"/projects/{P}/pre-acceptance"), 409)
    assert early["stage"] == "contracted" and early["expected"] == ["trial_run"]
    skip = {"passed": True, "system_name": "x", "items": ALL_ITEMS}
    assert problem(await service.post("unit", f"/projects/{P}/acceptance", skip), 409)["stage"] == "contracted"
    assert problem(await service.post("unit", f"/projects/{P}/pre-acceptance"), 403)
    assert problem(await service.post("bureau", f"/projects/{P}/trial-run", {"started_on": "2026-01-20"}), 403)
    assert problem(await service.post("other_unit", f"/projects/{P}/trial-run", {"started_on": "2026-01-20"}), 403)
    assert problem(await service.post("unit", "/projects/NOPE/trial-run", {"started_on": "2026-01-20"}), 404)
    before_contract = problem(await service.post("unit", f"/projects/{P}/trial-run", {"started_on": "2026-01-01"}), 422)
    assert before_contract["field"] == "started_on"
    # the path of another jurisdiction is not this one's
    not_here = problem(await service.post("unit", f"/projects/{P}/application", {"documents": []}), 409)
    assert not_here["type"].endswith("/not-on-path") and not_here["citation"] == "dazhou:第四十七条–第四十九条"
    assert problem(await service.post(None, f"/projects/{P}/pre-acceptance"), 401)
