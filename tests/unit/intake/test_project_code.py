"""Quzhou's project code from the online approval platform (quzhou:三(二)2): kept as the project's external
identifier — validated, shown, passed on — and its absence on a non-secret project recorded for the bureau."""

from __future__ import annotations

from tests.unit.intake.conftest import WAN, draft_body

QUZHOU = {"jurisdiction": "quzhou", "unit": "衢州市教育局", "total_investment_fen": 350 * WAN}
CODE = "2026-330800-65-01-000123"


async def test_the_code_is_kept_shown_and_published(intake):
    project = await intake.draft(**QUZHOU, project_code=CODE)
    shown = (await intake.get(f"/api/intake/applications/{project}")).json()
    assert shown["project_code"] == CODE
    submitted = await intake.post(f"/api/intake/applications/{project}/submit", unit=QUZHOU["unit"])
    assert submitted.status_code == 200, submitted.text
    assert "project_code_missing" not in submitted.json().get("review_flags", {})
    [event] = await intake.events("intake.application.submitted.v1")
    assert event["project"]["project_code"] == CODE


async def test_a_malformed_code_is_a_problem_naming_the_field(intake):
    response = await intake.post(
        "/api/intake/applications",
        {**_body(), "project_code": "2026-3308-65-01-123"},
        unit=QUZHOU["unit"],
    )
    assert response.status_code == 422
    assert "project_code" in response.text


async def test_a_non_secret_project_without_the_code_is_flagged_with_the_citation(intake):
    project = await intake.draft(**QUZHOU)
    submitted = await intake.post(f"/api/intake/applications/{project}/submit", unit=QUZHOU["unit"])
    assert submitted.status_code == 200, submitted.text
    history = (await intake.get(f"/api/intake/projects/{project}/history")).json()
    [decision] = [d for d in history["decisions"] if d["rule_id"] == "intake.online_platform_code"]
    assert decision["outcome"] == "fail" and decision["citation"] == "quzhou:三(二)2"
    shown = (await intake.get(f"/api/intake/applications/{project}")).json()
    assert shown["review_flags"]["project_code_missing"] == "quzhou:三(二)2"


async def test_a_secret_project_needs_no_code(intake):
    response = await intake.post(
        "/api/intake/applications", draft_body(**QUZHOU, secret=True), unit=QUZHOU["unit"], cleared=True
    )
    project = response.json()["id"]
    await intake.post(f"/api/intake/applications/{project}/submit", unit=QUZHOU["unit"], cleared=True)
    history = (await intake.get(f"/api/intake/projects/{project}/history", cleared=True)).json()
    [decision] = [d for d in history["decisions"] if d["rule_id"] == "intake.online_platform_code"]
    assert decision["outcome"] == "pass"


def _body() -> dict:
    return draft_body(**QUZHOU)
