"""Intake's API on SQLite: the thin path, refusals with every rule, nothing half-saved, roles, secret
projects, the eligibility view from events, the needs pool and the library search."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from services.intake.tables import Application
from shared.auth import Role
from shared.contracts.acceptance import AcceptanceItem, ProjectAccepted, ProjectFailed
from shared.contracts.catalog import EvaluationCompleted, SystemRegistered, UnitCleared, UnitSanctioned
from tests.support.concurrency import fire_concurrently
from tests.unit.intake.conftest import EDU, HEALTH, WAN, draft_body


async def test_thin_path_draft_submit_admit_emits_events(intake):
    project = await intake.draft()
    early = await intake.post(f"/api/intake/applications/{project}/admit", None, Role.DATA_BUREAU)
    assert early.status_code == 409 and early.json()["stage"] == "draft"
    submitted = await intake.post(f"/api/intake/applications/{project}/submit")
    assert submitted.status_code == 200, submitted.text
    admitted = await intake.post(f"/api/intake/applications/{project}/admit", None, Role.DATA_BUREAU)
    assert admitted.status_code == 200 and admitted.json()["stage"] == "library"
    events = await intake.events()
    assert [e["type"] for e in events] == ["intake.application.submitted.v1", "intake.application.admitted.v1"]
    assert events[1]["project"]["title"] == "智慧教育平台" and events[1]["key"] == project
    history = (await intake.get(f"/api/intake/projects/{project}/history")).json()
    assert "dazhou:第九条" in {d["citation"] for d in history["decisions"]}


async def test_refusal_lists_every_rule_and_writes_nothing(intake):
    project = await intake.draft(materials=["basic_info"], project_tags=["new_machine_room"])
    response = await intake.post(f"/api/intake/applications/{project}/submit")
    assert response.status_code == 422
    body = response.json()
    assert body["type"].endswith("/rule-violation")
    assert [v["rule_id"] for v in body["violations"]] == [
        "intake.required_materials",
        "intake.secure_products_statement",
        "intake.not_accepted",
    ]
    assert all(v["message_zh"] and v["message_en"] and v["field"] for v in body["violations"])
    assert (await intake.get(f"/api/intake/applications/{project}")).json()["status"] == "draft"
    assert await intake.events() == []


async def test_out_of_scope_is_not_a_managed_project(intake):
    project = await intake.draft(total_investment_fen=30 * WAN - 1)
    response = await intake.post(f"/api/intake/applications/{project}/submit")
    assert response.status_code == 422
    assert response.json()["type"].endswith("/not-a-managed-project")
    assert response.json()["violations"][0]["citation"] == "dazhou:第二条"


async def test_editing_a_submitted_application_is_409(intake):
    project = await intake.draft()
    await intake.post(f"/api/intake/applications/{project}/submit")
    response = await intake.patch(f"/api/intake/applications/{project}", {"title": "改"})
    assert response.status_code == 409 and response.json()["stage"] == "submitted"


async def test_money_is_integer_fen(intake):
    for amount in (12.5, "100", 0):
        response = await intake.post("/api/intake/applications", draft_body(total_investment_fen=amount))
        assert response.status_code == 422


async def test_idempotency_key_replays_the_first_answer(intake):
    key = {"Idempotency-Key": "create-1"}
    first = await intake.post("/api/intake/applications", draft_body(), headers=key)
    again = await intake.post("/api/intake/applications", draft_body(), headers=key)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    reused = await intake.post("/api/intake/applications", draft_body(title="别的"), headers=key)
    assert reused.status_code == 422


async def test_materials_attach_and_count_for_the_rule(intake):
    project = await intake.draft(materials=[m for m in draft_body()["materials"] if m != "crypto_plan"])
    assert (await intake.post(f"/api/intake/applications/{project}/submit")).status_code == 422
    attached = await intake.post(
        f"/api/intake/applications/{project}/materials", {"kind": "crypto_plan", "name": "密码应用方案.pdf"}
    )
    assert attached.status_code == 201
    assert (await intake.post(f"/api/intake/applications/{project}/submit")).status_code == 200
    listed = (await intake.get(f"/api/intake/applications/{project}/materials")).json()
    assert [m["kind"] for m in listed] == ["crypto_plan"]


async def test_roles_units_see_only_their_own_and_experts_nothing(intake):
    project = await intake.draft()
    # another unit is told nothing, not even that the number exists (shared/scope.py)
    other = await intake.get(f"/api/intake/applications/{project}", Role.UNIT, unit=HEALTH)
    assert other.status_code == 404
    unknown = await intake.get("/api/intake/applications/P-nope", Role.UNIT, unit=HEALTH)
    assert other.json()["detail"].replace(project, "P-nope") == unknown.json()["detail"]
    assert (await intake.get("/api/intake/applications", Role.EXPERT)).status_code == 403
    assert (await intake.get(f"/api/intake/applications/{project}", Role.EXPERT)).status_code == 403
    assert (await intake.get(f"/api/intake/projects/{project}/history", Role.EXPERT)).status_code == 403
    assert (await intake.get(f"/api/intake/projects/{project}/history", Role.UNIT, unit=HEALTH)).status_code == 404
    listing = (await intake.get("/api/intake/applications", Role.UNIT, unit=HEALTH)).json()
    assert listing["items"] == []
    wrong_role = await intake.post("/api/intake/applications", draft_body(), Role.FINANCE)
    assert wrong_role.status_code == 403
    assert (await intake.post(f"/api/intake/applications/{project}/admit", None, Role.UNIT)).status_code == 403


async def test_secret_project_minimal_record_for_everyone_else(intake):
    project = await intake.draft(secret=True, title="涉密系统")
    own = (await intake.get(f"/api/intake/applications/{project}", Role.UNIT)).json()
    assert own["title"] == "涉密系统" and not own["minimal"]
    bureau = (await intake.get(f"/api/intake/applications/{project}")).json()
    assert bureau["minimal"] and bureau["title"] is None and bureau["total_investment_fen"] is None
    assert set(k for k, v in bureau.items() if v not in (None, False)) <= {
        "id",
        "unit",
        "jurisdiction",
        "secret",
        "status",
        "stage",
        "minimal",
    }
    cleared = (await intake.get(f"/api/intake/applications/{project}", cleared=True)).json()
    assert cleared["title"] == "涉密系统"
    drc = (await intake.get(f"/api/intake/applications/{project}", Role.DRC, cleared=True)).json()
    assert drc["minimal"]
    # a content filter does not reveal it either
    found = (await intake.get("/api/intake/applications", params={"q": "涉密"})).json()["items"]
    assert found == []
    assert (await intake.get(f"/api/intake/projects/{project}/history")).status_code == 403
    await intake.post(f"/api/intake/applications/{project}/submit")
    event = (await intake.events("intake.application.submitted.v1"))[0]
    assert event["project"]["secret"] and event["project"]["title"] is None


async def test_the_units_standing_shows_supervision_findings_until_resolved(intake):
    from shared.contracts.catalog import FindingEscalated, FindingResolved

    def escalated(step: str) -> FindingEscalated:
        return FindingEscalated(
            project_id="P-late", finding_id="F-1", unit=EDU, area="progress", step=step,
            rule_id="supervision.escalation", citation="dazhou:第五十三条", escalated_on=date(2026, 9, 1),
        )  # fmt: skip

    await intake.deliver(escalated("public_criticism"))
    await intake.deliver(escalated("plan_deferred"))
    [finding] = (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()["supervision"]
    assert (finding["step"], finding["citation"], finding["subject"]) == (
        "plan_deferred",
        "dazhou:第五十三条",
        "P-late",
    )
    await intake.deliver(FindingResolved(project_id="P-late", finding_id="F-1", unit=EDU, resolved_on=date(2026, 9, 9)))
    assert (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()["supervision"] == []


async def test_a_stale_escalation_does_not_move_the_units_standing_back(intake):
    """Events of one finding may arrive out of order: the standing keeps the latest step (shared.supervision)."""
    from shared.contracts.catalog import FindingEscalated

    def escalated(step: str, day: date) -> FindingEscalated:
        return FindingEscalated(
            project_id="P-late", finding_id="F-2", unit=EDU, area="progress", step=step,
            rule_id="supervision.escalation", citation="dazhou:第五十三条", escalated_on=day,
        )  # fmt: skip

    await intake.deliver(escalated("suspended", date(2026, 9, 5)))
    await intake.deliver(escalated("public_criticism", date(2026, 9, 1)))  # older day
    await intake.deliver(escalated("plan_deferred", date(2026, 9, 5)))  # same day, earlier step
    [finding] = (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()["supervision"]
    assert (finding["step"], finding["escalated_on"]) == ("suspended", "2026-09-05")
    await intake.deliver(escalated("terminated", date(2026, 9, 8)))
    [finding] = (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()["supervision"]
    assert finding["step"] == "terminated"


async def test_a_stale_escalation_after_the_resolution_leaves_the_finding_resolved(intake):
    """A resolved finding stays resolved: an older escalation delivered after it (a replay) changes nothing."""
    from shared.contracts.catalog import FindingEscalated, FindingResolved

    suspended = FindingEscalated(
        project_id="P-late", finding_id="F-3", unit=EDU, area="progress", step="suspended",
        rule_id="supervision.escalation", citation="dazhou:第五十三条", escalated_on=date(2026, 9, 5),
    )  # fmt: skip
    await intake.deliver(suspended)
    await intake.deliver(FindingResolved(project_id="P-late", finding_id="F-3", unit=EDU, resolved_on=date(2026, 9, 9)))
    await intake.deliver(suspended.model_copy(update={"escalated_on": date(2026, 9, 1)}))
    await intake.deliver(suspended)  # the escalation itself replayed
    assert (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()["supervision"] == []


async def test_catalog_sanction_bars_then_clearing_lifts(intake):
    await intake.deliver(
        UnitSanctioned(
            project_id="P-zombie",
            unit=EDU,
            cause="僵尸系统：连续6个月无访问",
            rule_id="catalog.zombie_system",
            citation="quzhou:二(二)不予受理.9",
            since=date(2026, 6, 1),
            until=date(2099, 6, 1),
        )
    )
    standing = (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()
    assert not standing["eligible"] and standing["bars"][0]["citation"] == "quzhou:二(二)不予受理.9"
    project = await intake.draft()
    refused = await intake.post(f"/api/intake/applications/{project}/submit")
    assert refused.status_code == 422
    assert refused.json()["violations"][0]["citation"] == "quzhou:二(二)不予受理.9"
    assert refused.json()["bars"][0] | {"since": "2026-06-01", "until": "2099-06-01"} == refused.json()["bars"][0]
    need = await intake.post("/api/intake/needs", {"unit": EDU, "title": "需求", "description": "d"})
    assert need.status_code == 422
    await intake.deliver(
        UnitCleared(project_id="P-zombie", unit=EDU, rule_id="catalog.zombie_system", cleared_on=date(2026, 7, 1))
    )
    assert (await intake.post(f"/api/intake/applications/{project}/submit")).status_code == 200
    assert (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()["eligible"]


async def test_failed_security_acceptance_bars_new_projects_until_accepted(intake):
    failed = ProjectFailed(
        project_id="P-old",
        unit=EDU,
        jurisdiction="dazhou",
        path="performance",
        failed_on=date(2026, 5, 1),
        items=[AcceptanceItem(kind="mlps_test", passed=False)],
    )
    await intake.deliver(failed)
    project = await intake.draft()
    refused = await intake.post(f"/api/intake/applications/{project}/submit")
    assert refused.status_code == 422 and refused.json()["violations"][0]["citation"] == "dazhou:第五十七条"
    await intake.deliver(
        ProjectAccepted(
            project_id="P-old",
            unit=EDU,
            jurisdiction="dazhou",
            path="performance",
            accepted_on=date(2026, 6, 1),
            documents=[],
        )
    )
    assert (await intake.post(f"/api/intake/applications/{project}/submit")).status_code == 200


async def test_upgrade_checks_the_catalog_and_evaluation_views(intake):
    await intake.deliver(
        SystemRegistered(
            project_id="P-base", system_id="S-1", unit=EDU, jurisdiction="fengxian", registered_on=date(2025, 1, 1)
        )
    )
    await intake.deliver(
        EvaluationCompleted(
            project_id="P-base",
            system_id="S-1",
            unit=EDU,
            kind="post_evaluation",
            passed=False,
            rule_id="catalog.post_evaluation",
            citation="dazhou:第五十二条",
            completed_on=date(2026, 3, 1),
        )
    )
    materials = [
        "construction_plan",
        "feasibility_study",
        "necessity_basis",
        "security_study",
        "unit_budget",
        "upgrade_reason",
        "original_contract",
        "test_report",
        "acceptance_opinion",
    ]
    project = await intake.draft(
        jurisdiction="fengxian",
        construction_type="upgrade",
        related_system_id="S-1",
        details={"responsible_leader": "区教育局副局长 张某"},  # fengxian:第四条
        materials=materials,
        unit_priority=1,
    )
    refused = await intake.post(f"/api/intake/applications/{project}/submit")
    assert [v["citation"] for v in refused.json()["violations"]] == ["fengxian:第三十二条"]
    failed = (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()["failed_evaluations"]
    assert failed[0]["system_id"] == "S-1"
    await intake.deliver(
        EvaluationCompleted(
            project_id="P-base",
            system_id="S-1",
            unit=EDU,
            kind="post_evaluation",
            passed=True,
            rule_id="catalog.post_evaluation",
            citation="dazhou:第五十二条",
            completed_on=date(2026, 9, 1),
        )
    )
    assert (await intake.post(f"/api/intake/applications/{project}/submit")).status_code == 200


async def test_bureau_refusal_with_findings_cites_dazhou_article_9(intake):
    project = await intake.draft()
    await intake.post(f"/api/intake/applications/{project}/submit")
    refused = await intake.post(
        f"/api/intake/applications/{project}/refuse",
        {"reason": "已建系统可满足", "findings": ["needs_already_met"]},
        Role.DATA_BUREAU,
    )
    assert refused.status_code == 200 and refused.json()["stage"] == "refused"
    event = (await intake.events("intake.application.rejected.v1"))[0]
    assert event["violations"][0]["citation"] == "dazhou:第九条" and event["reason"] == "已建系统可满足"
    admit_with_findings = await intake.post(
        f"/api/intake/applications/{await intake.draft()}/admit", {"findings": []}, Role.DATA_BUREAU
    )
    assert admit_with_findings.status_code == 409


async def test_units_rank_and_library_sorts_by_priority(intake):
    first = await intake.draft(title="甲")
    second = await intake.draft(title="乙", priority_tags=["internet_plus_services"])
    third = await intake.draft(title="丙")
    ranked = await intake.post(f"/api/intake/units/{EDU}/priorities", {"order": [third, first]})
    assert [a["unit_priority"] for a in ranked.json()] == [1, 2]
    for project in (first, second, third):
        assert (await intake.post(f"/api/intake/applications/{project}/submit")).status_code == 200
    library = (await intake.get("/api/intake/applications", params={"sort": "priority"})).json()["items"]
    assert [a["id"] for a in library] == [second, third, first]
    assert library[0]["priority_flags"] == ["internet_plus_services"]
    other = await intake.post(f"/api/intake/units/{HEALTH}/priorities", {"order": [first]}, unit=HEALTH)
    assert other.status_code == 403


async def test_priority_order_pages_and_flag_filter_run_in_sql(intake):
    """The priority order is paged in the database (offset cursor): every application once, flagged first;
    the flag filter keeps only applications that hit that priority item."""
    flagged = [await intake.draft(title=f"优先{i}", priority_tags=["internet_plus_services"]) for i in range(2)]
    plain = [await intake.draft(title=f"一般{i}") for i in range(3)]
    for project in (*flagged, *plain):
        assert (await intake.post(f"/api/intake/applications/{project}/submit")).status_code == 200
    seen, cursor = [], None
    while True:
        params = {"sort": "priority", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = (await intake.get("/api/intake/applications", params=params)).json()
        seen += [a["id"] for a in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen[:2] == flagged and sorted(seen[2:]) == sorted(plain)
    only = await intake.get("/api/intake/applications", params={"priority_flag": "internet_plus_services"})
    assert [a["id"] for a in only.json()["items"]] == flagged
    assert (await intake.get("/api/intake/applications", params={"q": "优先1"})).json()["items"][0]["id"] == flagged[1]


async def test_library_filters_and_cursor_pagination(intake):
    ids = [await intake.draft(title=f"项目{i}", total_investment_fen=(100 + i) * WAN) for i in range(5)]
    await intake.draft(title="卫健项目", unit=HEALTH)
    seen, cursor = [], None
    while True:
        params = {"unit": EDU, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await intake.get("/api/intake/applications", params=params)).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids
    ranged = (
        await intake.get(
            "/api/intake/applications", params={"min_investment_fen": 101 * WAN, "max_investment_fen": 103 * WAN}
        )
    ).json()
    assert [a["id"] for a in ranged["items"]] == ids[1:3]
    assert (await intake.get("/api/intake/applications", params={"cursor": "garbage"})).status_code == 400
    by_stage = (await intake.get("/api/intake/applications", params={"stage": "library"})).json()
    assert by_stage["items"] == []


async def test_needs_merge_three_departments_into_one_project(intake):
    units = [EDU, HEALTH, "达州市民政局"]
    needs = []
    for unit in units:
        filed = await intake.post(
            "/api/intake/needs", {"unit": unit, "title": f"{unit}数据共享", "description": "共享"}, unit=unit
        )
        assert filed.status_code == 201, filed.text
        needs.append(filed.json()["id"])
        reviewed = await intake.post(f"/api/intake/needs/{needs[-1]}/review", {"approve": True}, Role.DATA_BUREAU)
        assert reviewed.json()["status"] == "approved"
    part = {"content": "接入", "business_flow": "a", "data_flow": "b", "system_interfaces": "c", "data_catalog": "d"}
    body = {
        "lead_unit": "达州市数字经济局",
        "title": "城市大脑一期",
        "category": "application",
        "total_investment_fen": 1200 * WAN,
        "plan_year": 2099,
        "parts": [{**part, "unit": unit, "need_id": need} for unit, need in zip(units, needs, strict=True)],
    }
    missing = {**body, "parts": [{**body["parts"][0], "data_flow": ""}, *body["parts"][1:]]}
    refused = await intake.post("/api/intake/needs/merge", missing, Role.DATA_BUREAU)
    assert refused.status_code == 422 and refused.json()["violations"][0]["citation"] == "dazhou:第十七条"
    merged = await intake.post("/api/intake/needs/merge", body, Role.DATA_BUREAU)
    assert merged.status_code == 201, merged.text
    project = merged.json()
    assert len(project["parts"]) == 3 and project["need_ids"] == needs
    need = (await intake.get(f"/api/intake/needs/{needs[1]}")).json()
    assert need["status"] == "planned" and need["application_ids"] == [project["id"]]
    assert (await intake.get(f"/api/intake/needs/{needs[1]}", Role.UNIT, unit=EDU)).status_code == 404
    found = (await intake.get("/api/intake/needs", params={"status": "planned", "q": "数据共享"})).json()
    assert len(found["items"]) == 3


async def test_quzhou_need_must_be_reviewed_before_it_becomes_an_application(intake):
    need = (
        await intake.post(
            "/api/intake/needs",
            {
                "unit": EDU,
                "jurisdiction": "quzhou",
                "title": "需求",
                "description": "d",
                "top_level_design": {"design": "衢州市政府数字化转型顶层设计", "task": "教育服务一件事"},
            },
        )
    ).json()["id"]
    refused = await intake.post("/api/intake/applications", draft_body(jurisdiction="quzhou", need_ids=[need]))
    assert refused.status_code == 422 and refused.json()["violations"][0]["citation"] == "quzhou:三(一)1,三(一)3"
    async with intake.runtime.unit_of_work() as uow:
        assert (await uow.session.scalar(sa.select(sa.func.count()).select_from(Application))) == 0
    await intake.post(f"/api/intake/needs/{need}/review", {"approve": True}, Role.DATA_BUREAU)
    created = await intake.post("/api/intake/applications", draft_body(jurisdiction="quzhou", need_ids=[need]))
    assert created.status_code == 201
    assert (await intake.get(f"/api/intake/needs/{need}")).json()["application_ids"] == [created.json()["id"]]


async def test_ten_concurrent_submits_on_sqlite_submit_once(intake):
    """The local run's SQLite ignores FOR UPDATE: locked() takes the write lock before the fresh read."""
    project = await intake.draft()
    answers = await fire_concurrently(10, lambda: intake.post(f"/api/intake/applications/{project}/submit"))
    assert sorted(a.status_code for a in answers) == [200] + [409] * 9
    assert len(await intake.events("intake.application.submitted.v1")) == 1
    keyed = await intake.draft(title="另一个平台")
    headers = {"Idempotency-Key": "submit-once"}
    answers = await fire_concurrently(
        10, lambda: intake.post(f"/api/intake/applications/{keyed}/submit", headers=headers)
    )
    assert {a.status_code for a in answers} == {200} and all(a.json() == answers[0].json() for a in answers)
    assert [a.headers.get("Idempotency-Replayed") for a in answers].count("true") == 9
    assert len(await intake.events("intake.application.submitted.v1")) == 2
