"""Expert draws take the applicant from the project (issue 15, defect 8), and the expert pool's field filter
pages in SQL: every page is full while experts match, and the cursor walks exactly the matching ones."""

from __future__ import annotations

import sqlalchemy as sa

from services.review.tables import ExpertDraw

APPLICANT = "达州市教育局"


async def draws_of(review, project: str) -> list[ExpertDraw]:
    async with review.runtime.engine.connect() as conn:
        return list((await conn.execute(sa.select(ExpertDraw).where(ExpertDraw.project_id == project))).all())


async def test_a_unit_in_the_request_cannot_replace_the_projects_applicant(review):
    project = await review.admit(unit=APPLICANT)
    # the only experts in the pool work for the applicant: the independence rule excludes them all
    for i in range(3):
        await review.expert(f"本单位专家{i}", APPLICANT)
    forged = await review.post(
        "/api/review/expert-draws", {"project_id": project, "unit": "达州市卫生健康委员会", "count": 1}
    )
    assert forged.status_code == 400, forged.text
    assert forged.headers["content-type"].startswith("application/problem+json")
    assert forged.json()["field"] == "unit" and APPLICANT in forged.json()["detail"]
    forged_pack = await review.post(
        "/api/review/expert-draws", {"project_id": project, "jurisdiction": "fengxian", "count": 1}
    )
    assert forged_pack.status_code == 400 and forged_pack.json()["field"] == "jurisdiction"
    assert await draws_of(review, project) == []  # nothing half-written
    # without the override the applicant's own employees stay excluded
    honest = await review.post("/api/review/expert-draws", {"project_id": project, "count": 1})
    assert honest.status_code == 409 and honest.json()["eligible"] == 0
    # naming the real applicant is harmless
    await review.expert("独立专家", "某大学")
    same = await review.post("/api/review/expert-draws", {"project_id": project, "unit": APPLICANT, "count": 1})
    assert same.status_code == 201, same.text
    assert same.json()["unit"] == APPLICANT and [e["employer"] for e in same.json()["experts"]] == ["某大学"]


async def test_a_draw_for_a_project_review_does_not_know_is_404(review):
    response = await review.post("/api/review/expert-draws", {"project_id": "P-nope", "unit": APPLICANT, "count": 1})
    assert response.status_code == 404


async def test_the_field_filter_pages_over_matching_experts_only(review):
    matching = set()
    for i in range(9):
        # two of every three experts lack the field, so a filter after the limit would leave pages empty
        field = "network" if i % 3 == 0 else "finance"
        expert_id = await review.expert(f"专家{i}", f"某大学{i}", fields=(field,))
        if field == "network":
            matching.add(expert_id)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"field": "network", "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = await review.client.get("/api/review/experts", params=params, headers=review.as_role("data_bureau"))
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) == 1, body  # never an empty page while experts match
        assert all("network" in e["fields"] for e in body["items"])
        seen += [e["id"] for e in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(matching)
    everyone = await review.client.get(
        "/api/review/experts", params={"limit": 200}, headers=review.as_role("data_bureau")
    )
    everyone = everyone.json()["items"]
    assert len(everyone) == 9
