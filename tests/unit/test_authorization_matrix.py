"""The authorization matrix (issue 15): every GET route of every stage service that takes an id is found in the
service's own OpenAPI and called, in-process on SQLite, for a project of unit A and for a secret one, as another
unit, as an expert who is not drawn, and as roles with no business there. Any 2xx fails: the answer would carry
that project's data. The same routes called by an insider must answer, so the seeds are real (not a 404 matrix).
A route the matrix cannot seed is listed in EXEMPT with its reason; a new route with an unknown id parameter
fails until it is seeded or exempted."""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa

from shared import clock
from shared.auth import Role, issue_token
from shared.contracts.acceptance import ProjectAccepted
from shared.contracts.intake import ApplicationAdmitted, ProjectSummary
from shared.contracts.procurement import ContractSigned
from shared.contracts.review import ProjectApproved
from shared.db import upgrade_to_head
from shared.policy import packs
from shared.scope import SECRET_READ
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings

UNIT_A = "达州市教育局"
UNIT_B = "达州市卫生健康委员会"
SECRET_TITLE = "涉密指挥系统"

#: Routes the matrix does not seed, each with the reason it is not a project read.
EXEMPT = {
    "/api/budget/data-operation-payments/{task_id}": "a data-operation task's payment: payers and that operator only",
    "/api/catalog/imports/{batch_id}": "an import batch's row report: its importer and the bureaus only",
    "/api/catalog/findings/{finding_id}": "a supervision finding, unit-scoped in its route (oversight tests)",
    "/api/catalog/data-operations/tasks/{task_id}": "a data-operation task (not a project): operator-scoped",
}
#: Routes an insider may find empty (404) on the seed, with why: the matrix still calls them as outsiders.
INSIDER_MAY_404 = {
    "/api/acceptance/projects/{project_id}/asset-registration": "assets are registered only after acceptance",
    "/api/acceptance/projects/{project_id}/document-filing": "documents are filed only after acceptance (suqian:(七))",
    "/api/procurement/ocds/records/{project_id}": "an OCDS record exists once a tender or contract is published",
}


@dataclass
class Caller:
    name: str
    subject: str
    roles: tuple[Role, ...]
    unit: str | None = None
    cleared: bool = False


#: Who must never get a 2xx on another unit's project, on any route; with them every role that does not read
#: the service at all (`unrelated`, from the service's scope).
OUTSIDERS = [
    Caller("another unit", "unit-b", (Role.UNIT,), UNIT_B),
    Caller("another unit, cleared", "unit-b-cleared", (Role.UNIT,), UNIT_B, cleared=True),
    Caller("expert not drawn", "expert-outsider", (Role.EXPERT,)),
    Caller("data operator", "operator", (Role.DATA_OPERATOR,), "某数据运营公司"),
]


def unrelated(name: str) -> list[Caller]:
    readers = scope_of(name).readers or frozenset()
    return [
        Caller(f"unrelated role {role}", f"{role}-user", (role,), cleared=True)
        for role in Role
        if role not in readers and role not in (Role.EXPERT, Role.UNIT)
    ]


#: Passes every role check of a read and the unit and secret checks: proves the seeded ids exist.
INSIDER = Caller("insider", "insider", tuple(r for r in Role if r != Role.EXPERT), UNIT_A, cleared=True)
UNCLEARED_BUREAU = Caller("uncleared bureau", "bureau", (Role.DATA_BUREAU,))


@dataclass
class Service:
    name: str
    client: httpx.AsyncClient
    runtime: ServiceRuntime
    settings: Settings
    app: object
    seeds: dict[bool, dict[str, str]] = field(default_factory=dict)  # secret? → path parameter values

    def headers(self, caller: Caller) -> dict:
        token = issue_token(
            self.settings.jwt_secret, caller.subject, caller.roles, unit=caller.unit, cleared=caller.cleared
        )
        return {"authorization": f"Bearer {token}"}

    async def deliver(self, payload) -> None:
        subscriptions = importlib.import_module(f"services.{self.name}.handlers").subscriptions
        async with self.runtime.unit_of_work() as uow:
            await subscriptions.handlers[payload.event_type](uow, payload.envelope(), payload)

    async def call(self, method: str, path: str, caller: Caller, **kw) -> httpx.Response:
        return await self.client.request(method, path, headers=self.headers(caller), **kw)


def routers_of(name: str) -> list:
    if name == "catalog":
        from services.catalog import data_operations, oversight, reports
        from services.catalog.api import ROUTERS

        return [*ROUTERS, *oversight.ROUTERS, *data_operations.ROUTERS, *reports.ROUTERS]
    return [importlib.import_module(f"services.{name}.api").router]


def scope_of(name: str):
    return importlib.import_module("services.catalog.api.common" if name == "catalog" else f"services.{name}.api").scope


def summary(secret: bool, **extra) -> ProjectSummary:
    return ProjectSummary(
        unit=UNIT_A,
        jurisdiction="dazhou",
        secret=secret,
        title=None if secret else "智慧教育平台",
        total_investment_fen=300_000_000,
        plan_year=clock.today().year,
        **extra,
    )


def approved(project: str, secret: bool) -> ProjectApproved:
    return ProjectApproved(
        project_id=project,
        project=summary(secret),
        approval_letter_no=f"立项-{project}",
        approved_on=clock.today(),
        authority_steps=["mayor"],
        rule_id="approval.authority",
        citation="dazhou:第十条",
        pack_version="x",
    )


def new_id() -> str:
    return f"P-{uuid.uuid4().hex[:10]}"


# --- seeds: one project of unit A (secret or not) and the ids hanging off it, per service ----------------


async def seed_intake(service: Service, secret: bool) -> dict[str, str]:
    from tests.unit.intake.conftest import draft_body

    unit_a = Caller("unit a", "unit-a", (Role.UNIT,), UNIT_A)
    body = draft_body(secret=secret, title=SECRET_TITLE if secret else "智慧教育平台")
    created = await service.call("POST", "/api/intake/applications", unit_a, json=body)
    assert created.status_code == 201, created.text
    need = await service.call(
        "POST", "/api/intake/needs", unit_a, json={"unit": UNIT_A, "title": "数据共享需求", "description": "共享"}
    )
    assert need.status_code == 201, need.text
    project = created.json()["id"]
    pdf = ("报告.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    upload = f"/api/intake/applications/{project}/attachments"
    attached = await service.call("POST", upload, unit_a, files={"file": pdf})
    assert attached.status_code == 201, attached.text
    ids = {"need_id": need.json()["id"], "attachment_id": attached.json()["id"]}
    return {"project_id": project, **ids, "unit": UNIT_A}


async def seed_review(service: Service, secret: bool) -> dict[str, str]:
    project = new_id()
    await service.deliver(ApplicationAdmitted(project_id=project, admitted_by="bureau", project=summary(secret)))
    bureau = Caller("bureau", "bureau", (Role.DATA_BUREAU,))
    # The outsider expert works for unit A, so the independence rule never draws them: they stay undrawn.
    for who, employer in ((f"outsider-{project}", UNIT_A), (f"drawn-{project}", "某大学")):
        body = {"name": who, "employer": employer, "fields": ["software"], "user_subject": who}
        assert (await service.call("POST", "/api/review/experts", bureau, json=body)).status_code == 201
    await link_outsider(service, f"outsider-{project}")
    draw = await service.call("POST", "/api/review/expert-draws", bureau, json={"project_id": project, "count": 1})
    assert draw.status_code == 201, draw.text
    return {"project_id": project, "draw_id": draw.json()["draw_id"], "year": str(clock.today().year)}


async def link_outsider(service: Service, subject: str) -> None:
    """The expert-not-drawn caller signs in as the first outsider expert in the pool."""
    from services.review.tables import Expert

    async with service.runtime.unit_of_work() as uow:
        taken = await uow.session.scalar(sa.select(Expert).where(Expert.user_subject == "expert-outsider"))
        if taken is None:
            await uow.session.execute(
                sa.update(Expert).where(Expert.user_subject == subject).values(user_subject="expert-outsider")
            )


async def seed_budget(service: Service, secret: bool) -> dict[str, str]:
    project = new_id()
    await service.deliver(approved(project, secret))
    return {"project_id": project}


async def seed_procurement(service: Service, secret: bool) -> dict[str, str]:
    from services.procurement.tables import Supplement, Tender
    from shared.contracts.budget import EstimateApproved

    project = new_id()
    await service.deliver(approved(project, secret))
    await service.deliver(
        EstimateApproved(
            project_id=project, unit=UNIT_A, jurisdiction="dazhou", estimate_fen=300_000_000, approved_on=clock.today()
        )
    )
    today, now = clock.today(), clock.now()
    tender, supplement = f"T-{project}", f"SU-{project}"
    async with service.runtime.unit_of_work() as uow:
        uow.session.add(
            Tender(
                id=tender,
                project_id=project,
                cycle=1,
                title="招标",
                method="open",
                ceiling_fen=100,
                published_on=today,
                bid_deadline=today + timedelta(days=20),
                published_by="unit-a",
                published_at=now,
            )
        )
        uow.session.add(
            Supplement(
                id=supplement,
                project_id=project,
                contract_id=f"C-{project}",
                amount_fen=1,
                cumulative_fen=1,
                original_contract_fen=100,
                requested_by="unit-a",
                requested_at=now,
            )
        )
    return {"project_id": project, "tender_id": tender, "supplement_id": supplement}


async def seed_acceptance(service: Service, secret: bool) -> dict[str, str]:
    project = new_id()
    await service.deliver(ApplicationAdmitted(project_id=project, admitted_by="bureau", project=summary(secret)))
    signed = clock.today() - timedelta(days=30)
    await service.deliver(
        ContractSigned(
            project_id=project,
            contract_id=f"C-{project}",
            unit=UNIT_A,
            jurisdiction="dazhou",
            supplier="某信息技术有限公司",
            amount_fen=10_000_000,
            signed_on=signed,
            planned_completion=signed + timedelta(days=200),
        )
    )
    return {"project_id": project}


async def seed_catalog(service: Service, secret: bool) -> dict[str, str]:
    project = new_id()
    await service.deliver(
        ProjectAccepted(
            project_id=project,
            unit=UNIT_A,
            jurisdiction="dazhou",
            path="dazhou",
            accepted_on=clock.today(),
            documents=["acceptance_report"],
            system_name="智慧教育平台",
            secret=secret,
        )
    )
    return {"project_id": project, "system_id": f"S-{project}"}


SEEDS: dict[str, Callable[[Service, bool], Awaitable[dict[str, str]]]] = {
    "intake": seed_intake,
    "review": seed_review,
    "budget": seed_budget,
    "procurement": seed_procurement,
    "acceptance": seed_acceptance,
    "catalog": seed_catalog,
}


@pytest.fixture(params=list(SEEDS))
async def service(request, tmp_path):
    name = request.param
    packs.load_all()
    settings = Settings(service=name, database_url=f"sqlite+aiosqlite:///{tmp_path / name}.sqlite", clock_control=True)
    tables = importlib.import_module(f"services.{name}.tables")
    handlers = importlib.import_module(f"services.{name}.handlers")
    app = create_service_app(
        name,
        tables.schema,
        handlers.subscriptions,
        routers_of(name),
        title=name,
        settings=settings,
        scope=scope_of(name),
    )
    runtime: ServiceRuntime = app.state.runtime
    await upgrade_to_head(runtime.engine, name)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}") as client:
        svc = Service(name, client, runtime, settings, app)
        for secret in (False, True):
            svc.seeds[secret] = await SEEDS[name](svc, secret)
        yield svc
    await runtime.engine.dispose()


def id_routes(app) -> list[tuple[str, list[str]]]:
    """Every GET route of the service's OpenAPI with a path parameter, and the parameter names."""
    routes = []
    for path, item in app.openapi()["paths"].items():
        if "get" in item and "{" in path:
            routes.append((path, re.findall(r"{(\w+)}", path)))
    return routes


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"{(\w+)}", lambda m: values[m.group(1)], path)


async def test_no_outsider_reads_another_units_project_on_any_route(service: Service):
    routes = id_routes(service.app)
    assert any(path.endswith("/history") for path, _ in routes)
    checked, leaks = [], []
    for path, params in routes:
        if path in EXEMPT:
            continue
        missing = [p for p in params if p not in service.seeds[False]]
        assert not missing, f"{path}: seed {missing} in SEEDS['{service.name}'] or exempt the route with a reason"
        for secret, values in service.seeds.items():
            url = fill(path, values)
            insider = await service.call("GET", url, INSIDER)
            allowed = (200, 404) if path in INSIDER_MAY_404 else (200,)
            assert insider.status_code in allowed, f"insider GET {url} → {insider.status_code}: {insider.text}"
            for caller in [*OUTSIDERS, *unrelated(service.name)]:
                response = await service.call("GET", url, caller)
                checked.append((path, secret, caller.name))
                if response.is_success:
                    leaks.append(f"{caller.name} GET {url} (secret={secret}) → {response.status_code} {response.text}")
                elif response.status_code not in (403, 404):
                    leaks.append(f"{caller.name} GET {url} → {response.status_code}: not a refusal")
    assert not leaks, "\n".join(leaks)
    assert len(checked) >= 2 * len(OUTSIDERS) * 2  # at least history and one detail route, both projects


async def test_a_secret_projects_history_is_refused_to_the_uncleared_and_every_read_is_audited(service: Service):
    project = service.seeds[True].get("system_id") or service.seeds[True]["project_id"]
    history = (
        f"/api/catalog/systems/{project}/history"
        if service.name == "catalog"
        else f"/api/{service.name}/projects/{project}/history"
    )
    refused = await service.call("GET", history, UNCLEARED_BUREAU)
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["title"].startswith("无权查看")
    before = await secret_reads(service, project)
    owner = Caller("unit a", "unit-a-reader", (Role.UNIT,), UNIT_A)
    assert (await service.call("GET", history, owner)).status_code == 200
    cleared = Caller("cleared bureau", "bureau-cleared", (Role.DATA_BUREAU,), cleared=True)
    assert (await service.call("GET", history, cleared)).status_code == 200
    rows = (await secret_reads(service, project))[len(before) :]
    assert [(r.actor, r.detail["read"]) for r in rows] == [("unit-a-reader", "history"), ("bureau-cleared", "history")]
    assert all(isinstance(r.at, datetime) for r in rows) and rows[1].roles == "data_bureau"
    # the access log stays out of the project's own trail, so viewing it does not make it grow
    trail = (await service.call("GET", history, owner)).json()["audit"]
    assert trail == (await service.call("GET", history, owner)).json()["audit"]
    assert all(entry["action"] != SECRET_READ for entry in trail)
    # the refused read wrote nothing, and a public project's reads are not audited
    public = service.seeds[False].get("system_id") or service.seeds[False]["project_id"]
    await service.call("GET", history.replace(project, public), owner)
    assert await secret_reads(service, public) == []


async def secret_reads(service: Service, subject: str) -> list:
    audit = service.runtime.schema.audit
    async with service.runtime.engine.connect() as conn:
        query = sa.select(audit).where(audit.c.subject == subject, audit.c.action == SECRET_READ).order_by(audit.c.id)
        return list((await conn.execute(query)).all())


def test_exemptions_name_real_routes_and_carry_a_reason():
    paths = set()
    for name in SEEDS:
        settings = Settings(service=name, database_url="sqlite+aiosqlite:///:memory:")
        tables = importlib.import_module(f"services.{name}.tables")
        handlers = importlib.import_module(f"services.{name}.handlers")
        app = create_service_app(
            name,
            tables.schema,
            handlers.subscriptions,
            routers_of(name),
            title=name,
            settings=settings,
            scope=scope_of(name),
        )
        paths |= {path for path, _ in id_routes(app)}
    for path, reason in {**EXEMPT, **INSIDER_MAY_404}.items():
        assert path in paths and len(reason) > 20, path
