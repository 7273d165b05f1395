"""Procurement's API and consumers on SQLite: plan, tender, bids, award and contract; the one-call
contract; supplements with their authority steps and the restart above the cap; the construction
deadline; delays, suspension and termination; supervision findings; bad input."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import REGISTRY

from shared import clock
from shared.auth import Role
from shared.contracts.acceptance import TrialStarted
from shared.contracts.budget import EstimateApproved
from shared.contracts.catalog import FindingEscalated, FindingResolved

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
    assert sorted(v["citation"] for v in refused.json()["violations"]) == [
        "quzhou:三(三)1",
        "quzhou:本地设置（非条文规定）",
    ]  # dazhou:第三十八条 is a local setting in quzhou
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


# --- supplementary contracts ----------------------------------------------------------------------


async def signed_contract(procurement, amount=100 * WAN, jurisdiction="dazhou") -> tuple[str, str]:
    project = await procurement.project(amount, jurisdiction)
    response = await procurement.contract(project, amount)
    assert response.status_code == 201, response.text
    return project, response.json()["id"]


async def test_supplements_up_to_exactly_ten_percent_go_to_the_leaders_in_order(procurement):
    project, contract = await signed_contract(procurement)
    first = await procurement.post(f"/contracts/{contract}/supplements", {"amount_fen": 6 * WAN, "reason": "扩容"})
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "pending_approval" and body["next_step"] == "vice_mayor_unit"
    assert [s["role"] for s in body["steps"]] == ["vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance"]
    out_of_turn = await procurement.post(
        f"/supplements/{body['id']}/approval", {"approve": True}, Role.VICE_MAYOR_FINANCE
    )
    assert out_of_turn.status_code == 403 and out_of_turn.json()["citation"] == "dazhou:第四十三条(一)"
    assert out_of_turn.json()["article"] == "dazhou:第四十三条"  # the band, with its article beside it
    for role in ("vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance"):
        acted = await procurement.post(f"/supplements/{body['id']}/approval", {"approve": True}, role)
        assert acted.status_code == 200, acted.text
    assert acted.json()["status"] == "approved"
    (approved,) = await procurement.events("procurement.supplement.approved.v1")
    assert approved["cumulative_fen"] == 6 * WAN and approved["authority_steps"][-1] == "vice_mayor_finance"
    # the pending/approved total counts: 4万 more is exactly 10%
    exact = await procurement.post(f"/contracts/{contract}/supplements", {"amount_fen": 4 * WAN})
    assert exact.status_code == 201 and exact.json()["ratio"] == "10.0000%"
    view = (await procurement.get(f"/projects/{project}")).json()
    assert view["contracts"][0]["supplements_fen"] == 10 * WAN and view["cycle"] == 1


async def test_one_fen_over_ten_percent_restarts_the_procedure_in_a_new_cycle(procurement):
    project, contract = await signed_contract(procurement)
    assert (await procurement.post(f"/contracts/{contract}/supplements", {"amount_fen": 10 * WAN})).status_code == 201
    over = await procurement.post(f"/contracts/{contract}/supplements", {"amount_fen": 1})
    assert over.status_code == 422, over.text
    problem = over.json()
    assert problem["violations"][0]["citation"] == "dazhou:第四十三条"
    assert problem["restart_required"] is True and problem["new_cycle"] == 2 and problem["stage"] == "restarted"
    view = (await procurement.get(f"/projects/{project}")).json()  # committed: the new cycle is open
    assert view["cycle"] == 2 and view["stage"] == "restarted"
    assert view["control_price_fen"] is None  # the new cycle needs finance's price review again (第四十三条)
    assert [s["status"] for s in view["supplements"]] == ["pending_approval", "cap_exceeded"]
    (rejected,) = await procurement.events("procurement.supplement.rejected.v1")
    assert rejected["restart_required"] and rejected["new_cycle"] == 2
    assert (await procurement.events("procurement.procedure.restarted.v1"))[0]["cycle"] == 2
    # nothing more in the old cycle until a revised estimate opens the new one
    assert (await procurement.contract(project, 1)).status_code == 409
    assert (await procurement.post(f"/contracts/{contract}/supplements", {"amount_fen": 1})).status_code == 409
    await procurement.deliver(
        EstimateApproved(
            project_id=project,
            unit="达州市教育局",
            jurisdiction="dazhou",
            estimate_fen=120 * WAN,
            approved_on=clock.today(),
            revision=2,
        )
    )
    view = (await procurement.get(f"/projects/{project}")).json()
    assert view["stage"] == "estimate_approved" and view["ceiling_fen"] == 120 * WAN and view["plan"] is None
    assert (await procurement.contract(project, 20 * WAN)).status_code == 201  # cycle 2 has its own total


async def test_the_authority_of_a_large_supplement_and_a_refusal(procurement):
    _, contract = await signed_contract(procurement, 60000 * WAN)
    large = (await procurement.post(f"/contracts/{contract}/supplements", {"amount_fen": 5000 * WAN})).json()
    assert [s["role"] for s in large["steps"]] == ["executive_meeting", "standing_committee"]
    refused = await procurement.post(f"/supplements/{large['id']}/approval", {"approve": False}, Role.EXECUTIVE_MEETING)
    assert refused.json()["status"] == "rejected"
    assert (await procurement.events("procurement.supplement.rejected.v1"))[0]["reason"] == "refused"
    again = await procurement.post(f"/supplements/{large['id']}/approval", {"approve": True}, Role.STANDING_COMMITTEE)
    assert again.status_code == 409
    # a refused supplement no longer counts against the cap
    assert (await procurement.post(f"/contracts/{contract}/supplements", {"amount_fen": 6000 * WAN})).status_code == 201


async def test_fengxian_changes_are_reviewed_by_the_bureau(procurement):
    _, contract = await signed_contract(procurement, 100 * WAN, "fengxian")
    change = (await procurement.post(f"/contracts/{contract}/supplements", {"amount_fen": 10 * WAN})).json()
    assert [s["role"] for s in change["steps"]] == ["data_bureau"]
    over = await procurement.post(f"/contracts/{contract}/supplements", {"amount_fen": 1})
    assert over.json()["violations"][0]["citation"] == "fengxian:第二十二条"


async def test_supplement_metrics_count_authority_and_outcome(procurement):
    def count(outcome: str, authority: str) -> float:
        labels = {"jurisdiction": "suqian", "authority": authority, "outcome": outcome}
        return REGISTRY.get_sample_value("govproj_procurement_supplements_total", labels) or 0

    before = count("requested", "vice_mayor_finance"), count("cap_exceeded", "restart")
    _, contract = await signed_contract(procurement, 100 * WAN, "suqian")
    await procurement.post(f"/contracts/{contract}/supplements", {"amount_fen": 1 * WAN})
    await procurement.post(f"/contracts/{contract}/supplements", {"amount_fen": 10 * WAN})
    assert count("requested", "vice_mayor_finance") == before[0] + 1
    assert count("cap_exceeded", "restart") == before[1] + 1


# --- construction schedule, delays, suspension, termination ---------------------------------------


async def test_the_construction_deadline_goes_overdue_on_the_clock_and_the_trial_run_closes_it(procurement):
    project, _ = await signed_contract(procurement)
    (deadline,) = await procurement.deadlines(project)
    clock.advance(timedelta(days=400))
    await procurement.runtime.sweep_once()
    (deadline,) = await procurement.deadlines(project)
    assert deadline.status == "overdue"
    (overdue,) = await procurement.events("procurement.deadline.overdue.v1")
    assert overdue["citation"] == "dazhou:第四十二条" and overdue["key"] == project
    gauge = REGISTRY.get_sample_value(
        "govproj_procurement_projects_past_construction_deadline", {"jurisdiction": "dazhou"}
    )
    assert gauge >= 1
    await procurement.deliver(TrialStarted(project_id=project, started_on=clock.today()))
    (deadline,) = await procurement.deadlines(project)
    assert deadline.status == "late"


async def test_a_serious_delay_is_reported_and_the_bureau_suspends_then_resumes(procurement):
    project, contract = await signed_contract(procurement)
    assert (
        await procurement.post(f"/projects/{project}/suspension", {"reason": "x"}, Role.DATA_BUREAU)
    ).status_code == 409
    incident = await procurement.post(
        f"/projects/{project}/incidents", {"kind": "serious_delay", "description": "进度滞后5个月"}
    )
    assert incident.status_code == 201 and incident.json()["handling"] == "report_rectify_or_suspend"
    (delayed,) = await procurement.events("procurement.project.delayed.v1")
    assert delayed["citation"] == "dazhou:第四十六条"
    order = await procurement.post(
        f"/projects/{project}/rectification",
        {"incident_id": incident.json()["id"], "due_on": (clock.today() + timedelta(days=30)).isoformat()},
        Role.DATA_BUREAU,
    )
    assert order.status_code == 200 and order.json()["rectification_due"]
    suspended = await procurement.post(f"/projects/{project}/suspension", {"reason": "严重逾期"}, Role.DATA_BUREAU)
    assert suspended.json()["status"] == "suspended"
    refused = await procurement.post(f"/contracts/{contract}/supplements", {"amount_fen": 1})
    assert refused.status_code == 422 and refused.json()["violations"][0]["citation"] == "dazhou:第四十六条"
    resumed = await procurement.post(f"/projects/{project}/resumption", None, Role.DATA_BUREAU)
    assert resumed.json()["status"] == "active"
    assert [e["type"] for e in await procurement.events() if "project." in e["type"]] == [
        "procurement.project.delayed.v1",
        "procurement.project.suspended.v1",
        "procurement.project.resumed.v1",
    ]


async def test_termination_needs_the_units_request_and_the_citys_approval(procurement):
    project, _ = await signed_contract(procurement)
    approval = {"approval_ref": "达市府函〔2027〕1号", "approved_on": clock.today().isoformat()}
    assert (await procurement.post(f"/projects/{project}/termination", approval, Role.DATA_BUREAU)).status_code == 409
    request = {"kind": "cannot_continue", "substantial_progress": True, "description": "上级平台替代"}
    assert (await procurement.post(f"/projects/{project}/incidents", request)).json()[
        "handling"
    ] == "terminate_with_approval"
    assert (await procurement.post(f"/projects/{project}/termination", approval, Role.UNIT)).status_code == 403
    done = await procurement.post(f"/projects/{project}/termination", approval, Role.DATA_BUREAU)
    assert done.json()["status"] == "terminated" and done.json()["stage"] == "terminated"
    (terminated,) = await procurement.events("procurement.project.terminated.v1")
    assert terminated["cause"] == "approved_request" and terminated["approval_ref"] == approval["approval_ref"]
    assert (await procurement.contract(project, 1)).status_code == 409


async def test_a_finding_at_suspension_refuses_contracts_with_its_citation_until_resolved(procurement):
    project = await procurement.project()
    finding = {
        "project_id": project,
        "finding_id": "F-1",
        "unit": "达州市教育局",
        "area": "progress",
        "rule_id": "supervision.escalation",
        "citation": "dazhou:第五十三条",
        "escalated_on": clock.today(),
    }
    await procurement.deliver(FindingEscalated(**finding, step="plan_deferred"))
    assert (await procurement.get(f"/projects/{project}")).json()["status"] == "active"
    await procurement.deliver(FindingEscalated(**finding, step="suspended"))
    await procurement.deliver(FindingEscalated(**finding, step="suspended"))  # redelivered: one suspension
    refused = await procurement.contract(project, 1)
    assert refused.status_code == 422 and refused.json()["violations"][0]["citation"] == "dazhou:第五十三条"
    (suspended,) = await procurement.events("procurement.project.suspended.v1")
    assert suspended["cause"] == "finding" and suspended["finding_id"] == "F-1"
    await procurement.deliver(
        FindingResolved(project_id=project, finding_id="F-1", unit="达州市教育局", resolved_on=clock.today())
    )
    assert (await procurement.contract(project, 1)).status_code == 201
    assert len(await procurement.events("procurement.project.resumed.v1")) == 1


async def test_a_finding_against_the_whole_unit_suspends_each_of_its_projects(procurement):
    first = await procurement.project(300 * WAN, "dazhou")
    second = await procurement.project(200 * WAN, "dazhou")
    finding = {
        "project_id": "F-UNIT",  # catalog keys a finding against a unit by the finding's own id
        "finding_id": "F-UNIT",
        "unit": "达州市教育局",
        "area": "information_sharing",
        "rule_id": "supervision.escalation",
        "citation": "dazhou:第五十三条",
        "escalated_on": clock.today(),
    }
    await procurement.deliver(FindingEscalated(**finding, step="suspended"))
    for project in (first, second):
        refused = await procurement.contract(project, 1)
        assert refused.status_code == 422 and refused.json()["violations"][0]["citation"] == "dazhou:第五十三条"
    assert len(await procurement.events("procurement.project.suspended.v1")) == 2
    await procurement.deliver(
        FindingResolved(project_id="F-UNIT", finding_id="F-UNIT", unit="达州市教育局", resolved_on=clock.today())
    )
    assert (await procurement.contract(first, 1)).status_code == 201
    assert len(await procurement.events("procurement.project.resumed.v1")) == 2


async def test_a_finding_at_termination_ends_the_project(procurement):
    project, _ = await signed_contract(procurement)
    await procurement.deliver(
        FindingEscalated(
            project_id=project,
            finding_id="F-2",
            unit="达州市教育局",
            area="funds",
            step="terminated",
            rule_id="supervision.escalation",
            citation="dazhou:第五十三条",
            escalated_on=clock.today(),
        )
    )
    view = (await procurement.get(f"/projects/{project}")).json()
    assert view["stage"] == "terminated" and view["status"] == "terminated"
    (terminated,) = await procurement.events("procurement.project.terminated.v1")
    assert terminated["cause"] == "finding" and terminated["citation"] == "dazhou:第五十三条"
    (deadline,) = await procurement.deadlines(project)
    assert deadline.status == "cancelled"


async def test_a_secret_projects_events_carry_no_supplier_and_listing_hides_the_title(procurement):
    project = await procurement.project(secret=True)
    assert (await procurement.contract(project, 1 * WAN)).status_code == 201
    (signed,) = await procurement.events("procurement.contract.signed.v1")
    assert signed["supplier"] == "" and signed["amount_fen"] == 1 * WAN
    listing = (await procurement.get("/projects", Role.DATA_BUREAU)).json()
    assert [i["title"] for i in listing["items"] if i["project_id"] == project] == [None]
