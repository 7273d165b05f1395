"""The findings and data-operation task lists on SQLite: search by part of the text, filters (overdue on the
injected clock), sorting, offset pages with totals over the whole query, and the spreadsheets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from services.catalog.data_operations.tables import DataOperationTask
from services.catalog.oversight.tables import Finding
from shared import clock
from shared.auth import Role

FINDINGS = "/api/catalog/findings"
TASKS = "/api/catalog/data-operations/tasks"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def add(hub, *rows) -> None:
    async with hub.runtime.unit_of_work() as uow:
        for row in rows:
            uow.session.add(row)


def finding(id: str, unit: str, description: str, recorded_on: date, rectify_by: date, **extra) -> Finding:
    return Finding(
        id=id,
        project_id=f"P-{id}",
        subject=f"P-{id}",
        unit=unit,
        jurisdiction=extra.pop("jurisdiction", "dazhou"),
        area=extra.pop("area", "funds"),
        description=description,
        recorded_by="bureau",
        recorded_role="data_bureau",
        recorded_on=recorded_on,
        rectify_by=rectify_by,
        created_at=NOW,
        **extra,
    )


def task(id: str, title: str, year: int, amount_wan: int, due_on: date | None, **extra) -> DataOperationTask:
    return DataOperationTask(
        id=id,
        jurisdiction=extra.pop("jurisdiction", "fengxian"),
        year=year,
        work_item="公共数据运营年度任务",
        service_id="DS-1",
        operator_id=extra.pop("operator_id", "OP-1"),
        title=title,
        planned_amount_fen=amount_wan * 1_000_000,
        due_on=due_on,
        dispatched_by="bureau",
        dispatched_on=extra.pop("dispatched_on", date(year, 2, 1)),
        **extra,
    )


@pytest.fixture
async def listed(hub):
    today = clock.today()
    await add(
        hub,
        finding("F-1", "达州市教育局", "概算超批复投资未报批", date(2025, 3, 1), today - timedelta(days=5)),
        finding("F-2", "达州市教育局", "合同未按规定备案", date(2025, 4, 1), today + timedelta(days=20)),
        finding(
            "F-3", "达州市医疗保障局", "资金拨付超进度", date(2024, 6, 1), today - timedelta(days=40), status="resolved"
        ),
        finding("F-4", "达州市公安局", "涉密概算超标", date(2025, 5, 1), today + timedelta(days=3), secret=True),
        task("T-1", "公共数据质量提升服务", 2025, 80, today - timedelta(days=2)),
        task("T-2", "数据资源目录编制服务", 2025, 30, today + timedelta(days=30), status="delivered"),
        task("T-3", "公共数据开放平台运维", 2024, 120, today - timedelta(days=90), status="accepted"),
        task("T-4", "数据质量评估服务", 2025, 50, None, operator_id="OP-2"),
    )
    return hub


async def body(hub, path, role=Role.DATA_BUREAU, **params):
    response = await hub.get(path, role, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(answer) -> list[str]:
    return [row["id"] for row in answer["items"]]


async def test_findings_are_searched_filtered_and_sorted_with_totals(listed):
    # an uncleared reader's search leaves out the secret finding, whose text is hidden from it
    assert ids(await body(listed, FINDINGS, q="概算")) == ["F-1"]
    assert ids(await body(listed, FINDINGS, unit_name="教育")) == ["F-1", "F-2"]
    overdue = await body(listed, FINDINGS, overdue="true")
    assert ids(overdue) == ["F-1"] and overdue["total"] == 1  # F-3 is past its day but resolved
    assert ids(await body(listed, FINDINGS, year=2025, sort="rectify_by")) == ["F-1", "F-4", "F-2"]
    first = await body(listed, FINDINGS, sort="recorded_on", order="desc", limit=2)
    second = await body(listed, FINDINGS, sort="recorded_on", order="desc", limit=2, offset=2)
    assert (ids(first), ids(second), first["total"]) == (["F-4", "F-2"], ["F-1", "F-3"], 4)
    # unit staff see their unit's only
    own = (await listed.get(FINDINGS, Role.UNIT, unit="达州市教育局")).json()
    assert ids(own) == ["F-1", "F-2"] and own["total"] == 2


async def test_tasks_are_searched_filtered_and_sorted_with_totals(listed):
    assert ids(await body(listed, TASKS, q="评估")) == ["T-4"]
    assert ids(await body(listed, TASKS, q="质量")) == ["T-1", "T-4"]
    assert ids(await body(listed, TASKS, overdue="true")) == ["T-1"]  # T-3 is accepted
    assert ids(await body(listed, TASKS, year=2025, sort="amount", order="desc")) == ["T-1", "T-4", "T-2"]
    page = await body(listed, TASKS, limit=3)
    assert page["total"] == 4 and page["next_cursor"] == "T-3"
    # an operator sees only its own tasks, and its count is of those
    own = (await listed.get(TASKS, Role.DATA_OPERATOR, unit="OP-2")).json()
    assert ids(own) == ["T-4"] and own["total"] == 1


async def test_bad_list_parameters_are_problems_naming_the_field(listed):
    for path, params, field in (
        (FINDINGS, {"sort": "severity"}, "sort"),
        (FINDINGS, {"overdue": "maybe"}, "overdue"),
        (TASKS, {"year": 3000}, "year"),
        (TASKS, {"offset": 100_001}, "offset"),
    ):
        response = await listed.get(path, params=params)
        assert response.status_code == 422, (path, params)
        assert field in response.text


async def test_the_findings_and_tasks_spreadsheets_hold_the_filtered_query(listed):
    sheet = await listed.get(f"{FINDINGS}.xlsx", params={"unit_name": "达州", "sort": "recorded_on"})
    assert sheet.status_code == 200 and sheet.headers["x-total-count"] == "4"
    rows = list(load_workbook(BytesIO(sheet.content))["监督检查问题"].iter_rows(values_only=True))
    assert rows[0][:3] == ("问题编号", "项目编号", "责任单位")
    assert [r[0] for r in rows[1:]] == ["F-3", "F-1", "F-2", "F-4"]
    assert rows[1][8] == "已销号" and rows[4][5] == "（涉密项目）"

    sheet = await listed.get(f"{TASKS}.xlsx", params={"year": 2025, "sort": "due_on"})
    assert sheet.headers["x-total-count"] == "3"
    rows = list(load_workbook(BytesIO(sheet.content))["数据运营任务"].iter_rows(values_only=True))
    assert rows[0][7] == "计划金额（元）"
    assert {r[0]: float(r[7]) for r in rows[1:]} == {"T-1": 800_000.0, "T-2": 300_000.0, "T-4": 500_000.0}
