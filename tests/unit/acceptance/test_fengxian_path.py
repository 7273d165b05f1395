"""Fengxian: trial run → application with the form → the bureau confirms and organises within 30
calendar days with its panel (experts from review's pool) → completion acceptance; failed → rectify
and re-apply; secret systems need the confidentiality office; assets registered after
(fengxian:第二十三条–第二十七条)."""

from __future__ import annotations

from datetime import date

import httpx
import sqlalchemy as sa

from services.acceptance.api import expert_pool
from services.acceptance.experts import ReviewExpertPool
from shared.service import sweep_deadlines
from tests.unit.acceptance.conftest import FENGXIAN_ITEMS, citations, ok, problem, rule_ids

P = "P-FX-1"
FORM = {"documents": ["acceptance_application_form"]}
PANEL = [
    {"role": "data_bureau", "name": "区数据局 张科长"},
    {"role": "finance", "name": "区财政局 陈科长"},
    {"role": "procurement_center", "name": "区政府采购中心 刘主任"},
]
ORGANISE = {"panel": PANEL, "experts": {"count": 3, "fields": ["教育信息化"]}}
PASSED = {"passed": True, "system_name": "奉贤教育云", "items": FENGXIAN_ITEMS, "report_no": "奉验〔2026〕3号"}


async def applied(service, project=P, *, secret=False):
    service.travel(date(2026, 2, 1))
    await service.contract(project, "fengxian", date(2026, 1, 5), secret=secret)
    ok(await service.post("unit", f"/projects/{project}/trial-run", {"started_on": "2026-02-01"}))
    service.travel(date(2026, 3, 2))
    refused = problem(await service.post("unit", f"/projects/{project}/application", {"documents": []}), 422)
    assert rule_ids(refused) == {"acceptance.application_form"} and citations(refused) == {"fengxian:第二十四条"}
    body = ok(await service.post("unit", f"/projects/{project}/application", FORM))
    assert body["stage"] == "applied" and body["attempts"] == 1
    return body


async def test_the_application_opens_the_thirty_day_deadline_which_goes_overdue_on_the_clock(service):
    body = await applied(service)
    [deadline] = body["deadlines"]
    assert deadline["rule_id"] == "acceptance.organise_within" and deadline["due_on"] == "2026-04-01"
    service.travel(date(2026, 4, 1))
    assert await sweep_deadlines(service.runtime) == 0  # due today: not yet overdue
    service.travel(date(2026, 4, 2))
    assert await sweep_deadlines(service.runtime) == 1
    [row] = await service.deadlines(P)
    assert row.status == "overdue" and row.citation == "fengxian:第二十四条"
    [event] = await service.events("acceptance.deadline.overdue.v1")
    assert event.subject == P and event.data["rule_id"] == "acceptance.organise_within"
    # organising late is still allowed, and recorded as a missed deadline
    body = ok(await service.post("bureau", f"/projects/{P}/organise", ORGANISE))
    assert body["stage"] == "organised" and body["deadlines"][0]["status"] == "late"
    organise_decisions = [r for r in await service.decisions(P) if r.rule_id == "acceptance.organise_within"]
    assert [r.outcome for r in organise_decisions] == ["info", "fail"]


async def test_application_one_day_before_the_trial_month_ends_is_refused(service):
    service.travel(date(2026, 2, 1))
    await service.contract(P, "fengxian", date(2026, 1, 5))
    ok(await service.post("unit", f"/projects/{P}/trial-run", {"started_on": "2026-02-01"}))
    service.travel(date(2026, 2, 28))  # the month ends 2026-03-01
    refused = problem(await service.post("unit", f"/projects/{P}/application", FORM), 422)
    # fengxian:第二十四条 names the trial run but not its length: the month is a marked local setting
    assert citations(refused) == {"fengxian:本地设置（非条文规定）"}


async def test_failed_then_rectified_and_re_applied_then_accepted_then_assets_registered(service):
    await applied(service)
    service.travel(date(2026, 3, 20))
    body = ok(await service.post("bureau", f"/projects/{P}/organise", ORGANISE))
    assert body["deadlines"][0]["status"] == "met"
    [draw] = service.pool.requests
    assert draw.unit == "奉贤区教育局" and draw.fields == ["教育信息化"] and draw.idempotency_key.endswith("-1")
    failed = {**PASSED, "passed": False, "items": [{"kind": "mlps_test", "passed": False, "note": "高危漏洞"}]}
    body = ok(await service.post("bureau", f"/projects/{P}/completion-acceptance", failed))
    assert body["stage"] == "rectifying" and body["next_step"] == "acceptance_application"
    [event] = await service.events("acceptance.project.failed.v1")
    assert event.data["may_reapply"] is True and event.data["citation"] == "fengxian:第二十六条"
    # straight to a second acceptance is out of order: re-apply first
    assert problem(await service.post("bureau", f"/projects/{P}/completion-acceptance", PASSED), 409)
    service.travel(date(2026, 4, 10))
    body = ok(await service.post("unit", f"/projects/{P}/application", FORM))
    assert body["attempts"] == 2 and body["deadlines"][0]["status"] == "open"
    assert body["deadlines"][0]["due_on"] == "2026-05-10"
    ok(await service.post("bureau", f"/projects/{P}/organise", ORGANISE))
    # the earlier failed MLPS test must now pass
    still_failing = {**PASSED, "items": []}
    assert "acceptance.items" in rule_ids(
        problem(await service.post("bureau", f"/projects/{P}/completion-acceptance", still_failing), 422)
    )
    body = ok(await service.post("bureau", f"/projects/{P}/completion-acceptance", PASSED))
    assert body["stage"] == "accepted"
    [accepted] = await service.events("acceptance.project.accepted.v1")
    assert accepted.data["path"] == "fengxian_acceptance" and accepted.data["secret"] is False

    assets = {
        "documents": ["asset_registration_summary"],
        "assets": [
            {"name": "服务器", "category": "hardware", "quantity": 4, "value_fen": 80_000_00},
            {"name": "教育云平台软件", "category": "software", "quantity": 1, "value_fen": 1_200_000_00},
        ],
    }
    float_value = {**assets, "assets": [{**assets["assets"][0], "value_fen": 80000.5}]}
    assert problem(await service.post("unit", f"/projects/{P}/asset-registration", float_value), 422)
    no_summary = problem(
        await service.post("unit", f"/projects/{P}/asset-registration", {**assets, "documents": []}), 422
    )
    assert citations(no_summary) == {"fengxian:第二十七条"}
    key = {"Idempotency-Key": "assets-1"}
    first = ok(await service.post("unit", f"/projects/{P}/asset-registration", assets, **key), 201)
    again = ok(await service.post("unit", f"/projects/{P}/asset-registration", assets, **key), 201)
    assert first == again and first["total_value_fen"] == 1_280_000_00
    assert problem(await service.post("unit", f"/projects/{P}/asset-registration", assets), 409)
    [registered] = await service.events("acceptance.asset.registered.v1")
    assert registered.data["asset_count"] == 2 and registered.data["citation"] == "fengxian:第二十七条"


async def test_assets_are_registered_only_after_acceptance(service):
    await applied(service)
    assets = {
        "documents": ["asset_registration_summary"],
        "assets": [{"name": "a", "category": "c", "quantity": 1, "value_fen": 1}],
    }
    assert problem(await service.post("unit", f"/projects/{P}/asset-registration", assets), 409)["stage"] == "applied"


async def test_a_panel_member_who_is_not_allowed_and_a_missing_department(service):
    await applied(service)
    with_unit = {"panel": [*PANEL, {"role": "unit", "name": "建设单位"}], "experts": {"count": 2}}
    refused = problem(await service.post("bureau", f"/projects/{P}/organise", with_unit), 422)
    assert rule_ids(refused) == {"acceptance.panel_allowed"} and citations(refused) == {"fengxian:第二十五条"}
    no_finance = {"panel": [PANEL[0], PANEL[2]], "experts": {"count": 2}}
    assert rule_ids(problem(await service.post("bureau", f"/projects/{P}/organise", no_finance), 422)) == {
        "acceptance.panel"
    }
    assert problem(await service.post("unit", f"/projects/{P}/organise", ORGANISE), 403)
    assert service.pool.requests == []


async def test_without_review_s_expert_pool_organising_is_a_503_problem_and_writes_nothing(service):
    await applied(service)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    seen: list[httpx.Request] = []

    def not_built(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"title": "Not Found"})

    for transport in (httpx.MockTransport(refuse), httpx.MockTransport(not_built)):
        service.app.dependency_overrides[expert_pool] = lambda t=transport: ReviewExpertPool(
            "http://review", "Bearer caller-token", transport=t
        )
        body = problem(await service.post("bureau", f"/projects/{P}/organise", ORGANISE), 503)
        assert body["type"].endswith("/expert-pool-unavailable") and body["dependency"] == "review"
    assert seen[0].headers["authorization"] == "Bearer caller-token"
    assert seen[0].url.path == "/api/review/expert-draws"
    import json

    sent = json.loads(seen[0].content)
    assert sent == {
        "project_id": P,
        "unit": "奉贤区教育局",
        "vendors": ["某信息技术有限公司"],
        "fields": ["教育信息化"],
        "count": 3,
        "purpose": "acceptance",
    }
    assert ok(await service.get("bureau", f"/projects/{P}"))["stage"] == "applied"


async def test_review_s_draw_answer_is_read(service):
    await applied(service)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            201,
            json={
                "draw_id": "DR-9",
                "seed": 7,
                "experts": [{"id": "X1", "name": "周工"}, {"id": "X2", "name": "吴工"}],
            },
        )

    service.app.dependency_overrides[expert_pool] = lambda: ReviewExpertPool(
        "http://review", "Bearer t", transport=httpx.MockTransport(answer)
    )
    body = ok(await service.post("bureau", f"/projects/{P}/organise", ORGANISE))
    assert body["expert_draw_id"] == "DR-9"
    assert [m["name"] for m in body["panel"] if m["role"] == "expert"] == ["周工", "吴工"]


async def test_a_secret_system_is_in_use_only_after_the_confidentiality_office_approves(service):
    await applied(service, secret=True)
    body = ok(await service.get("cleared", f"/projects/{P}"))
    assert body["secret"] is True and body["steps"][-1] == "secrecy_approval"
    service.travel(date(2026, 3, 20))
    ok(await service.post("bureau", f"/projects/{P}/organise", ORGANISE))
    body = ok(await service.post("bureau", f"/projects/{P}/completion-acceptance", PASSED))
    assert body["stage"] == "completion_accepted" and body["next_step"] == "secrecy_approval"
    assert body["system_name"] is None  # the bureau user is not cleared
    assert await service.events("acceptance.project.accepted.v1") == []
    assert problem(await service.post("bureau", f"/projects/{P}/secrecy-approval", {"approval_no": "保审1"}), 403)
    body = ok(await service.post("secrecy", f"/projects/{P}/secrecy-approval", {"approval_no": "保审〔2026〕1号"}))
    assert body["stage"] == "accepted" and body["system_name"] == "奉贤教育云"
    [event] = await service.events("acceptance.project.accepted.v1")
    assert event.data["secret"] is True and event.data["system_name"] is None and event.data["items"] == []
    assert "secrecy_approval" in event.data["documents"]


async def test_a_repeated_application_with_the_same_key_takes_effect_once(service):
    service.travel(date(2026, 2, 1))
    await service.contract(P, "fengxian", date(2026, 1, 5))
    ok(await service.post("unit", f"/projects/{P}/trial-run", {"started_on": "2026-02-01"}))
    service.travel(date(2026, 3, 5))
    key = {"Idempotency-Key": "apply-1"}
    first = ok(await service.post("unit", f"/projects/{P}/application", FORM, **key))
    again = ok(await service.post("unit", f"/projects/{P}/application", FORM, **key))
    assert first == again and again["attempts"] == 1
    reused = problem(await service.post("unit", f"/projects/{P}/application", {"documents": ["x"]}, **key), 422)
    assert reused["type"].endswith("/idempotency-key-reused")
    async with service.runtime.engine.connect() as conn:
        table = service.runtime.schema.audit
        actions = (await conn.execute(sa.select(table.c.action).where(table.c.subject == P))).scalars().all()
    assert actions.count("acceptance_application.done") == 1
