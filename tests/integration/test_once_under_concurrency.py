"""Once means once under concurrency, on real PostgreSQL: every state-changing route of intake (PATCH,
materials, submit), every acceptance step, procurement's award and contract, and budget's fund release,
each fired ten times at the same moment. Each path runs three times on a fresh project: once request by request (the
control), with ten same-key twins per step, and with ten keyless twins per step. The twins leave
exactly the control's effects (outbox events, decision rows, audit rows); same-key twins all get the
first answer (nine of them replayed); of ten keyless twins of a stage change exactly one succeeds.

The services run in-process (httpx ASGITransport) on fresh databases of the session's PostgreSQL;
Kafka is not needed: nothing here reads past the outbox. The last test goes through the gateway to the
running platform (Kafka, PostgreSQL and the seven processes), as a client would."""

from __future__ import annotations

import importlib
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from services.acceptance.api import expert_pool
from services.acceptance.api import router as acceptance_router
from services.acceptance.handlers import subscriptions as acceptance_subscriptions
from services.acceptance.tables import schema as acceptance_schema
from services.budget.api import router as budget_router
from services.budget.handlers import subscriptions as budget_subscriptions
from services.budget.tables import schema as budget_schema
from services.intake import handlers as intake_handlers
from services.intake.api import router as intake_router
from services.intake.tables import schema as intake_schema
from services.procurement.api import router as procurement_router
from services.procurement.handlers import subscriptions as procurement_subscriptions
from services.procurement.tables import schema as procurement_schema
from shared import clock
from shared.db import ServiceSchema, upgrade_to_head
from shared.idempotency import REPLAYED_HEADER
from shared.policy import packs
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings
from tests.support.api import Api, required_materials
from tests.support.concurrency import fire_concurrently
from tests.unit.acceptance.conftest import ALL_ITEMS, FENGXIAN_ITEMS, SECRET, FakeExpertPool, Harness
from tests.unit.budget.conftest import Budget
from tests.unit.intake.conftest import Intake, draft_body
from tests.unit.procurement.conftest import WAN, Procurement

pytestmark = pytest.mark.integration

TWINS = 10

# --- the machinery: steps, three runs, effects ------------------------------------------------------


@dataclass
class Run:
    project: str
    answers: dict[str, Any] = field(default_factory=dict)  # step name → its (first) JSON answer


@dataclass
class Step:
    """One request of a path. `once`: repeating it is refused (a stage change), so of keyless twins
    exactly one may succeed; otherwise keyless repeats are legitimate and it is sent once."""

    name: str
    send: Callable[[Run, dict[str, str]], Awaitable[httpx.Response]]
    status: int = 200
    once: bool = True
    on: date | None = None  # the day the step is taken (the clock travels there first)


def travel(day: date) -> None:
    clock.travel_to(datetime.combine(day, time(10, 0), tzinfo=clock.CHINA))


async def walk(steps: list[Step], run: Run, mode: str) -> None:
    for number, step in enumerate(steps):
        if step.on is not None:
            travel(step.on)
        if mode == "control" or (mode == "keyless" and not step.once):
            response = await step.send(run, {})
            assert response.status_code == step.status, (step.name, response.text)
            run.answers[step.name] = response.json()
            continue
        key = f"{mode}-{run.project}-{number}" if mode == "keyed" else None
        headers = {"Idempotency-Key": key} if key else {}
        answers = await fire_concurrently(TWINS, lambda step=step, headers=headers: step.send(run, headers))
        statuses = Counter(a.status_code for a in answers)
        if mode == "keyed":
            assert statuses == {step.status: TWINS}, (step.name, [a.text for a in answers])
            assert all(a.json() == answers[0].json() for a in answers), step.name
            replayed = [a.headers.get(REPLAYED_HEADER) for a in answers]
            assert replayed.count("true") == TWINS - 1, (step.name, replayed)
            run.answers[step.name] = answers[0].json()
        else:
            assert statuses[step.status] == 1, (step.name, statuses, [a.text for a in answers])
            assert all(400 <= status < 500 for status in statuses if status != step.status), (step.name, statuses)
            [winner] = [a for a in answers if a.status_code == step.status]
            run.answers[step.name] = winner.json()


async def effects(runtime: ServiceRuntime, schema: ServiceSchema, project: str) -> dict[str, Counter]:
    """What a project's path left behind, as counts (ids and times differ between runs)."""
    async with runtime.engine.connect() as conn:
        events = (await conn.execute(sa.select(schema.outbox.c.type).where(schema.outbox.c.key == project))).all()
        decisions = (
            await conn.execute(
                sa.select(schema.decisions.c.action, schema.decisions.c.rule_id, schema.decisions.c.outcome).where(
                    schema.decisions.c.subject == project
                )
            )
        ).all()
        audit = (await conn.execute(sa.select(schema.audit.c.action).where(schema.audit.c.subject == project))).all()
    return {
        "events": Counter(row.type for row in events),
        "decisions": Counter(tuple(row) for row in decisions),
        "audit": Counter(row.action for row in audit),
    }


async def three_runs(
    steps: list[Step],
    start: Callable[[], Awaitable[str]],
    runtime: ServiceRuntime,
    schema: ServiceSchema,
) -> dict[str, Run]:
    """The path request by request, with same-key twins and with keyless twins; each on a fresh project
    and each leaving the control's effects."""
    runs = {}
    for mode in ("control", "keyed", "keyless"):
        run = Run(await start())
        await walk(steps, run, mode)
        runs[mode] = run
    control = await effects(runtime, schema, runs["control"].project)
    assert control["events"], "the control run emitted nothing: the path is not exercised"
    for mode in ("keyed", "keyless"):
        assert await effects(runtime, schema, runs[mode].project) == control, mode
    return runs


# --- fresh databases on the session's PostgreSQL ---------------------------------------------------------


@pytest.fixture
async def database(pg_urls: dict[str, str]) -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    server = make_url(pg_urls["intake"])
    admin = create_async_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    created = []

    async def new(service: str) -> str:
        name = f"once_{service}_{uuid.uuid4().hex[:8]}"
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return server.set(database=name).render_as_string(hide_password=False)

    yield new
    async with admin.connect() as conn:
        for name in created:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(autouse=True)
def reset_clock():
    yield
    clock.set_offset(timedelta(0))


async def service_app(service: str, url: str, schema: ServiceSchema, subscriptions, router, **extra):
    packs.load_all()
    settings = Settings(service=service, database_url=url, jwt_secret=SECRET, clock_control=True)
    # every service reads through its one project scope (shared.scope), as its main.py composes it
    extra.setdefault("scope", importlib.import_module(f"services.{service}.api").scope)
    app = create_service_app(
        service, schema, subscriptions, [router], title=f"{service} (concurrency test)", settings=settings, **extra
    )
    runtime: ServiceRuntime = app.state.runtime
    await upgrade_to_head(runtime.engine, service)
    return app, runtime, settings


# --- intake: PATCH, materials, submit ------------------------------------------------------------------


async def test_intake_edits_attachments_and_submits_take_effect_once(database):
    app, runtime, settings = await service_app(
        "intake",
        await database("intake"),
        intake_schema,
        intake_handlers.subscriptions,
        intake_router,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:
        intake = Intake(client, runtime, settings)
        materials = [m for m in draft_body()["materials"] if m != "crypto_plan"]

        async def start() -> str:
            return await intake.draft(materials=materials)

        def path(suffix: str) -> str:
            return "/api/intake/applications/{}" + suffix

        async def patch(run: Run, headers: dict[str, str]) -> httpx.Response:
            return await client.patch(
                path("").format(run.project),
                json={"title": "智慧教育平台（二期）"},
                headers={**intake.headers(), **headers},
            )

        async def attach(run: Run, headers: dict[str, str]) -> httpx.Response:
            material = {"kind": "crypto_plan", "name": "密码应用方案.pdf", "uri": "oss://govproj/crypto.pdf"}
            return await intake.post(path("/materials").format(run.project), material, headers=headers)

        async def submit(run: Run, headers: dict[str, str]) -> httpx.Response:
            return await intake.post(path("/submit").format(run.project), headers=headers)

        steps = [
            Step("edit", patch, once=False),
            Step("attach", attach, status=201, once=False),
            Step("submit", submit),
        ]
        runs = await three_runs(steps, start, runtime, intake_schema)
    await runtime.engine.dispose()
    for run in runs.values():
        assert run.answers["submit"]["status"] == "submitted"
        assert run.answers["edit"]["title"] == "智慧教育平台（二期）"
    keyed = await effects(runtime, intake_schema, runs["keyed"].project)
    assert keyed["events"] == {"intake.application.submitted.v1": 1}
    assert keyed["audit"]["application.updated"] == keyed["audit"]["material.attached"] == 1
    assert all(count == 1 for count in keyed["decisions"].values())  # one set of decision rows


# --- acceptance: every step on the four paths --------------------------------------------------------------

FORM = {"documents": ["acceptance_application_form"]}
ORGANISE = {
    "panel": [
        {"role": "data_bureau", "name": "区数据局 张科长"},
        {"role": "finance", "name": "区财政局 陈科长"},
        {"role": "procurement_center", "name": "区政府采购中心 刘主任"},
    ],
    "experts": {"count": 3, "fields": ["教育信息化"]},
}
PASSED = {"passed": True, "system_name": "奉贤教育云", "items": FENGXIAN_ITEMS, "report_no": "奉验〔2026〕3号"}
ASSETS = {
    "documents": ["asset_registration_summary"],
    "assets": [{"name": "服务器", "category": "hardware", "quantity": 4, "value_fen": 80_000_00}],
}
WITH_DICTIONARY = [*ALL_ITEMS, {"kind": "data_dictionary", "passed": True}]
FINAL = {"passed": True, "system_name": "城市大脑", "items": WITH_DICTIONARY, "report_no": "衢验〔2026〕1号"}
FILING = {
    "passed": True,
    "system_name": "省级统建系统",
    "items": WITH_DICTIONARY,
    "organiser": "浙江省大数据发展管理局",
    "level": "provincial",
    "report_no": "浙验〔2026〕9号",
}


def acceptance_step(name: str, user: str, suffix: str, body: Any = None, **options: Any) -> Step:
    async def send(run: Run, headers: dict[str, str]) -> httpx.Response:
        return await service.post(user, f"/projects/{run.project}{suffix}", body, **headers)

    service: Harness = options.pop("service")
    return Step(name, send, **options)


def quzhou_preliminary(service: Harness) -> list[Step]:
    return [
        acceptance_step(
            "preliminary-1",
            "unit",
            "/preliminary-acceptance",
            {"module": "审批模块", "modules": ["审批模块", "监管模块"], "passed": True},
            service=service,
            once=False,
            on=date(2026, 1, 10),
        ),
        acceptance_step(
            "preliminary-2",
            "unit",
            "/preliminary-acceptance",
            {"module": "监管模块", "passed": True},
            service=service,
            on=date(2026, 1, 31),
        ),
        acceptance_step("trial", "unit", "/trial-run", {"started_on": "2026-01-31"}, service=service),
    ]


def acceptance_paths(service: Harness) -> dict[str, tuple[str, date, bool, list[Step]]]:
    """jurisdiction path → (jurisdiction, contract signed on, secret, steps)."""
    step = acceptance_step
    return {
        "dazhou": (
            "dazhou",
            date(2026, 1, 5),
            False,
            [
                step("trial", "unit", "/trial-run", {"started_on": "2026-01-31"}, service=service, on=date(2026, 2, 1)),
                step("pre-acceptance", "bureau", "/pre-acceptance", service=service, on=date(2026, 3, 10)),
                step(
                    "performance",
                    "unit",
                    "/acceptance",
                    {"passed": True, "system_name": "智慧教育平台", "items": ALL_ITEMS},
                    service=service,
                ),
            ],
        ),
        "fengxian-secret": (
            "fengxian",
            date(2026, 1, 5),
            True,
            [
                step("trial", "unit", "/trial-run", {"started_on": "2026-02-01"}, service=service, on=date(2026, 2, 1)),
                step("application", "unit", "/application", FORM, service=service, on=date(2026, 3, 2)),
                step("organise", "bureau", "/organise", ORGANISE, service=service, on=date(2026, 3, 20)),
                step("completion", "bureau", "/completion-acceptance", PASSED, service=service),
                step("secrecy", "secrecy", "/secrecy-approval", {"approval_no": "保审〔2026〕1号"}, service=service),
                step("assets", "unit", "/asset-registration", ASSETS, service=service, status=201),
            ],
        ),
        "quzhou": (
            "quzhou",
            date(2026, 1, 5),
            False,
            [
                *quzhou_preliminary(service),
                step(
                    "final-application", "unit", "/final-acceptance/application", service=service, on=date(2026, 5, 6)
                ),
                step("final", "office", "/final-acceptance", FINAL, service=service),
            ],
        ),
        "quzhou-filing": (
            "quzhou",
            date(2026, 1, 5),
            False,
            [
                *quzhou_preliminary(service),
                step("filing", "unit", "/final-acceptance/filing", FILING, service=service, on=date(2026, 2, 10)),
            ],
        ),
    }


async def test_every_acceptance_step_takes_effect_once(database):
    app, runtime, _ = await service_app(
        "acceptance", await database("acceptance"), acceptance_schema, acceptance_subscriptions, acceptance_router
    )
    pool = FakeExpertPool()
    app.dependency_overrides[expert_pool] = lambda: pool
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://acceptance") as client:
        service = Harness(app, runtime, client, pool)
        for name, (jurisdiction, signed, secret, steps) in acceptance_paths(service).items():

            async def start(jurisdiction=jurisdiction, signed=signed, secret=secret, name=name) -> str:
                project = f"P-{name}-{uuid.uuid4().hex[:8]}"
                travel(signed + timedelta(days=1))
                await service.contract(project, jurisdiction, signed, secret=secret)
                return project

            runs = await three_runs(steps, start, runtime, acceptance_schema)
            for run in runs.values():
                assert (await effects(runtime, acceptance_schema, run.project))["events"][
                    "acceptance.project.accepted.v1"
                ] == 1, name
    await runtime.engine.dispose()


# --- procurement: award and contract -------------------------------------------------------------------


async def test_procurement_award_and_contract_take_effect_once(database):
    app, runtime, settings = await service_app(
        "procurement", await database("procurement"), procurement_schema, procurement_subscriptions, procurement_router
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://procurement") as client:
        procurement = Procurement(client, runtime, settings)
        today = clock.today()
        suppliers = []
        for name, code in (("四川甲科技有限公司", "91510100MA61234567"), ("四川乙信息有限公司", "91510100MA6123456X")):
            response = await procurement.post("/suppliers", {"name": name, "credit_code": code})
            assert response.status_code == 201, response.text
            suppliers.append(response.json()["id"])
        tenders: dict[str, str] = {}

        async def start() -> str:
            """A project through its plan, a tender and two bids, ready for the award."""
            project = await procurement.project(300 * WAN)
            assert (await procurement.post(f"/projects/{project}/plan", {"control_price_fen": 300 * WAN})).is_success
            tender = await procurement.post(
                f"/projects/{project}/tenders",
                {
                    "title": "智慧教育平台建设",
                    "ceiling_fen": 300 * WAN,
                    "published_on": (today - timedelta(days=40)).isoformat(),
                    "bid_deadline": (today - timedelta(days=20)).isoformat(),
                },
            )
            assert tender.status_code == 201, tender.text
            tenders[project] = tender.json()["id"]
            for supplier_id, amount in zip(suppliers, (280 * WAN, 290 * WAN), strict=True):
                bid = {"supplier_id": supplier_id, "amount_fen": amount, "submitted_on": str(today - timedelta(25))}
                response = await procurement.post(f"/tenders/{tenders[project]}/bids", bid)
                assert response.status_code == 201, response.text
            return project

        async def award(run: Run, headers: dict[str, str]) -> httpx.Response:
            body = {"supplier_id": suppliers[0], "awarded_on": (today - timedelta(days=15)).isoformat()}
            return await procurement.post(f"/tenders/{tenders[run.project]}/award", body, headers=headers)

        async def contract(run: Run, headers: dict[str, str]) -> httpx.Response:
            signed = today - timedelta(days=10)
            body = {
                "award_id": run.answers["award"]["id"],  # the award of this run
                "amount_fen": 280 * WAN,
                "signed_on": signed.isoformat(),
                "planned_completion": (signed + timedelta(days=300)).isoformat(),
            }
            return await procurement.post(f"/projects/{run.project}/contracts", body, headers=headers)

        steps = [Step("award", award, status=201), Step("contract", contract, status=201)]
        runs = await three_runs(steps, start, runtime, procurement_schema)
    await runtime.engine.dispose()
    control = await effects(runtime, procurement_schema, runs["control"].project)
    assert control["events"]["procurement.tender.awarded.v1"] == 1
    assert control["events"]["procurement.contract.signed.v1"] == 1


# --- budget: money out -----------------------------------------------------------------------------------


async def test_budget_release_twins_pay_once_and_racing_releases_never_overdraw_the_contract(database):
    app, runtime, settings = await service_app(
        "budget", await database("budget"), budget_schema, budget_subscriptions, budget_router
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://budget") as client:
        budget = Budget(client, runtime, settings)
        project = await budget.with_estimate(500 * WAN)
        contract = await budget.contract(project, 500 * WAN)
        await budget.accept(project)

        # ten twins with one key: one payment, ten identical answers
        twins = await fire_concurrently(TWINS, lambda: budget.release(project, contract, 100 * WAN, key="pay-once"))
        assert {a.status_code for a in twins} == {201}, [a.text for a in twins]
        assert all(a.json() == twins[0].json() for a in twins)
        assert [a.headers.get(REPLAYED_HEADER) for a in twins].count("true") == TWINS - 1
        assert twins[0].json()["released_total_fen"] == 100 * WAN

        # ten different requests of 300万 against the 400万 left: the row lock lets exactly one through
        racing = await fire_concurrently(TWINS, lambda: budget.release(project, contract, 300 * WAN))
        statuses = Counter(a.status_code for a in racing)
        assert statuses == {201: 1, 422: TWINS - 1}, statuses
        view = (await budget.get(f"/projects/{project}")).json()
        assert view["released_fen"] == 400 * WAN
        assert len([e for e in await budget.events("budget.funds.released.v1") if e["project_id"] == project]) == 2
    await runtime.engine.dispose()


# --- through the gateway, on the running platform ------------------------------------------------------------


async def test_twins_through_the_gateway_get_the_first_answer_and_one_submission(api: Api, platform):
    """The replay header reaches the client through the gateway, and the platform's own processes (not
    only the in-process apps above) submit once."""
    await api.token("health")
    draft = {
        "unit": "达州市卫生健康委员会",  # the `health` dev user's unit
        "jurisdiction": "dazhou",
        "title": f"并发申报 {uuid.uuid4().hex[:6]}",
        "category": "application",
        "construction_type": "new",
        "total_investment_fen": 280 * WAN,
        "plan_year": clock.today().year + 1,
        "materials": required_materials(),
    }
    headers = {"Idempotency-Key": f"gateway-twins-{uuid.uuid4().hex}"}
    created = await fire_concurrently(
        TWINS, lambda: api.post("health", "/api/intake/applications", draft, headers=headers)
    )
    assert {a.status_code for a in created} == {201}, [a.text for a in created]
    assert all(a.json() == created[0].json() for a in created)
    assert [a.headers.get(REPLAYED_HEADER) for a in created].count("true") == TWINS - 1
    project = created[0].json()["id"]

    submitted = await fire_concurrently(TWINS, lambda: api.post("health", f"/api/intake/applications/{project}/submit"))
    assert sorted(a.status_code for a in submitted) == [200] + [409] * (TWINS - 1), [a.text for a in submitted]
