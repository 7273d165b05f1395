"""suqian:(七) "驗收后資料備案規范": after acceptance the project's documents are filed, once, with who and when;
without the acceptance documents the filing is refused naming the rule and the article; not before acceptance,
and not in a jurisdiction whose text has no such step."""

from __future__ import annotations

from datetime import date

from shared.policy import packs
from tests.unit.acceptance.conftest import ALL_ITEMS, UNIT, citations, ok, problem, rule_ids

P = "P-SQ-DOC"
RULE = "acceptance.document_filing"
FILING = {"documents": ["acceptance_documents"]}


async def accepted_in_suqian(service, project: str = P) -> None:
    service.travel(date(2026, 2, 1))
    await service.contract(project, "suqian", date(2026, 1, 5), unit=UNIT)
    ok(await service.post("unit", f"/projects/{project}/trial-run", {"started_on": "2026-01-20"}))
    service.travel(date(2026, 3, 1))
    ok(await service.post("bureau", f"/projects/{project}/pre-acceptance"))


async def test_the_documents_are_filed_once_after_acceptance_with_the_article(service):
    await accepted_in_suqian(service)
    # not before the project is accepted
    assert problem(await service.post("unit", f"/projects/{P}/document-filing", FILING), 409)
    ok(
        await service.post(
            "unit", f"/projects/{P}/acceptance", {"passed": True, "system_name": "宿迁教育", "items": ALL_ITEMS}
        )
    )
    missing = problem(await service.post("unit", f"/projects/{P}/document-filing", {"documents": ["photos"]}), 422)
    assert rule_ids(missing) == {RULE} and citations(missing) == {"suqian:(七)"}
    assert "验收资料" in missing["violations"][0]["message_zh"]
    body = ok(await service.post("unit", f"/projects/{P}/document-filing", FILING), 201)
    assert (body["rule_id"], body["citation"], body["documents"]) == (RULE, "suqian:(七)", ["acceptance_documents"])
    assert body["filed_on"] == "2026-03-01"
    assert ok(await service.get("bureau", f"/projects/{P}/document-filing")) == body
    again = problem(await service.post("unit", f"/projects/{P}/document-filing", FILING), 409)
    assert "already filed" in again["detail"]
    assert any(r.rule_id == RULE and r.outcome == "pass" for r in await service.decisions(P))


async def test_a_jurisdiction_without_the_step_answers_not_on_path(service):
    service.travel(date(2026, 2, 1))
    await service.contract("P-DZ-DOC", "dazhou", date(2026, 1, 5), unit=UNIT)
    body = problem(await service.post("unit", "/projects/P-DZ-DOC/document-filing", FILING), 409)
    assert body["type"].endswith("/not-on-path")
    assert [pack for pack in ("dazhou", "quzhou", "jiyuan", "fengxian", "suqian") if packs.get(pack).has(RULE)] == [
        "suqian"
    ]
