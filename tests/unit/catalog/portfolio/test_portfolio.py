"""Events fed through the portfolio's consumers: the stage, money and 待办 they leave, read back through
the routes with each role's scope; the list's totals and spreadsheet; the cockpit; notifications."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import sqlalchemy as sa
from openpyxl import load_workbook

from shared import clock
from shared.auth import Role
from shared.contracts.acceptance import ProjectAccepted, TrialStarted
from shared.contracts.budget import ControlPriceApproved, EstimateApproved, FundsReleased
from shared.contracts.catalog import SystemRegistered
from shared.contracts.common import DEADLINE_OVERDUE
from shared.contracts.intake import ApplicationAdmitted, ApplicationSubmitted
from shared.contracts.procurement import ContractSigned, PlanFiled, TenderAwarded
from shared.contracts.review import ProjectApproved, ProjectScored
from tests.unit.catalog.portfolio.conftest import UNIT, summary_of

OTHER_UNIT = "达州市卫生健康委员会"


def waiting(todos: list[dict], project_id: str) -> list[tuple[str, str]]:
    return [(t["action"], t["role"]) for t in todos if t["project_id"] == project_id]


async def scored(hub, project_id, passed=True):
    await hub.deliver(
        ProjectScored(
            project_id=project_id,
            unit=UNIT,
            jurisdiction="dazhou",
            passed=passed,
            reviewers=5,
            mean_total_score=82,
            rule_id="review.scheme_pass",
            citation="dazhou:第十条",
        )
    )


async def approved(hub, project_id, amount_fen=150_0000_00, **kw):
    await hub.deliver(
        ProjectApproved(
            project_id=project_id,
            project=summary_of(
                "dazhou", kw.get("unit", UNIT), kw.get("title", "智慧教育平台"), amount_fen, kw.get("secret", False)
            ),
            approval_letter_no="dazhou-立项-2027-1",
            approved_on=clock.today(),
            authority_steps=["vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance"],
            rule_id="approval.authority",
            citation="dazhou:第十条(一)",
            pack_version="1",
        )
    )


async def contracted(hub, project_id, amount_fen, *, signed_on, due, unit=UNIT):
    await hub.deliver(
        ContractSigned(
            project_id=project_id,
            contract_id=f"C-{uuid.uuid4().hex[:6]}",
            unit=unit,
            jurisdiction="dazhou",
            supplier="某科技有限公司",
            amount_fen=amount_fen,
            signed_on=signed_on,
            planned_completion=due,
            construction_due=due,
        )
    )


async def test_the_dazhou_path_moves_stage_money_and_todos_from_role_to_role(hub):
    today = clock.today()
    summary = summary_of("dazhou", UNIT, "智慧教育平台", 150_0000_00)
    project = f"P-{uuid.uuid4().hex[:10]}"

    await hub.deliver(ApplicationSubmitted(project_id=project, project=summary))
    assert waiting(await hub.todos(), project) == [("admit", "data_bureau")]
    assert (await hub.project(project))["stage"] == "submitted"

    await hub.deliver(ApplicationAdmitted(project_id=project, project=summary, admitted_by="bureau"))
    assert waiting(await hub.todos(), project) == [("scheme_review", "data_bureau")]

    await scored(hub, project)
    assert waiting(await hub.todos(), project) == []  # the bureau's part is done
    leader = await hub.todos(Role.VICE_MAYOR_UNIT)
    assert waiting(leader, project) == [("approval", "vice_mayor_unit")]
    assert leader[0]["action_label_zh"] == "分管副市长审核立项" and leader[0]["stage_label_zh"] == "评审中"

    await approved(hub, project)
    assert waiting(await hub.todos(Role.VICE_MAYOR_UNIT), project) == []
    mine = await hub.todos(Role.UNIT, unit=UNIT)
    assert waiting(mine, project) == [("technical_plan", "unit")]
    assert waiting(await hub.todos(Role.UNIT, unit=OTHER_UNIT), project) == []

    await hub.deliver(
        EstimateApproved(
            project_id=project, unit=UNIT, jurisdiction="dazhou", estimate_fen=140_0000_00, approved_on=today
        )
    )
    assert waiting(await hub.todos(Role.UNIT, unit=UNIT), project) == [("control_price", "unit")]
    await hub.deliver(
        ControlPriceApproved(
            project_id=project,
            unit=UNIT,
            jurisdiction="dazhou",
            control_price_fen=139_0000_00,
            estimate_fen=140_0000_00,
            approved_on=today,
        )
    )
    assert waiting(await hub.todos(Role.UNIT, unit=UNIT), project) == [("plan", "unit")]
    await hub.deliver(
        PlanFiled(
            project_id=project,
            unit=UNIT,
            jurisdiction="dazhou",
            cycle=1,
            method="open_tender",
            route="procurement_center",
            budget_fen=139_0000_00,
            filed_on=today,
        )
    )
    assert waiting(await hub.todos(Role.PROCUREMENT_CENTER), project) == [("tender", "procurement_center")]
    await hub.deliver(
        TenderAwarded(
            project_id=project,
            tender_id="T-1",
            award_id="A-1",
            unit=UNIT,
            jurisdiction="dazhou",
            supplier="某科技有限公司",
            amount_fen=130_0000_00,
            awarded_on=today,
        )
    )
    assert waiting(await hub.todos(Role.PROCUREMENT_CENTER), project) == []
    assert waiting(await hub.todos(Role.UNIT, unit=UNIT), project) == [("contract", "unit")]

    due = today + timedelta(days=180)
    await contracted(hub, project, 130_0000_00, signed_on=today, due=due)
    trial = await hub.todos(Role.UNIT, unit=UNIT)
    assert waiting(trial, project) == [("trial_run", "unit")] and trial[0]["due_on"] == due.isoformat()
    release = FundsReleased(
        project_id=project, release_id="R-1", contract_id="C-1", amount_fen=39_0000_00, released_total_fen=39_0000_00
    )
    await hub.deliver(release)
    await hub.deliver(release)  # the same release announced twice counts once

    await hub.deliver(TrialStarted(project_id=project, started_on=today))
    assert waiting(await hub.todos(), project) == [("pre_acceptance_approval", "data_bureau")]
    await hub.deliver(
        ProjectAccepted(
            project_id=project,
            unit=UNIT,
            jurisdiction="dazhou",
            path="dazhou_acceptance",
            accepted_on=today,
            documents=["acceptance_report"],
            system_name="智慧教育平台",
        )
    )
    await hub.deliver(
        SystemRegistered(
            project_id=project, system_id=f"S-{project}", unit=UNIT, jurisdiction="dazhou", registered_on=today
        )
    )
    dossier = await hub.project(project)
    assert dossier["stage"] == "in_catalog" and dossier["stage_label_zh"] == "已入系统目录"
    assert dossier["todos"] == []
    assert dossier["money"] == {
        "total_investment_fen": 150_0000_00,
        "approved_investment_fen": 150_0000_00,
        "estimate_fen": 140_0000_00,
        "contracted_fen": 130_0000_00,
        "released_fen": 39_0000_00,
        "paid_fen": 39_0000_00,
    }
    assert dossier["dates"]["approved_on"] == today.isoformat()
    construction = [d for d in dossier["deadlines"] if d["rule_id"] == "procurement.construction_due"]
    assert construction and construction[0]["status"] == "met"
    assert dossier["variance"]["risk"] == "low"


async def test_a_late_event_does_not_move_the_project_back(hub):
    summary = summary_of("dazhou", UNIT, "迟到的事件", 100_0000_00)
    project = f"P-{uuid.uuid4().hex[:10]}"
    now = clock.now()
    await hub.deliver(ApplicationAdmitted(project_id=project, project=summary, admitted_by="b"), at=now)
    await hub.deliver(ApplicationSubmitted(project_id=project, project=summary), at=now - timedelta(hours=1))
    dossier = await hub.project(project)
    assert dossier["stage"] == "admitted"
    assert [t["action"] for t in dossier["todos"]] == ["scheme_review"]


async def test_scope_units_experts_and_secret_projects(hub):
    mine = await hub.admitted(title="教育云平台")
    theirs = await hub.admitted(unit=OTHER_UNIT, title="医疗健康平台")
    secret = await hub.admitted(title="不应出现的名称", secret=True, amount_fen=900_0000_00)

    own = (await hub.get("/projects", Role.UNIT, unit=UNIT)).json()
    assert {p["project_id"] for p in own["items"]} == {mine, secret} and own["total"] == 2
    assert own["investment_fen"] == 150_0000_00 + 900_0000_00  # the unit sees its own secret project's amount
    other = (await hub.get("/projects", Role.UNIT, unit="无关单位")).json()
    assert other == {"items": [], "total": 0, "investment_fen": 0, "offset": 0, "limit": 20, "next_cursor": None}
    assert (await hub.get(f"/projects/{theirs}", Role.UNIT, unit=UNIT)).status_code == 404
    assert (await hub.get("/todos", Role.UNIT, unit="无关单位")).json()["total"] == 0

    expert = await hub.get("/projects", Role.EXPERT)
    assert expert.json()["total"] == 0 and (await hub.get("/todos", Role.EXPERT)).json()["items"] == []

    bureau = await hub.get("/projects", params={"limit": 50})
    rows = {p["project_id"]: p for p in bureau.json()["items"]}
    assert rows[secret]["title"] is None and rows[secret]["secret"] is True
    assert rows[secret]["money"]["total_investment_fen"] is None  # uncleared: no amounts
    assert bureau.json()["investment_fen"] == 2 * 150_0000_00  # nor in the total of the query
    everyone = (await hub.get("/projects", params={"limit": 1}, cleared=True)).json()
    assert everyone["total"] == 3 and everyone["investment_fen"] == 2 * 150_0000_00 + 900_0000_00
    assert "不应出现的名称" not in bureau.text
    cleared = await hub.project(secret, cleared=True)
    assert cleared["title"] is None and cleared["money"]["total_investment_fen"] == 900_0000_00
    async with hub.runtime.engine.connect() as conn:  # the cleared read of a secret project is audited
        audit = hub.runtime.schema.audit
        reads = (await conn.execute(sa.select(audit.c.action).where(audit.c.subject == secret))).scalars().all()
    assert "secret.read" in reads
    assert (await hub.get(f"/projects/{mine}", Role.EXPERT)).status_code == 403
    # an amount filter must not reveal which secret projects are large
    big = (await hub.get("/projects", params={"amount_min": 500_0000_00})).json()
    assert big["total"] == 0
    assert (await hub.get("/projects", params={"amount_min": 500_0000_00}, cleared=True)).json()["total"] == 1
    notes = (await hub.get("/notifications")).json()
    assert notes["items"] and "不应出现的名称" not in str(notes)


async def test_list_filters_sort_and_totals_over_the_whole_query_without_drafts(hub):
    ids = [
        await hub.admitted(title=f"智慧城市第{n}期", amount_fen=(n + 1) * 10_0000_00, year=2027 if n % 2 else 2026)
        for n in range(23)
    ]
    await hub.admitted(unit="达州市交通运输局", title="交通大脑")
    # money heard of a project intake never announced: a stub row, never listed
    await hub.deliver(
        FundsReleased(project_id="P-unknown", release_id="R-x", contract_id="C", amount_fen=1, released_total_fen=1)
    )

    first = (await hub.get("/projects", params={"q": "智慧城市", "limit": 10, "sort": "amount", "order": "asc"})).json()
    assert first["total"] == 23 and len(first["items"]) == 10
    # the investment total covers all 23 rows of the query, not the page of 10 (nor the stub or other unit)
    assert first["investment_fen"] == sum((n + 1) * 10_0000_00 for n in range(23))
    assert [p["project_id"] for p in first["items"]] == ids[:10]
    page = first
    seen = []
    while page["next_cursor"]:
        seen += [p["project_id"] for p in page["items"]]
        page = (
            await hub.get(
                "/projects",
                params={"q": "智慧城市", "limit": 10, "sort": "amount", "order": "asc", "cursor": page["next_cursor"]},
            )
        ).json()
    seen += [p["project_id"] for p in page["items"]]
    assert seen == ids and page["total"] == 23

    everything = (await hub.get("/projects")).json()
    assert everything["total"] == 24  # the stub is not a project of the library
    assert (await hub.get("/projects", params={"unit": "交通"})).json()["total"] == 1
    assert (await hub.get("/projects", params={"q": "城市第1", "year": 2027})).json()["total"] == 6  # 1,11,13,15,17,19
    ranged = await hub.get("/projects", params={"amount_min": 50_0000_00, "amount_max": 100_0000_00})
    assert ranged.json()["total"] == 6
    assert (await hub.get("/projects", params={"stage": "admitted"})).json()["total"] == 24
    assert (await hub.get("/projects", params={"stage": "approved"})).json()["total"] == 0
    by_title = (await hub.get("/projects", params={"sort": "title", "limit": 1})).json()["items"][0]
    assert by_title["title"] == "交通大脑" or by_title["title"] < "智慧城市第0期"

    sheet = await hub.get("/projects.xlsx", params={"q": "智慧城市", "sort": "amount", "order": "asc"})
    assert sheet.status_code == 200 and sheet.headers["x-total-count"] == "23"
    book = load_workbook(io.BytesIO(sheet.content))
    rows = list(book["项目库"].iter_rows(values_only=True))
    assert rows[0][:3] == ("项目编号", "项目名称", "建设单位") and len(rows) == 24
    assert rows[1][0] == ids[0] and rows[1][1] == "智慧城市第0期" and float(rows[1][6]) == 100000.0
    assert rows[1][4] == "已入库"


async def test_overdue_deadlines_filter_notify_and_rate_red(hub):
    today = clock.today()
    late = await hub.admitted(title="逾期项目")
    calm = await hub.admitted(title="按期项目")
    await scored(hub, late)
    overdue = DEADLINE_OVERDUE["review"](
        project_id=late,
        rule_id="review.design_approval_due",
        citation="quzhou:三(二)2",
        due_on=today - timedelta(days=2),
    )
    await hub.deliver(overdue)
    await hub.deliver(overdue)  # announced again: one to-do
    chase = [t for t in await hub.todos() if t["project_id"] == late]
    assert [(t["action"], t["overdue"]) for t in chase] == [("chase_overdue", True)]
    listed = (await hub.get("/projects", params={"overdue": "true"})).json()
    assert [p["project_id"] for p in listed["items"]] == [late] and listed["items"][0]["overdue"] is True
    assert (await hub.get("/projects", params={"overdue": "false"})).json()["total"] == 1
    # the bureau's list puts the overdue one first
    assert (await hub.todos())[0]["project_id"] == late
    dossier = await hub.project(late)
    assert dossier["deadlines"][0]["colour"] == "red"
    assert calm not in {t["project_id"] for t in chase}


async def test_cockpit_counts_money_funnel_deadlines_and_risk(hub):
    today = clock.today()
    a = await hub.admitted(title="甲", amount_fen=100_0000_00)
    b = await hub.admitted(title="乙", amount_fen=300_0000_00)
    await hub.admitted(title="丙", amount_fen=50_0000_00, jurisdiction="fengxian", unit="奉贤区教育局")
    await approved(hub, a, 100_0000_00, title="甲")
    await approved(hub, b, 300_0000_00, title="乙")
    await hub.deliver(
        EstimateApproved(project_id=a, unit=UNIT, jurisdiction="dazhou", estimate_fen=100_0000_00, approved_on=today)
    )
    await hub.deliver(
        EstimateApproved(project_id=b, unit=UNIT, jurisdiction="dazhou", estimate_fen=290_0000_00, approved_on=today)
    )
    await contracted(hub, a, 140_0000_00, signed_on=today - timedelta(days=100), due=today + timedelta(days=10))
    await contracted(hub, b, 280_0000_00, signed_on=today, due=today + timedelta(days=200))
    await hub.deliver(
        FundsReleased(
            project_id=b, release_id="R-b", contract_id="C", amount_fen=80_0000_00, released_total_fen=80_0000_00
        )
    )

    cockpit = (await hub.get("/cockpit", params={"jurisdiction": "dazhou"})).json()
    assert cockpit["projects"] == 2 and cockpit["investment_fen"] == 400_0000_00
    assert {b_["key"]: b_["count"] for b_ in cockpit["by_stage"]} == {"contracted": 2}
    assert {s["step"]: s["amount_fen"] for s in cockpit["funnel"]} == {
        "approved": 400_0000_00,
        "estimated": 390_0000_00,
        "contracted": 420_0000_00,
        "released": 80_0000_00,
        "paid": 80_0000_00,
    }
    assert cockpit["deadlines"]["amber"] >= 1 and cockpit["deadlines"]["red"] == 0
    risky = cockpit["risk_projects"][0]
    assert risky["project_id"] == a and risky["cost_variance_pct"] == 40.0 and risky["risk"] == "high"
    assert cockpit["risk"] == {"low": 1, "medium": 0, "high": 1}
    assert cockpit["settings"]["variance_red_pct"] == 30
    everywhere = (await hub.get("/cockpit")).json()
    assert {j["key"] for j in everywhere["by_jurisdiction"]} == {"dazhou", "fengxian"}
    assert (await hub.get("/cockpit", Role.UNIT, unit="无关单位")).json()["projects"] == 0


async def test_notifications_badge_approaching_deadlines_and_read_marker(hub):
    project = await hub.admitted(title="提醒项目")
    feed = (await hub.get("/notifications", subject="bureau-1")).json()
    assert feed["unread"] >= 1 and any("提醒项目" in n["text_zh"] for n in feed["items"])
    read = (await hub.post("/notifications/read", subject="bureau-1")).json()
    assert read["unread"] == 0
    assert (await hub.get("/notifications", subject="bureau-2")).json()["unread"] == feed["unread"]  # per reader

    await approved(hub, project, title="提醒项目")
    today = clock.today()
    await contracted(hub, project, 100_0000_00, signed_on=today, due=today + timedelta(days=20))
    unit_feed = (await hub.get("/notifications", Role.UNIT, unit=UNIT)).json()
    before = unit_feed["unread"]
    clock.set_offset(timedelta(days=15))  # five days before the construction deadline
    await hub.sweep()
    after = (await hub.get("/notifications", Role.UNIT, unit=UNIT)).json()
    assert after["unread"] == before + 1 and after["items"][0]["kind"] == "deadline_approaching"
    await hub.sweep()  # reminded once
    assert (await hub.get("/notifications", Role.UNIT, unit=UNIT)).json()["unread"] == before + 1
    clock.set_offset(timedelta(days=21))
    await hub.sweep()
    # the newest may be another deadline's reminder (the year-end monitoring report when run in December)
    newest = (await hub.get("/notifications", Role.UNIT, unit=UNIT)).json()["items"]
    overdue = [n for n in newest if n["kind"] == "deadline_overdue"]
    assert len(overdue) == 1 and "已逾期" in overdue[0]["text_zh"] and "试运行" in overdue[0]["text_zh"]
    assert waiting(await hub.todos(), project) == [("chase_overdue", "data_bureau")]
    assert (await hub.project(project))["overdue"] is True
    await hub.deliver(TrialStarted(project_id=project, started_on=clock.today()))  # built, if late
    assert waiting(await hub.todos(), project) == [("pre_acceptance_approval", "data_bureau")]
    assert (await hub.project(project))["overdue"] is False
    assert (await hub.get("/notifications", Role.UNIT, unit="无关单位")).json() == {"items": [], "unread": 0}


async def test_bad_input_is_a_problem_naming_the_field(hub):
    for params, status, field in (
        ({"cursor": "not-a-cursor"}, 400, "cursor"),
        ({"stage": "draft"}, 400, "stage"),
        ({"amount_min": 5, "amount_max": 1}, 400, "amount_min"),
        ({"limit": 1000}, 422, "limit"),
        ({"stage": "nowhere"}, 422, "stage"),
        ({"sort": "secret"}, 422, "sort"),
        ({"q": "x" * 101}, 422, "q"),
    ):
        response = await hub.get("/projects", params=params)
        assert response.status_code == status, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in response.text
    assert (await hub.get("/cockpit", params={"jurisdiction": "atlantis"})).status_code == 422
    assert (await hub.get("/todos", Role.UNIT, unit=UNIT, params={"role": "mayor"})).status_code == 403
    assert (await hub.get("/projects/P-nothing")).status_code == 404
    assert (await hub.client.get("/api/catalog/portfolio/todos")).status_code == 401


async def test_a_person_with_two_roles_sees_both_lists_counted_and_may_narrow_to_one(hub):
    admitted = await hub.admitted(title="两个角色")
    routed = await hub.admitted(title="待审批", secret=True)
    await scored(hub, routed)
    both = (await hub.get("/todos", (Role.DATA_BUREAU, Role.VICE_MAYOR_UNIT))).json()
    assert both["counts"] == {"by_role": {"data_bureau": 1, "vice_mayor_unit": 1}} and both["total"] == 2
    leader = (
        await hub.get("/todos", (Role.DATA_BUREAU, Role.VICE_MAYOR_UNIT), params={"role": "vice_mayor_unit"})
    ).json()
    assert [(t["project_id"], t["title"]) for t in leader["items"]] == [(routed, None)]  # secret: never a title
    assert leader["total"] == 1 and leader["counts"] == both["counts"]
    paged = (await hub.get("/todos", (Role.DATA_BUREAU, Role.VICE_MAYOR_UNIT), params={"limit": 1})).json()
    rest = (
        await hub.get("/todos", (Role.DATA_BUREAU, Role.VICE_MAYOR_UNIT), params={"cursor": paged["next_cursor"]})
    ).json()
    assert {t["project_id"] for t in paged["items"] + rest["items"]} == {admitted, routed}
    assert rest["next_cursor"] is None


async def test_the_cockpit_rates_with_the_thresholds_in_the_jurisdictions_pack(hub, pack_settings):
    hub.runtime.settings.cockpit_max_age_seconds = 0  # no snapshot: each read sees the pack just changed
    today = clock.today()
    a = await hub.admitted(title="甲", amount_fen=100_0000_00)
    await approved(hub, a, 100_0000_00, title="甲")
    await contracted(hub, a, 140_0000_00, signed_on=today, due=today + timedelta(days=10))  # CV 40%

    def rated(cockpit: dict) -> str:
        return next(p["risk"] for p in cockpit["risk_projects"] if p["project_id"] == a)

    shipped = (await hub.get("/cockpit", params={"jurisdiction": "dazhou"})).json()
    assert rated(shipped) == "high" and shipped["settings"]["variance_red_pct"] == 30

    # the bureau raises its thresholds in its pack: 40% is now exactly 中风险 (以上 includes the number)
    pack_settings("dazhou", variance_amber_pct="40", variance_red_pct="41", deadline_amber_days="10")
    at_10 = (await hub.get("/cockpit", params={"jurisdiction": "dazhou"})).json()
    assert rated(at_10) == "medium" and at_10["settings"]["variance_amber_pct"] == 40
    assert at_10["risk"]["high"] == 0 and at_10["risk"]["medium"] == 1
    pack_settings("dazhou", variance_amber_pct="41", variance_red_pct="50", deadline_amber_days="9")
    at_9 = (await hub.get("/cockpit", params={"jurisdiction": "dazhou"})).json()
    assert rated(at_9) == "low"
    # the contract's deadline due in 10 days: amber with 10 days (included), green with 9
    assert at_10["deadlines"]["amber"] - at_9["deadlines"]["amber"] >= 1
    assert (
        at_9["deadlines"]["green"] - at_10["deadlines"]["green"]
        == at_10["deadlines"]["amber"] - at_9["deadlines"]["amber"]
    )
    detail = (await hub.get(f"/projects/{a}")).json()
    assert {d["colour"] for d in detail["deadlines"] if d["due_on"] == (today + timedelta(days=10)).isoformat()} == {
        "green"
    }


async def test_reminders_come_as_many_days_before_as_the_jurisdictions_pack_says(hub, pack_settings):
    pack_settings("dazhou", notify_before_days="3")
    project = await hub.admitted(title="提醒天数项目")
    await approved(hub, project, title="提醒天数项目")
    today = clock.today()
    due = today + timedelta(days=20)
    await contracted(hub, project, 100_0000_00, signed_on=today, due=due)

    async def reminded() -> int:
        items = (await hub.get("/notifications", Role.UNIT, unit=UNIT)).json()["items"]
        return sum(1 for n in items if n["kind"] == "deadline_approaching" and f"{due.isoformat()} 前" in n["text_zh"])

    clock.set_offset(timedelta(days=16))  # four days before: the shipped 7 days would remind, this pack's 3 not
    await hub.sweep()
    assert await reminded() == 0
    clock.set_offset(timedelta(days=17))  # three days before: 以内 includes the number
    await hub.sweep()
    assert await reminded() == 1
