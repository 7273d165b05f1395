"""The acceptance service on a SQLite file, without Kafka: events are fed to the handlers directly,
requests go through the real routes (httpx ASGITransport), the clock is moved with shared.clock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from services.acceptance import handlers
from services.acceptance.api import expert_pool, router, scope
from services.acceptance.experts import Draw, DrawRequest
from services.acceptance.handlers import subscriptions
from services.acceptance.tables import schema
from shared import clock
from shared.auth import Role, issue_token
from shared.contracts.envelope import CloudEvent
from shared.contracts.intake import ApplicationAdmitted, ProjectSummary
from shared.contracts.procurement import ContractSigned
from shared.service import create_service_app
from shared.settings import Settings

SECRET = "acceptance-unit-test-secret-32-bytes!!"
UNIT = "奉贤区教育局"
USERS: dict[str, tuple[list[Role], str | None, bool]] = {
    "unit": ([Role.UNIT], UNIT, False),
    "other_unit": ([Role.UNIT], "另一个单位", False),
    "bureau": ([Role.DATA_BUREAU], None, False),
    "office": ([Role.LEADING_OFFICE], None, False),
    "secrecy": ([Role.CONFIDENTIALITY_OFFICE], None, True),
    "finance": ([Role.FINANCE], None, False),
    "cleared": ([Role.DATA_BUREAU], None, True),
}


class FakeExpertPool:
    """Review's expert pool as the acceptance service sees it."""

    def __init__(self) -> None:
        self.requests: list[DrawRequest] = []

    async def draw(self, request: DrawRequest) -> Draw:
        self.requests.append(request)
        experts = [{"id": f"E{n}", "name": f"专家{n}", "field": "信息化"} for n in range(1, request.count + 1)]
        return Draw(draw_id=f"D-{len(self.requests)}", seed=42, experts=experts)


class Harness:
    def __init__(self, app, runtime, client: httpx.AsyncClient, pool: FakeExpertPool) -> None:
        self.app = app
        self.runtime = runtime
        self.client = client
        self.pool = pool

    # time
    def travel(self, day: date) -> None:
        clock.travel_to(datetime.combine(day, time(10, 0), tzinfo=clock.CHINA))

    # events in
    async def contract(
        self, project_id: str, jurisdiction: str, signed_on: date, *, secret: bool = False, unit: str = UNIT
    ) -> None:
        summary = ProjectSummary(
            unit=unit, jurisdiction=jurisdiction, secret=secret, total_investment_fen=1, plan_year=2026
        )
        admitted = ApplicationAdmitted(project_id=project_id, project=summary, admitted_by="bureau")
        contract = ContractSigned(
            project_id=project_id,
            contract_id=f"C-{project_id}",
            unit=unit,
            jurisdiction=jurisdiction,
            supplier="某信息技术有限公司",
            amount_fen=100_000_00,
            signed_on=signed_on,
            planned_completion=signed_on + timedelta(days=200),
        )
        for payload, handler in ((admitted, handlers.on_application_admitted), (contract, handlers.on_contract_signed)):
            async with self.runtime.unit_of_work() as uow:
                await handler(uow, payload.envelope(), payload)

    # requests
    async def call(self, method: str, user: str | None, path: str, json: Any = None, **headers: str) -> httpx.Response:
        if user is not None:
            roles, unit, cleared = USERS[user]
            headers["authorization"] = f"Bearer {issue_token(SECRET, user, roles, unit=unit, cleared=cleared)}"
        return await self.client.request(method, f"/api/acceptance{path}", json=json, headers=headers)

    async def post(self, user: str | None, path: str, json: Any = None, **headers: str) -> httpx.Response:
        return await self.call("POST", user, path, json, **headers)

    async def get(self, user: str | None, path: str) -> httpx.Response:
        return await self.call("GET", user, path)

    # what was written
    async def events(self, event_type: str | None = None) -> list[CloudEvent]:
        async with self.runtime.engine.connect() as conn:
            rows = (await conn.execute(sa.select(schema.outbox).order_by(schema.outbox.c.seq))).all()
        events = [CloudEvent.from_json(row.payload) for row in rows]
        return [e for e in events if event_type is None or e.type == event_type]

    async def deadlines(self, project_id: str) -> list[Any]:
        async with self.runtime.engine.connect() as conn:
            table = schema.deadlines
            return (await conn.execute(sa.select(table).where(table.c.subject == project_id))).all()

    async def decisions(self, project_id: str) -> list[Any]:
        async with self.runtime.engine.connect() as conn:
            table = schema.decisions
            return (await conn.execute(sa.select(table).where(table.c.subject == project_id))).all()


@pytest.fixture
async def service(tmp_path):
    settings = Settings(
        service="acceptance",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'acceptance.sqlite'}",
        jwt_secret=SECRET,
        clock_control=True,
    )
    app = create_service_app(
        "acceptance", schema, subscriptions, [router], title="acceptance (test)", settings=settings, scope=scope
    )
    runtime = app.state.runtime
    async with runtime.engine.begin() as conn:
        await conn.run_sync(schema.metadata.create_all)
    pool = FakeExpertPool()
    app.dependency_overrides[expert_pool] = lambda: pool
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://acceptance") as client:
        yield Harness(app, runtime, client, pool)
    await runtime.engine.dispose()
    clock.set_offset(timedelta(0))


def problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def citations(body: dict) -> set[str]:
    return {v["citation"] for v in body.get("violations", [])}


def rule_ids(body: dict) -> set[str]:
    return {v["rule_id"] for v in body.get("violations", [])}


ALL_ITEMS = [
    {"kind": "mlps_test", "passed": True},
    {"kind": "crypto_review", "passed": True},
    {"kind": "secure_reliable_products", "passed": True},
    # dazhou:第二十三条 (platform connection, no exclusive opening) and 第二十六条 (sharing and security status)
    {"kind": "public_platform_connected", "passed": True},
    {"kind": "no_exclusive_data_opening", "passed": True},
    {"kind": "sharing_and_security_status", "passed": True},
]
#: fengxian adds the police's MLPS grading and filing and the crypto administration's review (fengxian:第五条)
FENGXIAN_ITEMS = [
    *ALL_ITEMS,
    {"kind": "mlps_filing", "passed": True},
    {"kind": "secure_reliable_review", "passed": True},
]
#: jiyuan adds the connection to the exchange platform and the command centre, with real-time data (jiyuan:原则(四))
JIYUAN_ITEMS = [
    *ALL_ITEMS,
    {"kind": "exchange_platform_connection", "passed": True},
    {"kind": "command_center_connection", "passed": True},
    {"kind": "real_time_data", "passed": True},
]
