"""The catalog's API and consumers on SQLite: registration, stock import, monitoring, zombies and their
sanctions on the injected clock, evaluations, O&M, retirement and budget's funding question."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from prometheus_client import REGISTRY

from services.catalog.tables import ImportBatch, System, schema
from shared import clock
from shared.auth import Role
from shared.contracts.procurement import ContractSigned

from .conftest import months_back

HEADER = "external_ref,unit,jurisdiction,name,went_live_on,crypto_status,security_status\n"


async def advance(catalog, days: int) -> None:
    clock.advance(timedelta(days=days))


# --- registration ---------------------------------------------------------------------------------


async def test_an_accepted_project_becomes_a_running_system_that_owes_its_self_evaluation(catalog):
    system_id = await catalog.accept()
    project = system_id[2:]
    system = (await catalog.get(f"/api/catalog/systems/{system_id}")).json()
    assert system["state"] == "running" and system["origin"] == "acceptance"
    registered = await catalog.events("catalog.system.registered.v1")
    assert [e["system_id"] for e in registered] == [system_id] and registered[0]["key"] == project
    evaluations = (await catalog.get(f"/api/catalog/systems/{system_id}/evaluations")).json()
    today = clock.today()
    year = str(today + relativedelta(months=12))
    assert [(e["kind"], e["earliest_on"], e["due_on"]) for e in evaluations] == [
        ("self_evaluation", year, str(today + relativedelta(months=24))),
        ("security_assessment", None, year),  # dazhou:第五十五条, yearly by local setting
        ("crypto_assessment", None, year),
    ]
    deadline = {d.rule_id: d for d in await catalog.deadlines(project)}["catalog.self_evaluation"]
    assert deadline.due_on == today + relativedelta(months=24)
    # a redelivered event changes nothing
    (await catalog.get(f"/api/catalog/projects/{project}")).raise_for_status()


async def test_a_secret_system_keeps_its_name_out_of_events_and_shared_reads(catalog):
    system_id = await catalog.accept(secret=True)
    [event] = await catalog.events("catalog.system.registered.v1")
    assert event["name"] is None
    assert (await catalog.get(f"/api/catalog/systems/{system_id}")).json()["name"] is None


async def test_the_bureau_moves_a_live_system_between_running_trial_and_suspended(catalog):
    from shared.auth import Role

    system_id = await catalog.accept()
    path = f"/api/catalog/systems/{system_id}/state"
    suspended = await catalog.post(path, {"state": "suspended", "reason": "等保整改期间暂停"})
    assert suspended.status_code == 200 and suspended.json()["state"] == "suspended"
    [event] = await catalog.events("catalog.system.state_changed.v1")
    assert (event["previous"], event["state"]) == ("running", "suspended")
    assert (await catalog.post(path, {"state": "suspended", "reason": "again"})).status_code == 409
    assert (await catalog.post(path, {"state": "retired", "reason": "x"})).status_code == 422  # its own step
    assert (await catalog.post(path, {"state": "running", "reason": "x"}, role=Role.UNIT)).status_code == 403
    assert (await catalog.post(path, {"state": "running", "reason": "整改完成"})).json()["state"] == "running"
    assert (
        await catalog.post("/api/catalog/systems/S-nope/state", {"state": "trial", "reason": "x"})
    ).status_code == 404


async def test_fengxian_om_acceptance_needs_the_bureau_and_finance_then_counts_as_an_evaluation(catalog):
    from shared.auth import Role

    system_id = await catalog.accept(jurisdiction="fengxian", unit="奉贤区教育局")
    path = f"/api/catalog/systems/{system_id}/om-acceptances"
    body = {"year": 2026, "passed": True, "score": 88}
    bureau = await catalog.post(path, body, headers={"Idempotency-Key": "om-1"})
    assert bureau.status_code == 201 and [p["authority"] for p in bureau.json()["parts"]] == ["data_bureau"]
    assert await catalog.events("catalog.evaluation.completed.v1") == []  # finance has not recorded yet
    assert (await catalog.post(path, body)).status_code == 409  # the bureau's part is in
    finance = await catalog.post(path, {**body, "score": 92}, role=Role.FINANCE)
    assert finance.status_code == 201
    [done] = await catalog.events("catalog.evaluation.completed.v1")
    assert (done["kind"], done["passed"], done["score"], done["citation"]) == (
        "om_evaluation",
        True,
        90,
        "fengxian:第三十一条",
    )
    assert (await catalog.post(path, body, role=Role.UNIT)).status_code == 403
    dazhou = await catalog.accept()
    refused = await catalog.post(f"/api/catalog/systems/{dazhou}/om-acceptances", body)
    assert refused.status_code == 422 and refused.json()["rule_id"] == "catalog.om_evaluation"


# --- stock import ---------------------------------------------------------------------------------


def stock_csv(count: int, bad: dict[int, str]) -> bytes:
    lines = []
    for n in range(1, count + 1):
        lines.append(bad.get(n, f"STK-{n:05d},宿迁市单位{n % 40},suqian,存量系统{n},2019-05-01,passed,passed"))
    return (HEADER + "\n".join(lines)).encode()


async def test_5000_stock_systems_with_a_few_bad_rows_keep_the_good_ones_and_report_each_bad_one(catalog):
    bad = {
        17: "STK-00017,宿迁市单位17,suqian,,2019-05-01,passed,passed",
        2048: "STK-02048,宿迁市单位8,atlantis,系统,2019-05-01,passed,passed",
        3000: "STK-03000,宿迁市单位0,suqian,系统,2019-13-01,passed,passed",
        4999: "STK-00001,宿迁市单位1,suqian,存量系统1,2019-05-01,passed,passed",  # row 1 again
    }
    response = await catalog.upload(stock_csv(5000, bad), "text/csv")
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["rows"], report["imported"], report["rejected"]) == (5000, 4996, 4)
    assert [e["row"] for e in report["errors"]] == [17, 2048, 3000, 4999]
    assert report["errors"][0]["errors"][0]["field"] == "name"
    assert report["errors"][1]["errors"][0]["field"] == "jurisdiction"
    assert report["errors"][2]["errors"][0]["field"] == "went_live_on"
    assert "row 1" in report["errors"][3]["errors"][0]["message"]
    assert len(await catalog.events("catalog.system.registered.v1")) == 4996
    listed = (await catalog.get("/api/catalog/systems", params={"origin": "stock_import", "limit": 500})).json()
    assert len(listed["items"]) == 500 and listed["next_cursor"]
    # the report is kept, and a re-import of the same file adds nothing
    stored = (await catalog.get(f"/api/catalog/imports/{report['id']}")).json()
    assert stored["rejected"] == 4
    again = (await catalog.upload(stock_csv(5000, bad), "text/csv")).json()
    assert (again["imported"], again["already_in_catalog"], again["rejected"]) == (0, 4996, 4)


async def test_an_import_written_in_chunks_still_writes_all_or_nothing(catalog, monkeypatch):
    """The import writes its systems a chunk at a time inside one transaction: each chunk owes its
    evaluations and its events; a failure in a later chunk leaves none of the earlier ones behind."""
    import pytest

    from services.catalog.handlers import stock_import as handlers

    monkeypatch.setattr(handlers, "IMPORT_CHUNK", 40)
    write_chunk, chunks = handlers._write_stock_chunk, []

    async def failing_third(uow, systems, *args):
        chunks.append(len(systems))
        if len(chunks) == 3:
            raise RuntimeError("the database went away")
        await write_chunk(uow, systems, *args)

    monkeypatch.setattr(handlers, "_write_stock_chunk", failing_third)
    with pytest.raises(RuntimeError):
        response = await catalog.upload(stock_csv(130, {}), "text/csv")
        assert response.status_code == 500
    assert chunks == [40, 40, 40]
    assert await catalog.events() == []
    async with catalog.runtime.unit_of_work() as uow:
        for table in (System, ImportBatch, schema.deadlines, schema.audit):
            assert await uow.session.scalar(sa.select(sa.func.count()).select_from(table)) == 0, table

    monkeypatch.setattr(handlers, "_write_stock_chunk", write_chunk)
    chunks.clear()
    report = (await catalog.upload(stock_csv(130, {}), "text/csv")).json()
    assert report["imported"] == 130
    assert len(await catalog.events("catalog.system.registered.v1")) == 130
    async with catalog.runtime.unit_of_work() as uow:
        owed = await uow.session.scalars(sa.select(sa.func.count(sa.distinct(schema.deadlines.c.subject))))
        assert owed.one() == 130  # every chunk's systems owe their evaluations


async def test_a_malformed_import_is_a_problem_and_writes_nothing(catalog):
    for content, media_type, status in (
        (b"not,a,catalog\n1,2,3", "text/csv", 400),
        (b"[{", "application/json", 400),
        (b"<systems/>", "application/xml", 415),
    ):
        response = await catalog.upload(content, media_type)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].endswith("/malformed-import")
    async with catalog.runtime.unit_of_work() as uow:
        assert await uow.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0
        assert await uow.session.scalar(sa.select(sa.func.count()).select_from(System)) == 0


async def test_json_import_and_unit_staff_importing_only_their_own_unit(catalog):
    rows = [
        {
            "external_ref": "J1",
            "unit": "达州市教育局",
            "jurisdiction": "dazhou",
            "name": "学籍系统",
            "went_live_on": "2020-09-01",
            "mlps_level": 3,
            "deployment": "gov_cloud",
        },
        {
            "external_ref": "J2",
            "unit": "达州市卫生健康委员会",
            "jurisdiction": "dazhou",
            "name": "医保系统",
            "went_live_on": "2020-09-01",
        },
    ]
    import json

    response = await catalog.upload(json.dumps(rows).encode(), "application/json", Role.UNIT, unit="达州市教育局")
    report = response.json()
    assert response.status_code == 201 and report["imported"] == 1
    assert report["errors"][0]["row"] == 2 and report["errors"][0]["errors"][0]["field"] == "unit"


# --- monitoring -----------------------------------------------------------------------------------


async def test_monitoring_rows_are_checked_one_by_one_and_repeats_are_idempotent(catalog):
    system_id = await catalog.accept(accepted_on=clock.today() - timedelta(days=200))
    last, current = months_back(1)[0], f"{clock.today():%Y-%m}"
    future = f"{clock.today().year + 1}-01"
    figure = {"system_id": system_id, "month": last, "usage_count": 12, "availability_bp": 9990}
    response = await catalog.push(
        [
            figure,
            {**figure, "system_id": "S-nope"},
            {**figure, "month": current},
            {**figure, "month": future},
            figure,  # the same row twice: no second effect
            {**figure, "usage_count": 13},  # the same month twice with different numbers
        ]
    )
    report = response.json()
    assert response.status_code == 200, response.text
    assert (report["stored"], report["unchanged"], report["rejected"]) == (1, 1, 4)
    errors = {r["index"]: r["error"] for r in report["results"] if "error" in r}
    assert "unknown system" in errors[1] and "not ended" in errors[2] and "future" in errors[3]
    assert "twice" in errors[5]
    again = (await catalog.push([figure])).json()
    assert again["unchanged"] == 1
    corrected = (await catalog.push([{**figure, "usage_count": 20}])).json()
    assert corrected["updated"] == 1
    shown = (await catalog.get(f"/api/catalog/systems/{system_id}/monitoring")).json()
    assert shown["figures"] == [{"month": last, "usage_count": 20, "availability_bp": 9990}]


async def test_only_platforms_and_the_bureau_push_figures_and_amounts_are_strict(catalog):
    system_id = await catalog.accept()
    figure = {"system_id": system_id, "month": months_back(1)[0], "usage_count": 1, "availability_bp": 9990}
    assert (await catalog.push([figure], Role.FINANCE)).status_code == 403
    assert (await catalog.push([{**figure, "usage_count": 1.5}])).status_code == 422
    assert (await catalog.push([{**figure, "availability_bp": 10001}])).status_code == 422
    assert (await catalog.push([])).status_code == 422


async def zombie(catalog, unit="衢州市某局") -> str:
    system_id = await catalog.accept("quzhou", unit=unit, accepted_on=clock.today() - timedelta(days=400))
    months = months_back(3)
    figures = [{"system_id": system_id, "month": m, "usage_count": 0, "availability_bp": 10000} for m in months]
    before = len(await catalog.events("catalog.unit.sanctioned.v1"))
    response = await catalog.push(figures[:2])
    assert response.status_code == 200 and len(await catalog.events("catalog.unit.sanctioned.v1")) == before
    assert (await catalog.push(figures[2:])).status_code == 200
    return system_id


async def test_three_months_of_zero_use_list_a_zombie_and_sanction_the_unit_for_two_years(catalog):
    system_id = await zombie(catalog)
    [sanctioned] = await catalog.events("catalog.unit.sanctioned.v1")
    today = clock.today()
    until = today + relativedelta(years=2)
    assert sanctioned["unit"] == "衢州市某局" and sanctioned["cause"] == "zombie_system"
    assert sanctioned["rule_id"] == "catalog.zombie_system" and sanctioned["citation"] == "quzhou:二(二)不予受理.9"
    assert (sanctioned["since"], sanctioned["until"]) == (str(today), str(until))
    system = (await catalog.get(f"/api/catalog/systems/{system_id}")).json()
    assert system["zombie_since"] == str(today)
    [active] = (await catalog.get("/api/catalog/sanctions", params={"unit": "衢州市某局"})).json()
    assert active["until"] == str(until)

    # still barred on the last day of the two years
    clock.advance(timedelta(days=(until - today).days))
    await catalog.runtime.sweep_once()
    assert not await catalog.events("catalog.unit.cleared.v1")
    # cleared the day after
    clock.advance(timedelta(days=1))
    done = await catalog.runtime.sweep_once()
    assert done["clear_sanctions"] == 1
    [cleared] = await catalog.events("catalog.unit.cleared.v1")
    assert cleared["unit"] == "衢州市某局" and cleared["cleared_on"] == str(until + timedelta(days=1))
    assert (await catalog.get("/api/catalog/sanctions", params={"unit": "衢州市某局"})).json() == []
    assert (await catalog.runtime.sweep_once())["clear_sanctions"] == 0


async def test_a_second_zombie_of_the_same_unit_does_not_double_the_bar(catalog):
    await zombie(catalog)
    await zombie(catalog)
    assert len(await catalog.events("catalog.unit.sanctioned.v1")) == 1
    assert len((await catalog.get("/api/catalog/sanctions", params={"unit": "衢州市某局"})).json()) == 1


async def test_a_dazhou_system_with_zero_use_is_not_a_zombie(catalog):
    system_id = await catalog.accept(accepted_on=clock.today() - timedelta(days=400))
    figures = [{"system_id": system_id, "month": m, "usage_count": 0, "availability_bp": 10000} for m in months_back(4)]
    assert (await catalog.push(figures)).json()["stored"] == 4
    assert not await catalog.events("catalog.unit.sanctioned.v1")


async def test_suqian_flags_then_forcibly_retires_a_system_not_running_normally(catalog):
    system_id = await catalog.accept("suqian", unit="宿迁市某局", accepted_on=clock.today() - timedelta(days=400))
    months = months_back(3)

    def row(month, availability):
        return {"system_id": system_id, "month": month, "usage_count": 50, "availability_bp": availability}

    await catalog.push([row(months[0], 5000)])
    system = (await catalog.get(f"/api/catalog/systems/{system_id}")).json()
    assert system["abnormal_since"] == str(clock.today()) and system["state"] == "running"
    await catalog.push([row(months[1], 5000), row(months[2], 7000)])
    system = (await catalog.get(f"/api/catalog/systems/{system_id}")).json()
    assert system["state"] == "retired" and system["retirement_reason"] == "forced_not_running_normally"
    [retired] = await catalog.events("catalog.system.retired.v1")
    assert retired["citation"] == "suqian:(二)" and retired["rule_id"] == "catalog.forced_retirement"
    # a retired system takes no more figures and owes no evaluations
    late = (await catalog.push([row(months[2], 9999)])).json()
    assert late["rejected"] == 1
    evaluations = (await catalog.get(f"/api/catalog/systems/{system_id}/evaluations")).json()
    assert {e["status"] for e in evaluations} == {"closed"}


# --- evaluations ----------------------------------------------------------------------------------


async def test_self_evaluation_is_refused_before_12_months_and_then_routes_a_post_evaluation(catalog):
    system_id = await catalog.accept()
    body = {"kind": "self_evaluation", "passed": True, "score": 88}
    early = await catalog.post(f"/api/catalog/systems/{system_id}/evaluations", body, Role.UNIT, unit="达州市教育局")
    assert early.status_code == 422
    assert early.json()["violations"][0]["citation"] == "dazhou:第五十二条"
    clock.advance(timedelta(days=(clock.today() + relativedelta(months=12) - clock.today()).days))
    other = await catalog.post(f"/api/catalog/systems/{system_id}/evaluations", body, Role.UNIT, unit="别的单位")
    assert other.status_code == 403
    done = await catalog.post(f"/api/catalog/systems/{system_id}/evaluations", body, Role.UNIT, unit="达州市教育局")
    assert done.status_code == 201, done.text
    assert done.json()["on_time"] is True and done.json()["status"] == "completed"
    [completed] = await catalog.events("catalog.evaluation.completed.v1")
    assert completed["kind"] == "self_evaluation" and completed["passed"] is True
    evaluations = (await catalog.get(f"/api/catalog/systems/{system_id}/evaluations")).json()
    assert [(e["kind"], e["status"]) for e in evaluations if e["kind"].endswith("evaluation")] == [
        ("self_evaluation", "completed"),
        ("post_evaluation", "due"),
    ]
    again = await catalog.post(f"/api/catalog/systems/{system_id}/evaluations", body, Role.UNIT, unit="达州市教育局")
    assert again.status_code == 409
    post = {"kind": "post_evaluation", "passed": True}
    assert (
        await catalog.post(f"/api/catalog/systems/{system_id}/evaluations", post, Role.UNIT, unit="达州市教育局")
    ).status_code == 403
    assert (await catalog.post(f"/api/catalog/systems/{system_id}/evaluations", post)).status_code == 201


async def test_a_self_evaluation_not_filed_by_24_months_goes_overdue(catalog):
    system_id = await catalog.accept()
    project = system_id[2:]
    due = clock.today() + relativedelta(months=24)
    clock.advance(timedelta(days=(due - clock.today()).days))
    await catalog.runtime.sweep_once()
    rule = "catalog.self_evaluation"
    assert {d.rule_id: d for d in await catalog.deadlines(project)}[rule].status == "open"
    clock.advance(timedelta(days=1))
    await catalog.runtime.sweep_once()
    assert {d.rule_id: d for d in await catalog.deadlines(project)}[rule].status == "overdue"
    [overdue] = [e for e in await catalog.events("catalog.deadline.overdue.v1") if e["rule_id"] == rule]
    assert overdue["citation"] == "dazhou:第五十二条"
    sample = REGISTRY.get_sample_value("govproj_catalog_evaluations", {"kind": "self_evaluation", "status": "overdue"})
    assert sample == 1
    late = await catalog.post(
        f"/api/catalog/systems/{system_id}/evaluations",
        {"kind": "self_evaluation", "passed": True},
        Role.UNIT,
        unit="达州市教育局",
    )
    assert late.status_code == 201 and late.json()["on_time"] is False


async def test_fengxian_failed_evaluation_marks_the_system_until_a_passing_one(catalog):
    system_id = await catalog.accept("fengxian", unit="奉贤区某局")
    clock.advance(timedelta(days=400))
    body = {"kind": "self_evaluation", "passed": False, "score": 40}
    response = await catalog.post(f"/api/catalog/systems/{system_id}/evaluations", body, Role.UNIT, unit="奉贤区某局")
    assert response.status_code == 201
    system = (await catalog.get(f"/api/catalog/systems/{system_id}")).json()
    assert system["evaluation_failed_since"] == str(clock.today())
    [completed] = await catalog.events("catalog.evaluation.completed.v1")
    assert completed["passed"] is False and completed["unit"] == "奉贤区某局"
    await catalog.post(f"/api/catalog/systems/{system_id}/evaluations", {"kind": "post_evaluation", "passed": True})
    assert (await catalog.get(f"/api/catalog/systems/{system_id}")).json()["evaluation_failed_since"] is None


async def test_construction_reports_are_owed_yearly_until_acceptance(catalog):
    project = "P-building"
    today = clock.today()
    await catalog.deliver(
        ContractSigned(
            project_id=project,
            contract_id="C1",
            unit="达州市教育局",
            jurisdiction="dazhou",
            supplier="某公司",
            amount_fen=100,
            signed_on=today,
            planned_completion=today,
        )
    )
    [deadline] = await catalog.deadlines(project)
    assert deadline.rule_id == "catalog.construction_monitoring_report" and deadline.due_on == date(today.year, 12, 31)
    filed = await catalog.post(
        f"/api/catalog/projects/{project}/monitoring-reports",
        {"report_year": today.year},
        Role.UNIT,
        unit="达州市教育局",
    )
    assert filed.status_code == 201, filed.text
    [deadline] = await catalog.deadlines(project)
    assert deadline.due_on == date(today.year + 1, 12, 31) and deadline.status == "open"
    await catalog.accept()  # another project: nothing to do with this one
    from shared.contracts.acceptance import ProjectAccepted

    await catalog.deliver(
        ProjectAccepted(
            project_id=project,
            unit="达州市教育局",
            jurisdiction="dazhou",
            path="dazhou",
            accepted_on=today,
            documents=[],
        )
    )
    statuses = {d.rule_id: d.status for d in await catalog.deadlines(project)}
    assert statuses["catalog.construction_monitoring_report"] == "cancelled"
    assert statuses["catalog.self_evaluation"] == "open"


# --- O&M, funding, resources, retirement ----------------------------------------------------------


async def test_budget_asks_whether_a_system_is_in_the_catalog_and_may_get_om_money(catalog):
    unknown = (await catalog.get("/api/catalog/funding-eligibility", Role.FINANCE, params={"project_id": "P-x"})).json()
    assert unknown["in_system_catalog"] is False and unknown["om_funding_allowed"] is False
    system_id = await catalog.accept()
    project = system_id[2:]
    known = (await catalog.get("/api/catalog/funding-eligibility", Role.FINANCE, params={"project_id": project})).json()
    assert known["in_system_catalog"] is True and known["om_funding_allowed"] is True
    patched = await catalog.client.patch(
        f"/api/catalog/systems/{system_id}/security",
        json={"crypto_status": "failed"},
        headers=catalog.headers(Role.CRYPTO),
    )
    assert patched.status_code == 200
    barred = (
        await catalog.get("/api/catalog/funding-eligibility", Role.FINANCE, params={"system_id": system_id})
    ).json()
    assert barred["in_system_catalog"] is True and barred["om_funding_allowed"] is False
    assert barred["reasons"][0]["citation"] == "dazhou:第五十七条"
    assert (await catalog.get("/api/catalog/funding-eligibility", Role.FINANCE)).status_code == 400


async def test_fengxian_om_plans_and_retirement_follow_the_pack(catalog):
    system_id = await catalog.accept("fengxian", unit="奉贤区某局")
    unit = {"unit": "奉贤区某局"}
    plan = {"year": 2027, "service_kind": "daily", "plans": ["quality_plan", "operation_plan"]}
    refused = await catalog.post(f"/api/catalog/systems/{system_id}/om-plans", plan, Role.UNIT, **unit)
    assert refused.status_code == 422 and refused.json()["violations"][0]["citation"] == "fengxian:第二十八条"
    plan["plans"] += ["security_plan", "emergency_measures"]
    assert (
        await catalog.post(f"/api/catalog/systems/{system_id}/om-plans", plan, Role.UNIT, **unit)
    ).status_code == 201
    project = (await catalog.get(f"/api/catalog/systems/{system_id}")).json()["project_id"]
    assert (await catalog.get(f"/api/catalog/projects/{project}")).json()["stage"] == "in_catalog"
    retire = {"reason": "permanent_stop", "filed_with_finance": True}
    refused = await catalog.post(f"/api/catalog/systems/{system_id}/retirement", retire, Role.UNIT, **unit)
    assert refused.status_code == 422 and refused.json()["violations"][0]["citation"] == "fengxian:第三十三条"
    retired = await catalog.post(
        f"/api/catalog/systems/{system_id}/retirement", {**retire, "filed_with_bureau": True}, Role.UNIT, **unit
    )
    assert retired.status_code == 200 and retired.json()["state"] == "retired"
    [event] = await catalog.events("catalog.system.retired.v1")
    assert event["reason"] == "permanent_stop" and event["citation"] == "fengxian:第三十三条"
    # its only system retired, the project's life is over (the dossier's stage reads 已下线)
    assert (await catalog.get(f"/api/catalog/projects/{project}")).json()["stage"] == "retired"
    twice = await catalog.post(f"/api/catalog/systems/{system_id}/retirement", retire, Role.UNIT, **unit)
    assert twice.status_code == 409 and twice.json()["stage"] == "retired"
    eligibility = (await catalog.get("/api/catalog/funding-eligibility", params={"system_id": system_id})).json()
    assert eligibility["in_system_catalog"] is False


async def test_resources_need_a_legal_basis_when_not_shared_and_give_a_sharing_proof(catalog):
    system_id = await catalog.accept()
    path = f"/api/catalog/systems/{system_id}/resources"
    closed = {"name": "学生健康档案", "fields": ["姓名", "体检结果"], "sharing_level": "not_shared"}
    refused = await catalog.post(path, closed, Role.UNIT, unit="达州市教育局")
    assert refused.status_code == 422 and refused.json()["violations"][0]["citation"] == "dazhou:第二十三条"
    ok = await catalog.post(
        path, {**closed, "not_shared_reason": "个人信息保护法第二十八条"}, Role.UNIT, unit="达州市教育局"
    )
    assert ok.status_code == 201
    shared = {
        "name": "学校名录",
        "fields": ["学校", "地址"],
        "sharing_level": "unconditional",
        "published_on": "2026-10-01",
    }
    key = {"Idempotency-Key": "res-1"}
    first = await catalog.post(path, shared, Role.UNIT, unit="达州市教育局", headers=key)
    again = await catalog.post(path, shared, Role.UNIT, unit="达州市教育局", headers=key)
    assert first.json()["id"] == again.json()["id"]
    assert len((await catalog.get(path)).json()) == 2
    proof = (await catalog.get(f"/api/catalog/systems/{system_id}/sharing-proof")).json()
    assert proof["catalog_published"] is True and proof["published_on"] == "2026-10-01"


async def test_suqian_stock_systems_file_a_yearly_om_report_once(catalog):
    rows = HEADER + "Q1,宿迁市某局,suqian,老系统,2018-01-01,passed,passed"
    report = (await catalog.upload(rows.encode(), "text/csv")).json()
    [system] = (await catalog.get("/api/catalog/systems", params={"origin": "stock_import"})).json()["items"]
    [deadline] = await catalog.deadlines(system["id"])
    assert deadline.rule_id == "catalog.stock_om_report" and report["imported"] == 1
    year = clock.today().year
    path = f"/api/catalog/systems/{system['id']}/om-reports"
    assert (
        await catalog.post(path, {"year": year, "summary": "运行平稳"}, Role.UNIT, unit="宿迁市某局")
    ).status_code == 201
    assert (await catalog.post(path, {"year": year}, Role.UNIT, unit="宿迁市某局")).status_code == 409
    assert (await catalog.deadlines(system["id"]))[0].status == "met"
    # a new year: the sweeper reopens the deadline for that year's report, once
    from datetime import date as day

    from services.catalog.sweepers import reopen_stock_om_reports

    assert await reopen_stock_om_reports(catalog.runtime) == 0
    clock.travel_to(datetime(year + 1, 1, 10, 2, 0, tzinfo=UTC))
    assert await reopen_stock_om_reports(catalog.runtime) == 1
    assert await reopen_stock_om_reports(catalog.runtime) == 0
    [reopened] = await catalog.deadlines(system["id"])
    assert reopened.status == "open" and reopened.due_on.year == year + 1 and reopened.due_on > day(year + 1, 1, 10)


async def test_gauges_count_systems_zombies_sanctions_and_coverage(catalog):
    await zombie(catalog)
    running = await catalog.accept()
    await catalog.runtime.sweep_once()
    assert REGISTRY.get_sample_value("govproj_catalog_systems", {"jurisdiction": "quzhou", "state": "running"}) == 1
    assert REGISTRY.get_sample_value("govproj_catalog_zombie_systems", {"jurisdiction": "quzhou"}) == 1
    assert REGISTRY.get_sample_value("govproj_catalog_units_sanctioned", {"rule_id": "catalog.zombie_system"}) == 1
    assert REGISTRY.get_sample_value("govproj_catalog_monitoring_coverage_ratio", {"jurisdiction": "quzhou"}) == 1
    assert REGISTRY.get_sample_value("govproj_catalog_monitoring_coverage_ratio", {"jurisdiction": "dazhou"}) == 0
    assert running
