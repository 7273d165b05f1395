"""Procurement's API and consumers on SQLite: plan, tender, bids, award and contract; the one-call
contract; supplements with their authority steps and the restart above the cap; the construction
deadline; delays, suspension and termination; supervision findings; bad input."""

from __future__ import annotations

from datetime import timedelta

from shared import clock
from shared.auth import Role

from .conftest import WAN

CREDIT_A = "91510100MA61234567"
CREDIT_B = "91510100MA6123456X"


async def supplier(procurement, name: str, code: str, role=Role.UNIT) -> str:
    response = await procurement.post("/suppliers", {"name": name, "credit_code": code}, role)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def tendered(procurement, estimate=300 * WAN, jurisdiction="dazhou", role=Role.UNIT):
    """A project through plan, tender, two bids and the award; returns (project, tender, award, winner)."""
    project = await procurement.project(estimate, jurisdiction)
    plan = await procurement.post(f"/projects/{project}/plan", {"control_price_fen": estimate}, role)
    assert plan.status_code == 201, plan.text
    today = clock.today()
    tender = await procurement.post(
        f"/projects/{project}/tenders",
        {
            "title": "智慧教育平台建设",
            "ceiling_fen": estimate,
            "published_on": (today - timedelta(days=40)).isoformat(),
            "bid_deadline": (today - timedelta(days=20)).isoformat(),
        },
        role,
    )
    assert tender.status_code == 201, tender.text
    tender_id = tender.json()["id"]
    a = await supplier(procurement, "四川甲科技有限公司", CREDIT_A, role)
    b = await supplier(procurement, "四川乙信息有限公司", CREDIT_B, role)
    for supplier_id, amount in ((a, estimate - 20 * WAN), (b, estimate - 10 * WAN)):
        bid = await procurement.post(
            f"/tenders/{tender_id}/bids",
            {
                "supplier_id": supplier_id,
                "amount_fen": amount,
                "submitted_on": (today - timedelta(days=25)).isoformat(),
            },
            role,
        )
        assert bid.status_code == 201, bid.text
    award = await procurement.post(
        f"/tenders/{tender_id}/award", {"supplier_id": a, "awarded_on": (today - timedelta(days=15)).isoformat()}, role
    )
    assert award.status_code == 201, award.text
    return project, tender_id, award.json(), a


# --- the procurement path -------------------------------------------------------------------------


async def test_plan_tender_award_and_contract_emit_events_and_open_the_construction_deadline(procurement):
    project, _tender, award, winner = await tendered(procurement)
    assert award["supplier"] == "四川甲科技有限公司" and award["amount_fen"] == 280 * WAN
    signed = clock.today() - timedelta(days=10)
    response = await procurement.post(
        f"/projects/{project}/contracts",
        {
            "award_id": award["id"],
            "amount_fen": 280 * WAN,
            "signed_on": signed.isoformat(),
            "planned_completion": (signed + timedelta(days=300)).isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    contract = response.json()
    assert contract["procured_via"] == "platform_tender" and contract["procurement_method"] == "open_tender"
    assert contract["supplier"] == "四川甲科技有限公司"
    assert contract["construction_due"] == signed.replace(year=signed.year + 1).isoformat()
    signed_events = await procurement.events("procurement.contract.signed.v1")
    assert signed_events[-1]["key"] == project and signed_events[-1]["procured_via"] == "platform_tender"
    assert [e["type"] for e in await procurement.events() if e["type"] != "procurement.contract.signed.v1"] == [
        "procurement.plan.filed.v1",
        "procurement.tender.awarded.v1",
    ]
    (deadline,) = await procurement.deadlines(project)
    assert deadline.rule_id == "procurement.construction_period" and deadline.citation == "dazhou:第四十二条"
    view = (await procurement.get(f"/projects/{project}")).json()
    assert view["stage"] == "contracted" and view["status"] == "active"
    assert view["tenders"][0]["award"]["supplier_id"] == winner and len(view["tenders"][0]["bids"]) == 2


async def test_the_one_call_contract_still_works_and_records_how_it_was_procured(procurement):
    project = await procurement.project(300 * WAN)
    too_big = await procurement.contract(project, 300 * WAN + 1)
    assert too_big.status_code == 422
    assert too_big.headers["content-type"].startswith("application/problem+json")
    assert [v["citation"] for v in too_big.json()["violations"]] == ["dazhou:第三十八条"]
    ok = await procurement.contract(project, 300 * WAN, procurement_method="single_source")
    assert ok.status_code == 201, ok.text
    assert ok.json()["procured_via"] == "outside_platform" and ok.json()["procurement_method"] == "single_source"
    # a second contract (another lot) counts against the same estimate
    assert (await procurement.contract(project, 1)).status_code == 422


async def test_a_tender_above_the_estimate_in_quzhou_is_refused_with_both_citations(procurement):
    project = await procurement.project(300 * WAN, "quzhou")
    plan = await procurement.post(f"/projects/{project}/plan", {"control_price_fen": 300 * WAN})
    assert plan.status_code == 201, plan.text
    today = clock.today()
    body = {
        "title": "衢州项目",
        "ceiling_fen": 300 * WAN + 1,
        "published_on": today.isoformat(),
        "bid_deadline": (today + timedelta(days=20)).isoformat(),
    }
    refused = await procurement.post(f"/projects/{project}/tenders", body)
    assert refused.status_code == 422
    assert sorted(v["citation"] for v in refused.json()["violations"]) == ["dazhou:第三十八条", "quzhou:三(三)1"]
    assert (
        await procurement.post(f"/projects/{project}/tenders", {**body, "ceiling_fen": 300 * WAN})
    ).status_code == 201


async def test_a_tender_before_the_plan_is_refused_citing_article_40(procurement):
    project = await procurement.project()
    today = clock.today()
    response = await procurement.post(
        f"/projects/{project}/tenders",
        {"title": "x", "ceiling_fen": 1, "published_on": today.isoformat(), "bid_deadline": today.isoformat()},
    )
    assert response.status_code == 422 and response.json()["violations"][0]["citation"] == "dazhou:第四十条"


async def test_the_plan_needs_the_control_price_and_is_filed_once_per_cycle(procurement):
    project = await procurement.project()
    missing = await procurement.post(f"/projects/{project}/plan", {})
    assert missing.status_code == 422 and missing.json()["violations"][0]["citation"] == "dazhou:第三十九条"
    assert (
        await procurement.post(f"/projects/{project}/plan", {"control_price_fen": 300 * WAN + 1})
    ).status_code == 422
    key = {"Idempotency-Key": f"plan-{project}"}
    first = await procurement.post(f"/projects/{project}/plan", {"control_price_fen": 290 * WAN}, headers=key)
    again = await procurement.post(f"/projects/{project}/plan", {"control_price_fen": 290 * WAN}, headers=key)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert first.json()["budget_fen"] == 290 * WAN and first.json()["organiser"] == "unit"
    assert (await procurement.post(f"/projects/{project}/plan", {"control_price_fen": 290 * WAN})).status_code == 409


async def test_jiyuan_bundles_procurement_the_office_reviews_then_the_centre_runs_the_tender(procurement):
    project = await procurement.project(300 * WAN, "jiyuan")
    plan = (
        await procurement.post(f"/projects/{project}/plan", {"control_price_fen": 300 * WAN, "major_project": True})
    ).json()
    assert plan["route"] == "central_volume_procurement" and plan["method"] == "central_volume"
    assert plan["reviews_pending"] == ["leading_office"] and plan["organiser"] == "procurement_center"
    today = clock.today()
    body = {
        "title": "集中带量采购包",
        "ceiling_fen": 300 * WAN,
        "published_on": today.isoformat(),
        "bid_deadline": (today + timedelta(days=20)).isoformat(),
    }
    early = await procurement.post(f"/projects/{project}/tenders", body, Role.PROCUREMENT_CENTER)
    assert early.status_code == 409 and early.json()["citation"] == "jiyuan:项目建设"
    wrong = await procurement.post(f"/projects/{project}/plan/review", {"approve": True}, Role.PROCUREMENT_CENTER)
    assert wrong.status_code == 403
    assert (
        await procurement.post(f"/projects/{project}/plan/review", {"approve": True}, Role.LEADING_OFFICE)
    ).status_code == 200
    assert (await procurement.post(f"/projects/{project}/tenders", body, Role.UNIT)).status_code == 403
    assert (await procurement.post(f"/projects/{project}/tenders", body, Role.PROCUREMENT_CENTER)).status_code == 201
    # a major project's contract needs a supervisor in jiyuan
    refused = await procurement.contract(project, 200 * WAN)
    assert refused.status_code == 422 and refused.json()["violations"][0]["citation"] == "jiyuan:项目建设"
    assert (await procurement.contract(project, 200 * WAN, supervisor="河南某监理公司")).status_code == 201


# --- bad input ------------------------------------------------------------------------------------


async def test_bad_input_gets_problems_with_the_reason(procurement):
    project, _tender, award, _ = await tendered(procurement)
    stranger = await supplier(procurement, "未投标公司", "91510100MA61234568")
    # awards to a supplier that did not bid (the tender is already awarded: a fresh one would be open)
    other = await procurement.project()
    await procurement.post(f"/projects/{other}/plan", {"control_price_fen": 300 * WAN})
    today = clock.today()
    tender = (
        await procurement.post(
            f"/projects/{other}/tenders",
            {
                "title": "t",
                "ceiling_fen": 100 * WAN,
                "published_on": today.isoformat(),
                "bid_deadline": today.isoformat(),
            },
        )
    ).json()
    unknown = await procurement.post(
        f"/tenders/{tender['id']}/award", {"supplier_id": stranger, "awarded_on": today.isoformat()}
    )
    assert unknown.status_code == 422 and unknown.json()["type"].endswith("/unknown-supplier")
    assert unknown.json()["citation"] == "dazhou:第三十九条"
    not_registered = await procurement.post(
        f"/tenders/{tender['id']}/bids", {"supplier_id": "S-nope", "amount_fen": 1, "submitted_on": today.isoformat()}
    )
    assert not_registered.status_code == 422 and not_registered.json()["type"].endswith("/unknown-supplier")
    late_bid = await procurement.post(
        f"/tenders/{tender['id']}/bids",
        {"supplier_id": stranger, "amount_fen": 1, "submitted_on": (today + timedelta(days=1)).isoformat()},
    )
    assert late_bid.status_code == 422 and late_bid.json()["field"] == "submitted_on"
    # dates out of order
    backwards = await procurement.post(
        f"/projects/{other}/contracts",
        {
            "supplier": "x",
            "amount_fen": 1,
            "signed_on": today.isoformat(),
            "planned_completion": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert backwards.status_code == 422
    # supplements without an original contract
    orphan = await procurement.post("/contracts/C-nope/supplements", {"amount_fen": 1})
    assert orphan.status_code == 404 and orphan.headers["content-type"].startswith("application/problem+json")
    # money is integer fen
    for amount in (1.5, "100"):
        assert (await procurement.contract(project, amount)).status_code == 422
    # a contract that does not follow its award
    signed = today.isoformat()
    mismatch = await procurement.post(
        f"/projects/{project}/contracts",
        {
            "award_id": award["id"],
            "amount_fen": award["amount_fen"] + 1,
            "signed_on": signed,
            "planned_completion": signed,
        },
    )
    assert mismatch.status_code == 422 and mismatch.json()["type"].endswith("/contract-award-mismatch")
    assert (await procurement.get("/projects/P-unknown")).status_code == 404
    body = {"supplier": "x", "amount_fen": 1, "signed_on": signed, "planned_completion": signed}
    assert (await procurement.post(f"/projects/{project}/contracts", body, unit="另一个单位")).status_code == 403
    assert (await procurement.post(f"/projects/{project}/contracts", {}, Role.FINANCE)).status_code == 403
