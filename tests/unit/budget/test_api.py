"""Budget's API and handlers on SQLite: the timeline with deadline rows, releases (idempotent, refused with
every rule), adjustments, annual budgets, O&M, shares, supervision stops and data-operation payments."""

from __future__ import annotations

import uuid
from datetime import date

from prometheus_client import REGISTRY

from shared import clock
from shared.auth import Role
from shared.contracts.acceptance import ProjectFailed
from shared.contracts.catalog import FindingEscalated, FindingResolved, SystemRegistered, SystemRetired
from tests.unit.budget.conftest import PLAN, UNIT, WAN, travel


def citations(response) -> list[str]:
    return [v["citation"] for v in response.json()["violations"]]


async def test_timeline_opens_and_closes_deadline_rows_and_emits_the_control_price(budget):
    travel(date(2026, 9, 10))
    project = await budget.approved_project()
    too_short = await budget.unit_post(
        f"/projects/{project}/consultation", {"published_on": "2026-09-10", "ends_on": "2026-09-16"}
    )
    assert too_short.status_code == 422 and citations(too_short) == ["dazhou:第三十五条"]
    published = await budget.unit_post(
        f"/projects/{project}/consultation", {"published_on": "2026-09-10", "ends_on": "2026-09-17"}
    )
    assert published.status_code == 200 and published.json()["stage"] == "consultation"
    rows = await budget.deadlines(project)
    assert rows["budget.technical_plan_due"].due_on == date(2026, 11, 16)  # 60 days after the 17th

    # The plan cannot come before the consultation ran its 7 days.
    travel(date(2026, 9, 15))
    early = await budget.unit_post(f"/projects/{project}/technical-plan", PLAN)
    assert early.status_code == 422 and citations(early) == ["dazhou:第三十五条"]

    travel(date(2026, 9, 28))
    plan = await budget.unit_post(f"/projects/{project}/technical-plan", PLAN)
    assert plan.status_code == 200, plan.text
    rows = await budget.deadlines(project)
    assert rows["budget.technical_plan_due"].status == "met"
    review = rows["budget.technical_review_due"]
    assert review.due_on == date(2026, 10, 16) and review.citation == "dazhou:第三十七条"

    # Not reviewed by the 16th: the sweeper marks it overdue and emits it.
    travel(date(2026, 10, 19))
    await budget.sweep()
    assert (await budget.deadlines(project))["budget.technical_review_due"].status == "overdue"
    overdue = await budget.events("budget.deadline.overdue.v1")
    assert [e["rule_id"] for e in overdue] == ["budget.technical_review_due"]
    assert (
        REGISTRY.get_sample_value("govproj_budget_deadlines_overdue", {"rule_id": "budget.technical_review_due"}) >= 1
    )

    unit_cannot = await budget.unit_post(f"/projects/{project}/technical-review", {"passed": True, "estimate_fen": 1})
    assert unit_cannot.status_code == 403
    reviewed = await budget.post(
        f"/projects/{project}/technical-review", {"passed": True, "estimate_fen": 900 * WAN}, Role.DATA_BUREAU
    )
    assert reviewed.status_code == 200 and reviewed.json()["stage"] == "estimate_approved"
    assert (await budget.deadlines(project))["budget.technical_review_due"].status == "late"
    assert (await budget.events("budget.estimate.approved.v1"))[-1]["estimate_fen"] == 900 * WAN

    above = await budget.unit_post(f"/projects/{project}/control-price", {"control_price_fen": 900 * WAN + 1})
    assert above.status_code == 422 and citations(above) == ["dazhou:第三十八条"]
    submitted = await budget.unit_post(f"/projects/{project}/control-price", {"control_price_fen": 880 * WAN})
    assert submitted.status_code == 200
    assert (await budget.deadlines(project))["budget.control_price_review_due"].due_on == date(2026, 11, 30)
    approved = await budget.post(f"/projects/{project}/control-price/approval", {}, Role.FINANCE)
    assert approved.status_code == 200 and approved.json()["stage"] == "control_price_approved"
    (event,) = await budget.events("budget.control_price.approved.v1")
    assert event["control_price_fen"] == 880 * WAN and event["estimate_fen"] == 900 * WAN
    assert (await budget.deadlines(project))["budget.control_price_review_due"].status == "met"


async def test_out_of_order_steps_are_409_naming_the_stage(budget):
    project = await budget.approved_project()
    plan = await budget.unit_post(f"/projects/{project}/technical-plan", PLAN)
    assert plan.status_code == 409 and plan.json()["stage"] == "approved"
    review = await budget.post(f"/projects/{project}/technical-review", {"passed": False}, Role.DATA_BUREAU)
    assert review.status_code == 409
    price = await budget.post(f"/projects/{project}/control-price/approval", {}, Role.FINANCE)
    assert price.status_code == 409 and price.json()["stage"] == "approved"


async def test_a_failed_review_returns_the_plan_and_a_new_plan_reopens_the_review(budget):
    travel(date(2026, 9, 1))
    project = await budget.approved_project()
    await budget.unit_post(f"/projects/{project}/consultation", {"published_on": "2026-09-01", "ends_on": "2026-09-08"})
    travel(date(2026, 9, 9))
    await budget.unit_post(f"/projects/{project}/technical-plan", PLAN)
    returned = await budget.post(f"/projects/{project}/technical-review", {"passed": False}, Role.DATA_BUREAU)
    assert returned.json()["stage"] == "plan_returned"
    assert (await budget.deadlines(project))["budget.technical_review_due"].status == "returned"
    again = await budget.unit_post(f"/projects/{project}/technical-plan", PLAN)
    assert again.json()["stage"] == "plan_submitted"
    assert (await budget.deadlines(project))["budget.technical_review_due"].status == "open"


async def test_estimate_in_one_call_is_still_available_to_the_bureau(budget):
    project = await budget.approved_project()
    wrong_role = await budget.post(f"/projects/{project}/estimate", {"estimate_fen": 10}, Role.FINANCE)
    assert wrong_role.status_code == 403
    for bad in (12.5, "100", -1, 0):
        response = await budget.post(f"/projects/{project}/estimate", {"estimate_fen": bad}, Role.DATA_BUREAU)
        assert response.status_code == 422, bad
    ok = await budget.post(f"/projects/{project}/estimate", {"estimate_fen": 800 * WAN}, Role.DATA_BUREAU)
    assert ok.status_code == 200 and ok.json()["estimate_history"][0]["estimate_fen"] == 800 * WAN
    missing = await budget.post("/projects/P-nope/estimate", {"estimate_fen": 1}, Role.DATA_BUREAU)
    assert missing.status_code == 404


async def test_release_refused_before_acceptance_then_paid_once_per_key(budget):
    project = await budget.with_estimate(500 * WAN)
    contract = await budget.contract(project, 500 * WAN)
    no_key = await budget.post(f"/projects/{project}/releases", {"contract_id": contract, "amount_fen": 1})
    assert no_key.status_code == 400
    early = await budget.release(project, contract, 100 * WAN)
    assert early.status_code == 422 and citations(early) == ["dazhou:第四十九条"]
    unknown = await budget.release(project, "C-unknown", 100 * WAN)
    assert unknown.status_code == 404
    floaty = await budget.post(
        f"/projects/{project}/releases", {"contract_id": contract, "amount_fen": 1.5}, key=str(uuid.uuid4())
    )
    assert floaty.status_code == 422
    unit_cannot = await budget.post(
        f"/projects/{project}/releases", {"contract_id": contract, "amount_fen": 1}, Role.UNIT, unit=UNIT, key="k"
    )
    assert unit_cannot.status_code == 403

    await budget.accept(project)
    first = await budget.release(project, contract, 100 * WAN, key="pay-1")
    again = await budget.release(project, contract, 100 * WAN, key="pay-1")
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert (await budget.get(f"/projects/{project}")).json()["released_fen"] == 100 * WAN
    assert len(await budget.events("budget.funds.released.v1")) == 1

    above = await budget.release(project, contract, 400 * WAN + 1)
    assert above.status_code == 422 and citations(above) == ["dazhou:第二十八条"]
    rest = await budget.release(project, contract, 400 * WAN)
    assert rest.status_code == 201 and rest.json()["released_total_fen"] == 500 * WAN


async def test_a_failed_acceptance_stops_money_again(budget):
    project = await budget.with_estimate(500 * WAN)
    contract = await budget.contract(project, 500 * WAN)
    await budget.accept(project)
    await budget.deliver(
        ProjectFailed(
            project_id=project, unit=UNIT, jurisdiction="dazhou", path="dazhou", failed_on=clock.today(), items=[]
        )
    )
    refused = await budget.release(project, contract, 1)
    assert refused.status_code == 422 and "dazhou:第四十九条" in citations(refused)


async def test_supervision_suspension_stops_releases_citing_the_finding_until_resolved(budget):
    project = await budget.with_estimate(500 * WAN)
    contract = await budget.contract(project, 500 * WAN)
    await budget.accept(project)

    def escalated(step):
        return FindingEscalated(
            project_id=project,
            finding_id="F-1",
            unit=UNIT,
            area="funds",
            step=step,
            rule_id="catalog.finding_escalation",
            citation="dazhou:第五十三条",
            escalated_on=clock.today(),
        )

    await budget.deliver(escalated("public_criticism"))
    assert (await budget.release(project, contract, 1 * WAN)).status_code == 201
    await budget.deliver(escalated("suspended"))
    stopped = await budget.release(project, contract, 1 * WAN)
    assert stopped.status_code == 422
    violations = stopped.json()["violations"]
    assert violations[0]["rule_id"] == "catalog.finding_escalation" and "F-1" in violations[0]["message_en"]
    assert {v["rule_id"] for v in violations} == {"catalog.finding_escalation", "budget.release_stopped_by_supervision"}
    shown = (await budget.get(f"/projects/{project}")).json()["releases_stopped_by"]
    assert shown[0]["step"] == "suspended"
    await budget.deliver(FindingResolved(project_id=project, finding_id="F-1", unit=UNIT, resolved_on=clock.today()))
    assert (await budget.release(project, contract, 1 * WAN)).status_code == 201


async def test_a_stale_escalation_does_not_lift_a_suspension(budget):
    """An older escalation delivered after the suspension (out of order) leaves releases stopped."""
    project = await budget.with_estimate(500 * WAN)
    contract = await budget.contract(project, 500 * WAN)
    await budget.accept(project)

    def escalated(step, days_ago):
        return FindingEscalated(
            project_id=project,
            finding_id="F-stale",
            unit=UNIT,
            area="funds",
            step=step,
            rule_id="catalog.finding_escalation",
            citation="dazhou:第五十三条",
            escalated_on=date.fromordinal(clock.today().toordinal() - days_ago),
        )

    await budget.deliver(escalated("suspended", 0))
    await budget.deliver(escalated("public_criticism", 3))
    stopped = await budget.release(project, contract, 1 * WAN)
    assert stopped.status_code == 422
    shown = (await budget.get(f"/projects/{project}")).json()["releases_stopped_by"]
    assert [(f["finding_id"], f["step"]) for f in shown] == [("F-stale", "suspended")]


async def test_a_stale_escalation_after_the_resolution_does_not_stop_releases_again(budget):
    """A resolved finding stays resolved: an older escalation delivered after it (a replay) changes nothing."""
    project = await budget.with_estimate(500 * WAN)
    contract = await budget.contract(project, 500 * WAN)
    await budget.accept(project)
    today = clock.today()
    suspended = FindingEscalated(
        project_id=project, finding_id="F-replayed", unit=UNIT, area="funds", step="suspended",
        rule_id="catalog.finding_escalation", citation="dazhou:第五十三条", escalated_on=today,
    )  # fmt: skip
    await budget.deliver(suspended)
    assert (await budget.release(project, contract, 1 * WAN)).status_code == 422
    await budget.deliver(FindingResolved(project_id=project, finding_id="F-replayed", unit=UNIT, resolved_on=today))
    await budget.deliver(suspended.model_copy(update={"escalated_on": date.fromordinal(today.toordinal() - 2)}))
    assert (await budget.release(project, contract, 1 * WAN)).status_code == 201
    assert (await budget.get(f"/projects/{project}")).json()["releases_stopped_by"] == []


async def test_a_finding_against_the_whole_unit_stops_releases_for_its_projects(budget):
    """Catalog keys a unit-level finding by the finding's own id; its 'suspended' step reaches every
    project of that unit, and no other unit's."""
    project = await budget.with_estimate(500 * WAN)
    contract = await budget.contract(project, 500 * WAN)
    await budget.accept(project)
    against_unit = FindingEscalated(
        project_id="F-UNIT",
        finding_id="F-UNIT",
        unit=UNIT,
        area="information_sharing",
        step="suspended",
        rule_id="supervision.escalation",
        citation="dazhou:第五十三条",
        escalated_on=clock.today(),
    )
    other_unit = against_unit.model_copy(update={"project_id": "F-OTHER", "finding_id": "F-OTHER", "unit": "别的单位"})
    await budget.deliver(other_unit)
    assert (await budget.release(project, contract, 1 * WAN)).status_code == 201
    await budget.deliver(against_unit)
    stopped = await budget.release(project, contract, 1 * WAN)
    assert stopped.status_code == 422 and "F-UNIT" in stopped.json()["violations"][0]["message_en"]


async def test_adjustments_file_at_fifteen_percent_and_need_approval_one_fen_above(budget):
    project = await budget.with_estimate(1000 * WAN)
    path = f"/projects/{project}/adjustments"
    filed = await budget.unit_post(path, {"amount_fen": 100 * WAN, "case": "optimisation"}, key="adj-1")
    assert filed.status_code == 201 and filed.json()["status"] == "filed"
    replay = await budget.unit_post(path, {"amount_fen": 100 * WAN, "case": "optimisation"}, key="adj-1")
    assert replay.json()["id"] == filed.json()["id"]
    exact = await budget.unit_post(path, {"amount_fen": 50 * WAN, "case": "deployment"})
    assert exact.json()["route"] == "filing"  # 150万 of 1000万 = exactly 15%
    over = await budget.unit_post(path, {"amount_fen": 1, "case": "deployment"})
    assert over.json()["status"] == "pending" and over.json()["reasons"][0]["citation"] == "dazhou:第四十五条"
    filed_events = await budget.events("budget.adjustment.filed.v1")
    assert [e["cumulative_fen"] for e in filed_events] == [100 * WAN, 150 * WAN]
    other_unit = await budget.unit_post(path, {"amount_fen": 1, "case": "deployment"}, unit="达州市卫健委")
    assert other_unit.status_code == 403

    # A major change raising the total: approved beforehand → a new estimate revision reaches procurement.
    major = await budget.unit_post(
        path, {"amount_fen": 200 * WAN, "adjusted_total_fen": 1200 * WAN, "case": "deployment", "major": True}
    )
    assert major.json()["status"] == "pending"
    contract = await budget.contract(project, 1000 * WAN)
    await budget.accept(project)
    unfunded = await budget.release(project, contract, 10 * WAN, adjustment_id=major.json()["id"])
    assert unfunded.status_code == 422 and citations(unfunded) == ["dazhou:第四十四条"]
    decided = await budget.post(f"{path}/{major.json()['id']}/decision", {"approve": True}, Role.DATA_BUREAU)
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert (await budget.events("budget.estimate.approved.v1"))[-1] == {
        **(await budget.events("budget.estimate.approved.v1"))[-1],
        "estimate_fen": 1200 * WAN,
        "revision": 2,
    }
    funded = await budget.release(project, contract, 10 * WAN, adjustment_id=major.json()["id"])
    assert funded.status_code == 201
    twice = await budget.post(f"{path}/{major.json()['id']}/decision", {"approve": False}, Role.DATA_BUREAU)
    assert twice.status_code == 409


async def test_annual_budget_lines_and_totals(budget):
    project = await budget.with_estimate(300 * WAN)
    lines = "/annual-budgets"
    prep = await budget.post(
        lines, {"year": 2027, "kind": "preparatory", "amount_fen": 50 * WAN, "project_id": project}
    )
    assert prep.status_code == 201 and prep.json()["unit"] == UNIT
    early = await budget.post(
        lines, {"year": 2027, "kind": "supplementary", "amount_fen": 250 * WAN, "project_id": project}
    )
    assert early.status_code == 422 and citations(early) == ["dazhou:第二十九条"]
    # after the control price (the budget review) the supplement is allowed, up to the estimate
    await budget.post(f"/projects/{project}/control-price/approval", {"control_price_fen": 300 * WAN}, Role.FINANCE)
    above = await budget.post(
        lines, {"year": 2027, "kind": "supplementary", "amount_fen": 250 * WAN + 1, "project_id": project}
    )
    assert above.status_code == 422 and citations(above) == ["dazhou:第二十八条"]
    ok = await budget.post(
        lines, {"year": 2027, "kind": "supplementary", "amount_fen": 250 * WAN, "project_id": project}
    )
    assert ok.status_code == 201
    mid = {
        "year": 2027,
        "kind": "mid_year_addition",
        "amount_fen": 20 * WAN,
        "jurisdiction": "dazhou",
        "unit": "达州市卫健委",
    }
    assert citations(await budget.post(lines, mid)) == ["dazhou:第三十四条"]
    assert (await budget.post(lines, {**mid, "reference": "达市计调〔2027〕3号"})).status_code == 201
    totals = (await budget.get(lines + "/totals", params={"year": 2027})).json()
    (dazhou,) = totals["jurisdictions"]
    assert dazhou["total_fen"] == 320 * WAN and dazhou["by_kind"]["mid_year_addition"] == 20 * WAN
    assert {u["unit"]: u["total_fen"] for u in totals["units"]} == {UNIT: 300 * WAN, "达州市卫健委": 20 * WAN}
    page = (await budget.get(lines, params={"year": 2027, "limit": 2})).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = (await budget.get(lines, params={"year": 2027, "cursor": page["next_cursor"]})).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert (await budget.post(lines, {**mid, "amount_fen": -1})).status_code == 422


async def test_om_budget_needs_the_catalog_and_passing_security(budget):
    travel(date(2026, 9, 1))
    project = await budget.with_estimate(300 * WAN)
    body = {"system_id": f"S-{project}", "funding_year": 2027, "om_type": "new", "amount_fen": 30 * WAN}
    outside = await budget.unit_post("/om-budgets", body)
    assert outside.status_code == 422 and citations(outside) == ["dazhou:第二十一条"]
    await budget.accept(project, items=[("crypto_review", False), ("mlps_test", True)])
    await budget.deliver(
        SystemRegistered(
            project_id=project, system_id=f"S-{project}", unit=UNIT, jurisdiction="dazhou", registered_on=clock.today()
        )
    )
    insecure = await budget.unit_post("/om-budgets", body)
    assert insecure.status_code == 422 and citations(insecure) == ["dazhou:第五十七条"]
    await budget.accept(project, items=[("crypto_review", True)])
    late = await budget.unit_post("/om-budgets", {**body, "funding_year": 2026})
    assert late.status_code == 422 and citations(late) == ["dazhou:第三十二条,第三十三条"]
    requested = await budget.unit_post("/om-budgets", body)
    assert requested.status_code == 201, requested.text
    # retired before finance approves: no O&M money
    await budget.deliver(
        SystemRetired(
            project_id=project, system_id=f"S-{project}", unit=UNIT, reason="zombie", retired_on=clock.today()
        )
    )
    refused = await budget.post(f"/om-budgets/{requested.json()['id']}/approval", None, Role.FINANCE)
    assert refused.status_code == 422 and citations(refused) == ["dazhou:第二十一条"]
    await budget.deliver(
        SystemRegistered(
            project_id=project, system_id=f"S-{project}", unit=UNIT, jurisdiction="dazhou", registered_on=clock.today()
        )
    )
    approved = await budget.post(f"/om-budgets/{requested.json()['id']}/approval", None, Role.FINANCE)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert (await budget.events("budget.om_budget.approved.v1"))[0]["amount_fen"] == 30 * WAN
    totals = (await budget.get("/annual-budgets/totals", params={"year": 2027})).json()
    assert totals["jurisdictions"][0]["by_kind"] == {"om": 30 * WAN}


async def test_quzhou_joint_project_pays_each_level_within_its_share(budget):
    project = await budget.with_estimate(1000 * WAN, jurisdiction="quzhou", unit="衢州市大数据局")
    shares = [
        {"payer": "衢州市财政局", "level": "city", "share_fen": 600 * WAN},
        {"payer": "柯城区财政局", "level": "county", "share_fen": 400 * WAN - 1},
    ]
    off = await budget.put(f"/projects/{project}/shares", {"shares": shares})
    assert off.status_code == 422 and citations(off) == ["quzhou:三(二)3"]
    shares[1]["share_fen"] = 400 * WAN
    assert (await budget.put(f"/projects/{project}/shares", {"shares": shares})).status_code == 200
    contract = await budget.contract(project, 1000 * WAN)
    await budget.accept(project)
    no_payer = await budget.release(project, contract, 10 * WAN)
    assert no_payer.status_code == 400
    over = await budget.release(project, contract, 400 * WAN + 1, payer="柯城区财政局", progress_percent=100)
    assert over.status_code == 422 and citations(over) == ["quzhou:三(二)3"]
    paid = await budget.release(project, contract, 400 * WAN, payer="柯城区财政局", progress_percent=100)
    assert paid.status_code == 201
    dazhou_project = await budget.with_estimate(100 * WAN)
    not_here = await budget.put(f"/projects/{dazhou_project}/shares", {"shares": shares})
    assert not_here.status_code == 422 and not_here.json()["type"].endswith("/not-applicable")


async def test_surplus_is_returned_after_acceptance_and_closes_the_project(budget):
    project = await budget.with_estimate(500 * WAN)
    contract = await budget.contract(project, 450 * WAN)
    early = await budget.post(f"/projects/{project}/surplus-return", {"goals_unchanged": True})
    assert early.status_code == 409
    await budget.accept(project)
    await budget.release(project, contract, 450 * WAN)
    kept = await budget.post(f"/projects/{project}/surplus-return", {"goals_unchanged": False})
    assert kept.json()["route"] == "nothing_to_return" and kept.json()["stage"] == "accepted"
    returned = await budget.post(f"/projects/{project}/surplus-return", {"goals_unchanged": True})
    body = returned.json()
    assert (
        body["route"] == "return_surplus" and body["amount_fen"] == 50 * WAN and body["citation"] == "dazhou:第三十一条"
    )
    assert (await budget.release(project, contract, 1)).status_code == 409


def _task(**kw):
    body = {
        "task_id": f"T-{uuid.uuid4().hex[:8]}",
        "operator_id": "OP-1",
        "jurisdiction": "fengxian",
        "amount_fen": 80 * WAN,
        "accepted_on": "2026-09-01",
        "third_party_check": {
            "reviewer": "上海某评审机构",
            "reference": "评审〔2026〕12号",
            "checked_on": "2026-09-05",
            "confirmed_amount_fen": 80 * WAN,
        },
    }
    return {**body, **kw}


async def test_data_operation_task_is_paid_once_only_after_acceptance_and_the_check(budget):
    path = "/data-operation-payments"
    body = _task()
    assert (await budget.post(path, body, Role.PLATFORM)).status_code == 400  # no Idempotency-Key
    unaccepted = await budget.post(path, {**body, "accepted_on": None}, Role.PLATFORM, key="t-0")
    assert unaccepted.status_code == 422 and citations(unaccepted) == ["fengxian:第三十六条"]
    unchecked = await budget.post(path, {**body, "third_party_check": None}, Role.PLATFORM, key="t-1")
    assert unchecked.status_code == 422 and citations(unchecked) == ["fengxian:第三十六条"]
    more = await budget.post(path, {**body, "amount_fen": 80 * WAN + 1}, Role.PLATFORM, key="t-2")
    assert more.status_code == 422 and citations(more) == ["fengxian:第三十五条"]
    assert (await budget.post(path, body, Role.UNIT, unit=UNIT, key="t-3")).status_code == 403

    paid = await budget.post(path, body, Role.PLATFORM, key="t-4")
    assert paid.status_code == 201, paid.text
    replay = await budget.post(path, body, Role.PLATFORM, key="t-4")
    assert replay.status_code == 201 and replay.json()["payment_id"] == paid.json()["payment_id"]
    second = await budget.post(path, body, Role.PLATFORM, key="t-5")
    assert second.status_code == 409 and second.json()["payment_id"] == paid.json()["payment_id"]
    (event,) = await budget.events("budget.data_operation.paid.v1")
    assert event["task_id"] == body["task_id"] and event["amount_fen"] == 80 * WAN
    got = await budget.get(f"{path}/{body['task_id']}", Role.DATA_BUREAU)
    assert got.json()["check_reference"] == "评审〔2026〕12号"
    dazhou = await budget.post(path, _task(jurisdiction="dazhou"), Role.PLATFORM, key="t-6")
    assert dazhou.status_code == 422 and dazhou.json()["type"].endswith("/not-applicable")


async def test_gauges_show_amounts_by_jurisdiction_and_stage(budget):
    await budget.with_estimate(123 * WAN, jurisdiction="suqian")
    await budget.sweep()
    value = REGISTRY.get_sample_value(
        "govproj_budget_project_amounts_yuan",
        {"jurisdiction": "suqian", "stage": "estimate_approved", "measure": "estimate"},
    )
    assert value == 123 * WAN / 100


async def test_project_list_pages_and_scopes_unit_staff(budget):
    for _ in range(3):
        await budget.approved_project()
    await budget.approved_project(unit="达州市卫健委")
    page = (await budget.get("/projects", params={"limit": 2})).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    mine = (await budget.get("/projects", Role.UNIT, unit="达州市卫健委")).json()
    assert [p["unit"] for p in mine["items"]] == ["达州市卫健委"]


async def test_the_technical_review_needs_the_information_resource_catalog(budget):
    """dazhou:第二十六条: the catalog is a precondition of the technical review, so of the estimate."""
    project = await budget.approved_project(materials=())
    refused = await budget.post(f"/projects/{project}/estimate", {"estimate_fen": 900 * WAN}, Role.DATA_BUREAU)
    assert refused.status_code == 422
    [violation] = refused.json()["violations"]
    assert (violation["rule_id"], violation["citation"]) == ("catalog.resource_catalog_required", "dazhou:第二十六条")
    assert (await budget.get(f"/projects/{project}")).json()["estimate_fen"] is None  # nothing written


async def test_quzhou_pays_by_confirmed_progress(budget):
    """quzhou:三(四) 按项目实施进度及时支付: a contract's payments in total stay within its confirmed progress."""
    project = await budget.with_estimate(1000 * WAN, jurisdiction="quzhou", unit="衢州市大数据局")
    contract = await budget.contract(project, 1000 * WAN)
    no_progress = await budget.release(project, contract, 10 * WAN)
    assert no_progress.status_code == 400 and no_progress.json()["field"] == "progress_percent"
    assert no_progress.json()["citation"] == "quzhou:三(四)"
    # 30% of a 1000万 contract is 300万: exactly 300万 passes, one fen more is refused
    assert (await budget.release(project, contract, 200 * WAN, progress_percent=30)).status_code == 201
    over = await budget.release(project, contract, 100 * WAN + 1, progress_percent=30)
    assert over.status_code == 422 and citations(over) == ["quzhou:三(四)"]
    assert (await budget.release(project, contract, 100 * WAN, progress_percent=30)).status_code == 201
    # dazhou pays after acceptance, not by progress: the field is not asked for
    dazhou = await budget.with_estimate(100 * WAN)
    dazhou_contract = await budget.contract(dazhou, 100 * WAN)
    await budget.accept(dazhou)
    assert (await budget.release(dazhou, dazhou_contract, 10 * WAN)).status_code == 201
