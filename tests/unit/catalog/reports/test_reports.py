"""Periodic reports from the read model: periods, money, secret projects unnamed, the spreadsheet."""

from __future__ import annotations

import io
import uuid
from datetime import date

import pytest
from openpyxl import load_workbook

from services.catalog.reports import domain
from shared import clock
from shared.contracts.budget import EstimateApproved, FundsReleased
from shared.contracts.procurement import ContractSigned

REPORTS = "/api/catalog/reports"


@pytest.mark.parametrize(
    ("label", "kind", "start", "end"),
    [
        ("2026-03", "month", date(2026, 3, 1), date(2026, 4, 1)),
        ("2026-12", "month", date(2026, 12, 1), date(2027, 1, 1)),
        ("2026-Q4", "quarter", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026-H1", "half_year", date(2026, 1, 1), date(2026, 7, 1)),
        ("2026", "year", date(2026, 1, 1), date(2027, 1, 1)),
    ],
)
def test_periods(label, kind, start, end):
    period = domain.parse(label)
    assert (period.kind, period.start, period.end) == (kind, start, end)
    assert period.contains(start) and not period.contains(end)


@pytest.mark.parametrize("label", ["2026-13", "2026-Q5", "2026-H3", "26", "2026-3"])
def test_bad_periods(label):
    with pytest.raises(ValueError):
        domain.parse(label)


async def test_report_counts_money_and_hides_secret_names(hub):
    today = clock.today()
    open_project = await hub.approved_project(total_fen=5_000_000_00)
    secret = await hub.approved_project(secret=True, total_fen=2_000_000_00)
    elsewhere = await hub.approved_project("fengxian", "奉贤区教育局")
    for project, amount in ((open_project, 4_000_000_00), (secret, 1_500_000_00), (elsewhere, 1)):
        for revision, estimate in ((1, amount + 7), (2, amount)):  # the latest revision counts
            await hub.deliver(
                EstimateApproved(
                    project_id=project,
                    unit="u",
                    jurisdiction="dazhou",
                    estimate_fen=estimate,
                    approved_on=today,
                    revision=revision,
                )
            )
    await hub.deliver(
        ContractSigned(
            project_id=open_project,
            contract_id="C-1",
            unit="u",
            jurisdiction="dazhou",
            supplier="s",
            amount_fen=3_000_000_00,
            signed_on=today,
            planned_completion=today,
        )
    )
    release = FundsReleased(
        project_id=secret,
        release_id=f"R-{uuid.uuid4().hex[:6]}",
        contract_id="C-2",
        amount_fen=100,
        released_total_fen=100,
    )
    await hub.deliver(release)
    await hub.deliver(release)  # redelivered: counted once
    month = f"{today.year:04d}-{today.month:02d}"
    response = await hub.get(REPORTS, params={"period": month, "jurisdiction": "dazhou"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["projects"]["approved"] == 2 and report["projects"]["secret_approved"] == 1
    assert [p["project_id"] for p in report["projects"]["approved_projects"]] == [open_project]
    assert secret not in response.text
    assert report["money"] == {
        "estimated_fen": 5_500_000_00,
        "contracted_fen": 3_000_000_00,
        "released_fen": 100,
        "secret_projects_included": 1,
    }
    previous = await hub.get(REPORTS, params={"period": f"{today.year - 1}", "jurisdiction": "dazhou"})
    assert previous.json()["projects"]["approved"] == 0
    assert (await hub.get(REPORTS, params={"period": "2026-Q9"})).status_code == 400

    sheet = await hub.get(f"{REPORTS}.xlsx", params={"period": month})
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("application/vnd.openxml")
    book = load_workbook(io.BytesIO(sheet.content))
    rows = {(r[0], r[1]): r[2] for r in book["summary 汇总"].iter_rows(min_row=6, values_only=True) if r[0]}
    assert rows[("money", "contracted_fen")] == 3_000_000_00
    assert secret not in str([list(r) for r in book["approved projects"].iter_rows(values_only=True)])


async def test_report_includes_findings_and_refuses_units(hub):
    project = await hub.approved_project()
    await hub.post("/api/catalog/findings", {"project_id": project, "area": "funds"}, key=uuid.uuid4().hex)
    report = (await hub.get(REPORTS, params={"kind": "year"})).json()
    assert report["findings"]["recorded"] == 1 and report["findings"]["by_area"] == {"funds": 1}
    from shared.auth import Role

    assert (await hub.get(REPORTS, Role.UNIT, unit="达州市教育局")).status_code == 403


async def test_systems_in_the_catalog_at_the_end_of_each_period(hub):
    from shared.contracts.acceptance import ProjectAccepted

    await hub.deliver(
        ProjectAccepted(
            project_id=f"P-{uuid.uuid4().hex[:8]}",
            unit="达州市教育局",
            jurisdiction="dazhou",
            path="dazhou",
            accepted_on=date(2026, 2, 10),
            documents=["acceptance_report"],
            system_name="智慧教育平台",
        )
    )
    january = (await hub.get(REPORTS, params={"period": "2026-01", "jurisdiction": "dazhou"})).json()["systems"]
    february = (await hub.get(REPORTS, params={"period": "2026-02", "jurisdiction": "dazhou"})).json()["systems"]
    assert february["live_at_period_end"] == january["live_at_period_end"] + 1
    assert february["registered"] == january["registered"] + 1
