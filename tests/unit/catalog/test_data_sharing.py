"""Catalog feeds the unit's data obligations to intake (dazhou:第二十三条,第二十四条): the bureau's finding on a
system's data sharing and each new information resource publish catalog.system.data_sharing_changed.v1."""

from __future__ import annotations

from shared.auth import Role

UNIT = "达州市教育局"


async def _patch(catalog, system_id: str, status: str, role: Role = Role.DATA_BUREAU):
    return await catalog.client.patch(
        f"/api/catalog/systems/{system_id}/data-sharing",
        json={"data_sharing_status": status},
        headers=catalog.headers(role),
    )


async def test_the_bureau_records_a_systems_data_sharing_and_intake_is_told(catalog):
    system_id = await catalog.accept()
    response = await _patch(catalog, system_id, "partly")
    assert response.status_code == 200, response.text
    assert response.json()["data_sharing_status"] == "partly"
    [event] = await catalog.events("catalog.system.data_sharing_changed.v1")
    assert event["system_id"] == system_id and event["unit"] == UNIT and event["jurisdiction"] == "dazhou"
    assert event["data_sharing_status"] == "partly" and event["resources"] == 0


async def test_a_unit_cannot_grade_its_own_data_sharing_nor_send_an_unknown_status(catalog):
    system_id = await catalog.accept()
    assert (await _patch(catalog, system_id, "shared", Role.UNIT)).status_code == 403
    bad = await _patch(catalog, system_id, "mostly")
    assert bad.status_code == 422 and "data_sharing_status" in bad.text
    assert await catalog.events("catalog.system.data_sharing_changed.v1") == []


async def test_each_new_resource_publishes_the_systems_counts(catalog):
    system_id = await catalog.accept()
    path = f"/api/catalog/systems/{system_id}/resources"
    shared = {"name": "学校名录", "fields": ["学校"], "sharing_level": "unconditional"}
    closed = {"name": "健康档案", "fields": ["姓名"], "sharing_level": "not_shared", "not_shared_reason": "个保法"}
    assert (await catalog.post(path, shared, Role.UNIT, unit=UNIT)).status_code == 201
    assert (await catalog.post(path, closed, Role.UNIT, unit=UNIT)).status_code == 201
    events = await catalog.events("catalog.system.data_sharing_changed.v1")
    assert [(e["resources"], e["resources_shared"]) for e in events] == [(1, 1), (2, 1)]
