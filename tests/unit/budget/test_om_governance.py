"""O&M governance: who reviews O&M money (dazhou:第三十三条; fengxian:第二十九条; jiyuan:职责,运行维护), jiyuan's
annual unified O&M tender (jiyuan:运行维护), and fengxian's stop of an O&M project whose system is no longer
used (fengxian:第二十二条)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from services.budget.tables import schema
from shared import clock
from shared.auth import Role
from shared.contracts.catalog import SystemRegistered, SystemRetired, SystemStateChanged
from tests.unit.budget.conftest import UNIT, WAN, travel


async def _system(budget, jurisdiction: str) -> str:
    project = await budget.with_estimate(300 * WAN, jurisdiction=jurisdiction)
    await budget.accept(project, jurisdiction=jurisdiction, items=[("crypto_review", True), ("mlps_test", True)])
    system = f"S-{project}"
    await budget.deliver(
        SystemRegistered(
            project_id=project, system_id=system, unit=UNIT, jurisdiction=jurisdiction, registered_on=clock.today()
        )
    )
    return system


async def _request(budget, system: str, year: int = 2027, **extra) -> str:
    body = {"system_id": system, "funding_year": year, "om_type": "new", "amount_fen": 20 * WAN, **extra}
    response = await budget.unit_post("/om-budgets", body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _decide(budget, om_budget_id: str, role: Role):
    return await budget.post(f"/om-budgets/{om_budget_id}/approval", None, role)


async def test_fengxian_the_bureau_reviews_o_and_m_fees_before_finance_arranges_them(budget):
    travel(date(2026, 9, 1))
    om = await _request(budget, await _system(budget, "fengxian"))
    # finance cannot go first: the bureau reviews (fengxian:第二十九条)
    early = await _decide(budget, om, Role.FINANCE)
    assert early.status_code == 403 and early.json()["citation"] == "fengxian:第二十九条"
    assert early.json()["waiting_for"] == "data_bureau"
    reviewed = await _decide(budget, om, Role.DATA_BUREAU)
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "reviewed"
    assert await budget.events("budget.om_budget.approved.v1") == []  # not yet money
    # the bureau cannot also arrange the money
    assert (await _decide(budget, om, Role.DATA_BUREAU)).status_code == 403
    approved = await _decide(budget, om, Role.FINANCE)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    [event] = await budget.events("budget.om_budget.approved.v1")
    assert event["om_budget_id"] == om and event["unified_tender"] is False


async def test_dazhou_finance_reviews_alone_and_the_bureau_has_no_step(budget):
    travel(date(2026, 9, 1))
    om = await _request(budget, await _system(budget, "dazhou"))
    assert (await _decide(budget, om, Role.DATA_BUREAU)).status_code == 403
    approved = await _decide(budget, om, Role.FINANCE)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


async def test_jiyuan_the_bureau_reviews_and_takes_the_request_into_the_unified_annual_tender(budget):
    travel(date(2026, 9, 1))
    system = await _system(budget, "jiyuan")
    project = system.removeprefix("S-")
    om = await _request(budget, system, free_maintenance_ends_on="2026-08-31")
    assert (await _decide(budget, om, Role.FINANCE)).status_code == 403
    reviewed = await _decide(budget, om, Role.DATA_BUREAU)
    assert reviewed.json()["status"] == "reviewed" and reviewed.json()["unified_tender"] is True
    approved = await _decide(budget, om, Role.FINANCE)
    assert approved.status_code == 200
    [event] = await budget.events("budget.om_budget.approved.v1")
    assert event["unified_tender"] is True
    async with budget.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(schema.decisions).where(schema.decisions.c.subject == project))).all()
    # the decision trail names both rules with their citations, recorded at the bureau's review
    cited = {(row.rule_id, row.citation, row.action) for row in rows}
    assert ("budget.om_unified_tender", "jiyuan:运行维护", "om_budget.reviewed") in cited
    assert ("budget.om_review_route", "jiyuan:职责,运行维护", "om_budget.approved") in cited


async def test_fengxian_a_suspended_system_stops_its_o_and_m_budgets_of_that_year_and_later(budget):
    travel(date(2026, 9, 1))
    system = await _system(budget, "fengxian")
    past = await _request(budget, system, 2027)
    await _decide(budget, past, Role.DATA_BUREAU)
    await _decide(budget, past, Role.FINANCE)
    travel(date(2027, 3, 1))
    pending = await _request(budget, system, 2028)
    await budget.deliver(
        SystemStateChanged(
            project_id=system.removeprefix("S-"),
            system_id=system,
            unit=UNIT,
            state="suspended",
            previous="running",
            reason="停用",
            changed_on=date(2027, 3, 2),
        )
    )
    stopped = {e["om_budget_id"]: e for e in await budget.events("budget.om_budget.stopped.v1")}
    assert set(stopped) == {past, pending}
    assert stopped[past]["previous_status"] == "approved" and stopped[past]["citation"] == "fengxian:第二十二条"
    listed = {row["id"]: row for row in (await budget.get("/om-budgets")).json()["items"]}
    assert listed[pending]["status"] == "stopped" and listed[pending]["stopped_on"] == "2027-03-02"
    # a stopped request cannot be reviewed on
    assert (await _decide(budget, pending, Role.DATA_BUREAU)).status_code == 409


async def test_a_budget_of_an_earlier_year_and_other_jurisdictions_are_not_stopped(budget):
    travel(date(2026, 9, 1))
    fx = await _system(budget, "fengxian")
    old = await _request(budget, fx, 2027)
    dz = await _system(budget, "dazhou")
    dz_om = await _request(budget, dz, 2027)
    travel(date(2028, 2, 1))
    for system in (fx, dz):
        await budget.deliver(
            SystemRetired(
                project_id=system.removeprefix("S-"),
                system_id=system,
                unit=UNIT,
                reason="永久停用",
                retired_on=date(2028, 2, 1),
            )
        )
    assert await budget.events("budget.om_budget.stopped.v1") == []  # 2027's money is of a year before the stop
    listed = {row["id"]: row["status"] for row in (await budget.get("/om-budgets")).json()["items"]}
    assert listed[old] == "requested" and listed[dz_om] == "requested"
