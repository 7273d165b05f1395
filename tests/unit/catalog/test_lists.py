"""The catalog's lists on SQLite: 系统目录 searched by part of a name, filtered, sorted, paged with totals over
the whole query, and exported as a spreadsheet that openpyxl reads back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from services.catalog.tables import System
from shared.auth import Role

SYSTEMS = "/api/catalog/systems"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def add_system(catalog, id: str, name: str, unit: str, jurisdiction: str, registered_on: date, **extra):
    async with catalog.runtime.unit_of_work() as uow:
        uow.session.add(
            System(
                id=id,
                name=name,
                unit=unit,
                jurisdiction=jurisdiction,
                registered_on=registered_on,
                created_at=NOW,
                updated_at=NOW,
                origin="stock_import",
                **extra,
            )
        )


@pytest.fixture
async def systems(catalog):
    await add_system(catalog, "S-01", "智慧教育平台", "达州市教育局", "dazhou", date(2023, 3, 1))
    await add_system(catalog, "S-02", "教育资源公共服务平台", "达州市教育局", "dazhou", date(2024, 5, 2))
    await add_system(catalog, "S-03", "医保结算系统", "达州市医疗保障局", "dazhou", date(2024, 7, 9), state="suspended")
    await add_system(catalog, "S-04", "不动产登记系统", "济源市自然资源局", "jiyuan", date(2024, 1, 5))
    await add_system(
        catalog, "S-05", "智慧城管平台", "衢州市城市管理局", "quzhou", date(2022, 9, 9), zombie_since=date(2025, 6, 1)
    )
    await add_system(catalog, "S-06", "涉密教育档案系统", "达州市公安局", "dazhou", date(2024, 2, 2), secret=True)
    for n in range(7, 31):  # enough for a few pages
        await add_system(
            catalog,
            f"S-{n:02d}",
            f"政务服务系统{n:02d}",
            "宿迁市政务服务管理办公室",
            "suqian",
            date(2025, 1, n % 28 + 1),
        )
    return catalog


async def listed(catalog, role=Role.DATA_BUREAU, **params):
    response = await catalog.get(SYSTEMS, role, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(body) -> list[str]:
    return [row["id"] for row in body["items"]]


async def test_search_by_part_of_the_name_and_of_the_unit(systems):
    body = await listed(systems, q="教育")
    assert ids(body) == ["S-01", "S-02"]  # the secret system's name is not searched for an uncleared reader
    assert body["total"] == 2
    cleared = (await systems.get(SYSTEMS, params={"q": "教育"}, cleared=True)).json()
    assert [row["id"] for row in cleared["items"]] == ["S-01", "S-02", "S-06"]
    assert ids(await listed(systems, unit_name="医疗保障")) == ["S-03"]
    # LIKE's wildcards are taken literally
    assert (await listed(systems, q="%"))["total"] == 0


async def test_filters_combine_and_the_total_covers_the_whole_query(systems):
    body = await listed(systems, jurisdiction="suqian", limit=10)
    assert len(body["items"]) == 10 and body["total"] == 24 and body["next_cursor"] == "S-16"
    assert ids(await listed(systems, jurisdiction="dazhou", year=2024, state="running")) == ["S-02", "S-06"]
    assert ids(await listed(systems, zombie=True)) == ["S-05"]
    assert (await listed(systems, zombie=False))["total"] == 29


async def test_sorting_and_offset_pages(systems):
    by_day = await listed(systems, jurisdiction="dazhou", sort="registered_on", order="desc")
    assert ids(by_day) == ["S-03", "S-02", "S-06", "S-01"]
    by_name = await listed(systems, jurisdiction="dazhou", sort="name")
    # an uncleared reader's sort by name leaves other units' secret systems out (their place would tell)
    assert ids(by_name) == ["S-03", "S-02", "S-01"]
    first = await listed(systems, jurisdiction="suqian", sort="name", limit=10)
    second = await listed(systems, jurisdiction="suqian", sort="name", limit=10, offset=10)
    assert first["next_cursor"] is None and second["offset"] == 10
    names = [row["name"] for row in first["items"] + second["items"]]
    assert names == sorted(names) and len(set(names)) == 20


async def test_a_unit_lists_only_its_own_systems(systems):
    body = (await systems.get(SYSTEMS, Role.UNIT, unit="达州市教育局")).json()
    assert ids(body) == ["S-01", "S-02"] and body["total"] == 2
    other = (await systems.get(SYSTEMS, Role.UNIT, unit="达州市教育局", params={"unit": "达州市医疗保障局"})).json()
    assert [row["id"] for row in other["items"]] == ["S-01", "S-02"]


async def test_bad_filters_are_problems_naming_the_field(systems):
    for params, field in (({"sort": "price"}, "sort"), ({"year": 1800}, "year"), ({"offset": -1}, "offset")):
        response = await systems.get(SYSTEMS, params=params)
        assert response.status_code == 422, params
        assert field in response.text


async def test_the_spreadsheet_holds_the_filtered_query(systems):
    response = await systems.get(f"{SYSTEMS}.xlsx", params={"jurisdiction": "dazhou", "sort": "registered_on"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert response.headers["x-total-count"] == "4"
    book = load_workbook(BytesIO(response.content))
    rows = list(book["系统目录"].iter_rows(values_only=True))
    assert rows[0][:5] == ("系统编号", "系统名称", "建设单位", "辖区", "状态")
    assert [row[0] for row in rows[1:]] == ["S-01", "S-06", "S-02", "S-03"]
    assert rows[2][1] == "（涉密系统）"  # the secret name stays hidden in the file too
    assert rows[4][4] == "已暂停"
    assert next(book["说明"].iter_rows(values_only=True)) == ("符合条件的条数", 4)
