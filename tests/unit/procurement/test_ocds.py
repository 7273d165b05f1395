"""OCDS 1.1: the release package and the record the service publishes validate against the published
OCDS 1.1.5 release schema (vendored in services/procurement/ocds/, see SCHEMA-LICENSE.md) with jsonschema."""

from __future__ import annotations

import json
from datetime import timedelta

import jsonschema
import pytest

from services.procurement import ocds
from shared import clock
from shared.auth import Role

from .conftest import WAN
from .test_api import tendered

SCHEMA = json.loads(ocds.RELEASE_SCHEMA.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def errors(release: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(release)]


def test_the_vendored_schema_is_the_published_ocds_1_1_release_schema():
    assert SCHEMA["id"] == "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
    assert SCHEMA["required"] == ["ocid", "id", "date", "tag", "initiationType"]
    jsonschema.Draft4Validator.check_schema(SCHEMA)


def test_the_validator_catches_a_broken_release():
    assert errors(
        {"ocid": "x", "id": "1", "date": "2026-01-01T00:00:00+08:00", "tag": ["bogus"], "initiationType": "tender"}
    )
    assert errors({"id": "1", "date": "2026-01-01T00:00:00+08:00", "tag": ["planning"], "initiationType": "tender"})


async def full_project(procurement) -> str:
    """Plan, tender, bids, award, contract, an approved supplement and a reported delay."""
    project, _tender, award, _ = await tendered(procurement)
    signed = clock.today() - timedelta(days=10)
    contract = await procurement.post(
        f"/projects/{project}/contracts",
        {
            "award_id": award["id"],
            "amount_fen": award["amount_fen"],
            "signed_on": signed.isoformat(),
            "planned_completion": (signed + timedelta(days=300)).isoformat(),
        },
    )
    contract_id = contract.json()["id"]
    supplement = (await procurement.post(f"/contracts/{contract_id}/supplements", {"amount_fen": 12_345_67})).json()
    for role in ("vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance"):
        await procurement.post(f"/supplements/{supplement['id']}/approval", {"approve": True}, role)
    await procurement.post(f"/projects/{project}/incidents", {"kind": "serious_delay", "description": "延期"})
    return project


async def test_every_release_of_a_project_validates_and_covers_each_stage(procurement):
    project = await full_project(procurement)
    outside = await procurement.project(50 * WAN)
    assert (await procurement.contract(outside, 50 * WAN)).status_code == 201
    response = await procurement.get("/ocds/releases", Role.PLATFORM)
    assert response.status_code == 200, response.text
    package = response.json()
    assert package["version"] == "1.1" and package["publisher"]["name"]
    releases = package["releases"]
    for release in releases:
        assert errors(release) == [], release["id"]
    mine = [r for r in releases if r["ocid"] == ocds.ocid(project)]
    assert [r["tag"][0] for r in mine] == [
        "planning",
        "tender",
        "award",
        "contract",
        "contractAmendment",
        "implementation",
    ]
    contract = mine[-1]["contracts"][0]
    assert contract["value"] == {"amount": 2_812_345.67, "currency": "CNY"}  # 280万 + 12,345.67 元, exact
    assert contract["implementation"]["milestones"][0]["status"] == "scheduled"
    tender = mine[1]["tender"]
    assert tender["procurementMethod"] == "open" and tender["numberOfTenderers"] == 2
    winner = mine[2]["awards"][0]["suppliers"][0]
    assert winner["identifier"] == {"scheme": "CN-SAMR", "id": "91510100MA61234567", "legalName": "四川甲科技有限公司"}
    elsewhere = [r for r in releases if r["ocid"] == ocds.ocid(outside)]
    assert elsewhere[0]["awards"][0]["id"] == elsewhere[0]["contracts"][0]["awardID"]  # OCDS ties contracts to awards


async def test_the_record_of_a_project_validates(procurement):
    project = await full_project(procurement)
    response = await procurement.get(f"/ocds/records/{project}", Role.DATA_BUREAU)
    assert response.status_code == 200, response.text
    (record,) = response.json()["records"]
    assert record["ocid"] == ocds.ocid(project)
    compiled = record["compiledRelease"]
    assert errors(compiled) == [] and compiled["tag"] == ["compiled"]
    assert {"planning", "tender", "awards", "contracts"} <= set(compiled)
    assert all(errors(r) == [] for r in record["releases"])


@pytest.mark.parametrize("secret", [True])
async def test_secret_projects_are_never_published(procurement, secret):
    project = await procurement.project(secret=secret)
    assert (await procurement.contract(project, 1 * WAN)).status_code == 201
    releases = (await procurement.get("/ocds/releases", Role.PLATFORM, params={"project_id": project})).json()[
        "releases"
    ]
    assert releases == []
    assert (await procurement.get(f"/ocds/records/{project}", Role.PLATFORM)).status_code == 404


async def test_releases_page_by_project_with_a_next_link(procurement):
    for _ in range(3):
        await procurement.project()
    first = (await procurement.get("/ocds/releases", Role.PLATFORM, params={"limit": 2})).json()
    assert "next" in first["links"]


async def test_the_implementation_release_is_the_newest_even_after_a_later_amendment(procurement):
    project = await procurement.project(100 * WAN)
    contract = (await procurement.contract(project, 100 * WAN)).json()
    supplement = (await procurement.post(f"/contracts/{contract['id']}/supplements", {"amount_fen": WAN})).json()
    for role in ("vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance"):
        await procurement.post(f"/supplements/{supplement['id']}/approval", {"approve": True}, role)
    package = (await procurement.get("/ocds/releases", Role.PLATFORM, params={"project_id": project})).json()
    assert [r["tag"][0] for r in package["releases"]] == ["contract", "contractAmendment", "implementation"]
    assert all(errors(r) == [] for r in package["releases"])
    assert all(r["date"].endswith(("+00:00", "+08:00")) for r in package["releases"])
