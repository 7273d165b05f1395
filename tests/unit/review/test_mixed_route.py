"""dazhou:第八条: a mixed construction project whose construction part's estimate exceeds half is approved as a
whole by the DRC; one whose IT part exceeds half goes the bureau's banded route (第十条). Intake captured the
estimate parts; review routes on them."""

from __future__ import annotations

import uuid

from shared.contracts.intake import ApplicationAdmitted, ProjectSummary
from tests.unit.review.conftest import WAN


async def _admit_mixed(review, it_fen: int, total_fen: int) -> str:
    project = f"P-{uuid.uuid4().hex[:10]}"
    await review.deliver(
        ApplicationAdmitted(
            project_id=project,
            admitted_by="bureau",
            project=ProjectSummary(
                unit="达州市教育局",
                jurisdiction="dazhou",
                title="学校新建工程信息化部分",
                total_investment_fen=350 * WAN,
                plan_year=2027,
                approval_route="drc" if it_fen * 2 <= total_fen else "data_bureau",
                it_estimate_fen=it_fen,
                total_estimate_fen=total_fen,
            ),
        )
    )
    return project


async def _to_approval(review, project: str) -> dict:
    response = await review.post(f"/api/review/projects/{project}/scheme-review", {"passed": True})
    assert response.status_code == 200, response.text
    return response.json()


async def test_construction_over_half_goes_to_the_drc_for_the_whole_project(review):
    project = await _admit_mixed(review, it_fen=350 * WAN, total_fen=2000 * WAN)
    case = await _to_approval(review, project)
    assert [s["role"] for s in case["steps"]] == ["drc"]
    approved = await review.post(f"/api/review/projects/{project}/approval", {"approve": True}, "drc")
    assert approved.status_code == 200, approved.text
    [event] = await review.events("review.project.approved.v1")
    assert event["authority_steps"] == ["drc"] and event["citation"].startswith("dazhou:第八条")


async def test_it_over_half_keeps_the_bureaus_banded_route(review):
    project = await _admit_mixed(review, it_fen=350 * WAN + 1, total_fen=700 * WAN)  # just over 50%
    case = await _to_approval(review, project)
    assert "drc" not in [s["role"] for s in case["steps"]]
    assert [s["role"] for s in case["steps"]][-1] == "mayor"  # 350万: the 200–500万 band (dazhou:第十条)


async def test_exactly_half_is_the_drcs(review):
    """50% each: the IT part does not exceed half, so the text's bureau case does not apply (pack note)."""
    project = await _admit_mixed(review, it_fen=500 * WAN, total_fen=1000 * WAN)
    case = await _to_approval(review, project)
    assert [s["role"] for s in case["steps"]] == ["drc"]
