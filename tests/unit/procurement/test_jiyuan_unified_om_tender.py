"""jiyuan:运行维护 "政务服务和大数据管理局每年根据各项目单位申报运维情况,统一进行运维招投标工作": the O&M budgets budget
approved for the unified tender are collected per year (others are not), and the bureau — no other department, 403
citing the article — tenders them once, one tender whose ceiling is their sum, recorded with the rule. A
jurisdiction whose text has no unified tender answers not-on-path."""

from __future__ import annotations

from shared.auth import Role
from shared.contracts.budget import OmBudgetApproved
from tests.unit.procurement.conftest import WAN

YEAR = 2027
BODY = {
    "jurisdiction": "jiyuan",
    "funding_year": YEAR,
    "title": "2027年度示范区统一运维服务",
    "published_on": "2027-01-20",
}


def approved(om_budget_id: str, amount_fen: int, *, unified: bool = True, jurisdiction: str = "jiyuan"):
    return OmBudgetApproved(
        project_id=f"P-{om_budget_id}",
        om_budget_id=om_budget_id,
        system_id=f"S-{om_budget_id}",
        unit="济源示范区教育局",
        jurisdiction=jurisdiction,
        funding_year=YEAR,
        amount_fen=amount_fen,
        unified_tender=unified,
    )


async def test_the_bureau_tenders_the_years_om_once_for_all_units(procurement):
    for payload in (approved("OM-1", 20 * WAN), approved("OM-2", 15 * WAN), approved("OM-3", 9 * WAN, unified=False)):
        await procurement.deliver(payload)
    await procurement.deliver(approved("OM-1", 20 * WAN))  # seen twice: once
    year = (
        await procurement.get("/om-tenders", Role.DATA_BUREAU, params={"jurisdiction": "jiyuan", "year": YEAR})
    ).json()
    assert [line["om_budget_id"] for line in year["lines"]] == ["OM-1", "OM-2"] and year["total_fen"] == 35 * WAN
    assert year["tender"] is None
    by_finance = await procurement.post("/om-tenders", BODY, Role.FINANCE)
    assert by_finance.status_code == 403 and by_finance.json()["citation"] == "jiyuan:运行维护"
    published = await procurement.post("/om-tenders", BODY, Role.DATA_BUREAU)
    assert published.status_code == 201, published.text
    tender = published.json()
    assert (tender["ceiling_fen"], tender["line_count"]) == (35 * WAN, 2)
    assert (tender["rule_id"], tender["citation"]) == ("budget.om_unified_tender", "jiyuan:运行维护")
    year = (
        await procurement.get("/om-tenders", Role.DATA_BUREAU, params={"jurisdiction": "jiyuan", "year": YEAR})
    ).json()
    assert {line["tender_id"] for line in year["lines"]} == {tender["id"]} and year["tender"]["id"] == tender["id"]
    assert (await procurement.post("/om-tenders", BODY, Role.DATA_BUREAU)).status_code == 409


async def test_nothing_to_tender_and_other_jurisdictions(procurement):
    empty = await procurement.post("/om-tenders", {**BODY, "funding_year": YEAR + 1}, Role.DATA_BUREAU)
    assert empty.status_code == 422 and empty.json()["violations"][0]["citation"] == "jiyuan:运行维护"
    dazhou = await procurement.post("/om-tenders", {**BODY, "jurisdiction": "dazhou"}, Role.DATA_BUREAU)
    assert dazhou.status_code == 409 and dazhou.json()["type"].endswith("/not-on-path")
