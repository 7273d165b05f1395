"""dazhou:第二十二条: a city project shared with counties (县(市、区)、共享协同) is "由市数字经济局进行技术性审核立项" —
the bureau approves it, in place of 第十条's amount bands; intake captured the county parts, review routes on them."""

from __future__ import annotations

import uuid

import pytest

from services.review import domain
from shared.contracts.intake import ApplicationAdmitted, ProjectSummary
from shared.policy import packs
from tests.unit.review.conftest import WAN

COUNTY = {"county": "通川区", "unit": "通川区教育局", "share_fen": 100 * WAN}


async def _admit(review, amount_fen: int, county_parts: list[dict], **extra) -> str:
    project = f"P-{uuid.uuid4().hex[:10]}"
    await review.deliver(
        ApplicationAdmitted(
            project_id=project,
            admitted_by="bureau",
            project=ProjectSummary(
                unit="达州市教育局",
                jurisdiction="dazhou",
                title="市县一体化教育平台",
                total_investment_fen=amount_fen,
                plan_year=2027,
                county_parts=county_parts,
                **extra,
            ),
        )
    )
    return project


async def _to_approval(review, project: str) -> dict:
    response = await review.post(f"/api/review/projects/{project}/scheme-review", {"passed": True})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("amount_fen", [150 * WAN, 350 * WAN, 1500 * WAN])  # every band of 第十条
async def test_a_city_county_project_is_approved_by_the_bureau_whatever_its_amount(review, amount_fen):
    project = await _admit(review, amount_fen, [COUNTY])
    case = await _to_approval(review, project)
    assert [s["role"] for s in case["steps"]] == ["data_bureau"]
    approved = await review.post(f"/api/review/projects/{project}/approval", {"approve": True}, "data_bureau")
    assert approved.status_code == 200, approved.text
    [event] = await review.events("review.project.approved.v1")
    assert event["authority_steps"] == ["data_bureau"] and event["citation"] == "dazhou:第二十二条"
    assert event["rule_id"] == "intake.city_county_route"
    history = (await review.get(f"/api/review/projects/{project}/history")).json()
    routes = {d["rule_id"]: d["citation"] for d in history["decisions"] if d["action"] == "approval.route"}
    assert routes == {"intake.city_county_route": "dazhou:第二十二条"}


async def test_without_county_parts_the_amount_bands_apply(review):
    project = await _admit(review, 350 * WAN, [])
    case = await _to_approval(review, project)
    assert [s["role"] for s in case["steps"]][-1] == "mayor"  # 200–500万 (dazhou:第十条)


async def test_a_mostly_construction_mixed_project_stays_with_the_drc(review):
    project = await _admit(review, 350 * WAN, [COUNTY], it_estimate_fen=350 * WAN, total_estimate_fen=2000 * WAN)
    case = await _to_approval(review, project)
    assert [s["role"] for s in case["steps"]] == ["drc"]


def test_special_route_precedence():
    packs.load_all()
    dazhou = packs.default
    assert domain.special_route(dazhou, {}, []) is None
    assert domain.special_route(dazhou, {}, [COUNTY]).value == "data_bureau"
    mixed_it = {"it_estimate_fen": 600, "total_estimate_fen": 1000}
    assert domain.special_route(dazhou, mixed_it, []) is None  # IT over half: the banded route
    assert domain.special_route(dazhou, mixed_it, [COUNTY]).rule_id == "intake.city_county_route"
    assert domain.city_county_route(packs.get("quzhou"), [COUNTY]) is None  # quzhou shares costs its own way
