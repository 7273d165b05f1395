"""The thin path the lifecycle test and the web front end use keeps working."""

from __future__ import annotations

from tests.unit.review.conftest import WAN

LEADERS = ["vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance", "mayor"]


async def test_admitted_case_scheme_review_and_approval_in_order(review):
    project = await review.admit(amount_fen=350 * WAN)
    case = (await review.get(f"/api/review/projects/{project}")).json()
    assert case["stage"] == "admitted" and case["step"] == "scheme_review" and case["path"] == "expert_review"

    case = (await review.post(f"/api/review/projects/{project}/scheme-review", {"passed": True})).json()
    assert case["stage"] == "awaiting_approval"
    assert [s["role"] for s in case["steps"]] == LEADERS

    out_of_turn = await review.post(f"/api/review/projects/{project}/approval", {"approve": True}, "mayor")
    assert out_of_turn.status_code == 403 and out_of_turn.json()["citation"] == "dazhou:第十条"
    for role in LEADERS:
        response = await review.post(f"/api/review/projects/{project}/approval", {"approve": True}, role)
        assert response.status_code == 200, response.text
    case = response.json()
    assert case["stage"] == "approved" and case["approval_letter_no"]
    approved = await review.events("review.project.approved.v1")
    assert approved[-1]["project_id"] == project and approved[-1]["authority_steps"] == LEADERS
    assert approved[-1]["citation"] == "dazhou:第十条"

    again = await review.post(f"/api/review/projects/{project}/scheme-review", {"passed": True})
    assert again.status_code == 409 and again.json()["stage"] == "approved"


async def test_failed_scheme_review_rejects(review):
    project = await review.admit()
    case = (
        await review.post(f"/api/review/projects/{project}/scheme-review", {"passed": False, "comment": "x"})
    ).json()
    assert case["stage"] == "rejected"
    assert (await review.events("review.project.rejected.v1"))[-1]["reason"] == "x"


async def test_unknown_project_is_404_and_wrong_role_403(review):
    assert (await review.get("/api/review/projects/P-nope")).status_code == 404
    project = await review.admit()
    response = await review.post(f"/api/review/projects/{project}/scheme-review", {"passed": True}, "finance")
    assert response.status_code == 403
    other_unit = await review.get(f"/api/review/projects/{project}", "unit", unit="达州市卫生健康委员会")
    assert other_unit.status_code == 404  # not even its existence (shared/scope.py)


async def test_passed_is_needed_without_scores_and_not_a_string(review):
    project = await review.admit()
    assert (await review.post(f"/api/review/projects/{project}/scheme-review", {})).status_code == 400
    assert (await review.post(f"/api/review/projects/{project}/scheme-review", {"passed": "yes"})).status_code == 422
