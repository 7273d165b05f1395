"""Government data a project produces is managed by the bureau (dazhou:第六十条 "由市数字经济局…集中统一管理";
quzhou:三(三)4 "归口市大数据局管理", Quzhou's own words): recorded when a system enters the catalog and with the
bureau's data-sharing findings, and shown on the system."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.catalog.domain import operations
from services.catalog.tables import schema
from shared.auth import Role
from shared.policy import packs

RULE = "catalog.data_ownership"


async def _decisions(catalog, subject: str) -> list:
    async with catalog.runtime.engine.connect() as conn:
        rows = await conn.execute(sa.select(schema.decisions).where(schema.decisions.c.subject == subject))
        return [row for row in rows if row.rule_id == RULE]


@pytest.mark.parametrize(
    ("jurisdiction", "unit", "citation"),
    [("dazhou", "达州市教育局", "dazhou:第六十条"), ("quzhou", "衢州市教育局", "quzhou:三(三)4")],
)
async def test_a_system_entering_the_catalog_records_the_bureau_as_manager_of_its_data(
    catalog, jurisdiction, unit, citation
):
    system_id = await catalog.accept(jurisdiction=jurisdiction, unit=unit)
    project = system_id.removeprefix("S-")
    [decision] = await _decisions(catalog, project)
    assert (decision.citation, decision.action, decision.outcome) == (citation, "system.registered", "info")
    shown = (await catalog.get(f"/api/catalog/systems/{system_id}")).json()
    assert (shown["data_managed_by"], shown["data_managed_by_citation"]) == ("data_bureau", citation)


async def test_the_bureaus_data_sharing_finding_is_made_as_the_data_manager(catalog):
    system_id = await catalog.accept()
    response = await catalog.client.patch(
        f"/api/catalog/systems/{system_id}/data-sharing",
        json={"data_sharing_status": "shared"},
        headers=catalog.headers(Role.DATA_BUREAU),
    )
    assert response.status_code == 200, response.text
    actions = [d.action for d in await _decisions(catalog, system_id.removeprefix("S-"))]
    assert actions == ["system.registered", "system.data_sharing_updated"]


def test_quzhou_quotes_its_own_item_not_dazhous_article():
    packs.load_all()
    quzhou = operations.data_ownership_decision(packs.get("quzhou"))
    dazhou = operations.data_ownership_decision(packs.default)
    assert quzhou is not None and dazhou is not None
    assert quzhou.citation == "quzhou:三(三)4" and "归口市大数据局管理" in quzhou.quote
    assert dazhou.citation == "dazhou:第六十条" and "市数字经济局" in dazhou.quote
    assert quzhou.value == dazhou.value == "data_bureau"
