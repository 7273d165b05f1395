"""City–county shared projects (dazhou:第二十二条): the counties' parts and cost shares are captured with the
application, the bureau's technical approval route is decided and recorded, and the shares are published."""

from __future__ import annotations

from tests.unit.intake.conftest import WAN, draft_body

PARTS = [
    {"county": "通川区", "unit": "通川区教育局", "share_fen": 50 * WAN},
    {"county": "达川区", "unit": "达川区教育局", "share_fen": 80 * WAN},
]


async def test_a_city_county_project_goes_to_the_bureaus_technical_approval_with_its_shares(intake):
    project = await intake.draft(county_parts=PARTS)
    submitted = await intake.post(f"/api/intake/applications/{project}/submit")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["approval_route"] == "data_bureau"
    assert submitted.json()["county_parts"] == PARTS
    history = (await intake.get(f"/api/intake/projects/{project}/history")).json()
    [route] = [d for d in history["decisions"] if d["rule_id"] == "intake.city_county_route"]
    assert route["citation"] == "dazhou:第二十二条" and route["value"] == "data_bureau"
    [event] = await intake.events("intake.application.submitted.v1")
    assert [p["share_fen"] for p in event["project"]["county_parts"]] == [50 * WAN, 80 * WAN]


async def test_shares_above_the_total_are_refused_at_creation(intake):
    body = draft_body(total_investment_fen=100 * WAN, county_parts=PARTS)  # 130万 of counties in 100万
    response = await intake.post("/api/intake/applications", body)
    assert response.status_code == 422 and "county_parts" in response.text


async def test_lowering_the_total_under_the_shares_is_refused_at_submission(intake):
    project = await intake.draft(county_parts=PARTS)
    patched = await intake.patch(f"/api/intake/applications/{project}", {"total_investment_fen": 120 * WAN})
    assert patched.status_code == 200, patched.text
    refused = await intake.post(f"/api/intake/applications/{project}/submit")
    assert refused.status_code == 422
    [violation] = refused.json()["violations"]
    assert violation["field"] == "county_parts" and violation["citation"] == "dazhou:第二十二条"


async def test_an_ordinary_project_has_no_city_county_decision(intake):
    project = await intake.draft()
    await intake.post(f"/api/intake/applications/{project}/submit")
    history = (await intake.get(f"/api/intake/projects/{project}/history")).json()
    assert all(d["rule_id"] != "intake.city_county_route" for d in history["decisions"])
