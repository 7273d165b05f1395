"""The budget service on a SQLite file (its migrations applied), without Kafka: consumed events are handed to
the handlers directly, emitted events are read back from the outbox table, time moves in-process."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import httpx
import pytest
import sqlalchemy as sa

from services.budget.api import router, scope
from services.budget.handlers import refresh_gauges, subscriptions
from services.budget.tables import schema
from shared import clock
from shared.auth import Role, issue_token
from shared.clock import CHINA
from shared.contracts.acceptance import AcceptanceItem, ProjectAccepted
from shared.contracts.intake import ProjectSummary
from shared.contracts.procurement import ContractSigned
from shared.contracts.review import ProjectApproved
from shared.db import upgrade_to_head
from shared.policy import packs
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings

WAN = 1_000_000  # fen per 万元
UNIT = "达州市教育局"
DOCUMENTS = ["pre_acceptance_approval_letter", "acceptance_report"]
#: Everything dazhou:第三十六条 asks the technical plan to contain (budget.technical_plan_contents).
PLAN = {
    "contents": [
        "existing_it_status",
        "gov_cloud_and_data_sharing",
        "construction_basis",
        "construction_goals",
        "construction_content",
        "sharing_and_opening",
        "estimate_and_calculation_basis",
        "construction_mode",
        "operation_and_maintenance",
        "security_system",
    ]
}


@dataclass
class Budget:
    client: httpx.AsyncClient
    runtime: ServiceRuntime
    settings: Settings
    keys: list[str] = field(default_factory=list)

    def headers(self, role: Role | str, *, unit: str | None = None, key: str | None = None) -> dict:
        headers = {"authorization": f"Bearer {issue_token(self.settings.jwt_secret, str(role), [role], unit=unit)}"}
        if key:
            headers["Idempotency-Key"] = key
        return headers

    async def post(self, path: str, body=None, role: Role | str = Role.FINANCE, *, unit=None, key=None):
        return await self.client.post(f"/api/budget{path}", json=body, headers=self.headers(role, unit=unit, key=key))

    async def put(self, path: str, body=None, role: Role | str = Role.FINANCE):
        return await self.client.put(f"/api/budget{path}", json=body, headers=self.headers(role))

    async def get(self, path: str, role: Role | str = Role.FINANCE, *, unit=None, params=None):
        return await self.client.get(f"/api/budget{path}", headers=self.headers(role, unit=unit), params=params)

    async def unit_post(self, path: str, body=None, *, unit: str = UNIT, key=None):
        return await self.post(path, body, Role.UNIT, unit=unit, key=key)

    async def deliver(self, payload) -> None:
        handler = subscriptions.handlers[payload.event_type]
        async with self.runtime.unit_of_work() as uow:
            await handler(uow, payload.envelope(), payload)

    async def approved_project(
        self,
        jurisdiction: str = "dazhou",
        investment_fen: int = 1000 * WAN,
        unit: str = UNIT,
        materials: tuple[str, ...] = ("information_resource_catalog",),
    ) -> str:
        project = f"P-{uuid.uuid4().hex[:10]}"
        await self.deliver(
            ProjectApproved(
                project_id=project,
                project=ProjectSummary(
                    unit=unit,
                    jurisdiction=jurisdiction,
                    total_investment_fen=investment_fen,
                    plan_year=2027,
                    materials=list(materials),
                ),
                approval_letter_no=f"批复-{project}",
                approved_on=clock.today(),
                authority_steps=["mayor"],
                rule_id="approval.authority",
                citation="dazhou:第十条",
                pack_version="x",
            )
        )
        return project

    async def with_estimate(self, estimate_fen: int = 1000 * WAN, **kw) -> str:
        project = await self.approved_project(**kw)
        response = await self.post(f"/projects/{project}/estimate", {"estimate_fen": estimate_fen}, Role.DATA_BUREAU)
        assert response.status_code == 200, response.text
        return project

    async def contract(self, project: str, amount_fen: int) -> str:
        contract = f"C-{uuid.uuid4().hex[:8]}"
        await self.deliver(
            ContractSigned(
                project_id=project,
                contract_id=contract,
                unit=UNIT,
                jurisdiction="dazhou",
                supplier="某公司",
                amount_fen=amount_fen,
                signed_on=clock.today(),
                planned_completion=clock.today() + timedelta(days=300),
            )
        )
        return contract

    async def accept(self, project: str, jurisdiction="dazhou", documents=DOCUMENTS, items=()) -> None:
        await self.deliver(
            ProjectAccepted(
                project_id=project,
                unit=UNIT,
                jurisdiction=jurisdiction,
                path=jurisdiction,
                accepted_on=clock.today(),
                documents=list(documents),
                items=[AcceptanceItem(kind=kind, passed=passed) for kind, passed in items],
            )
        )

    async def release(self, project: str, contract: str, amount_fen: int, key: str | None = None, **extra):
        key = key or str(uuid.uuid4())
        body = {"contract_id": contract, "amount_fen": amount_fen, **extra}
        return await self.post(f"/projects/{project}/releases", body, Role.FINANCE, key=key)

    async def events(self, event_type: str) -> list[dict]:
        async with self.runtime.engine.connect() as conn:
            rows = (await conn.execute(sa.select(schema.outbox).order_by(schema.outbox.c.seq))).all()
        return [json.loads(r.payload)["data"] for r in rows if r.type == event_type]

    async def deadlines(self, subject: str) -> dict[str, sa.Row]:
        async with self.runtime.engine.connect() as conn:
            rows = (await conn.execute(sa.select(schema.deadlines).where(schema.deadlines.c.subject == subject))).all()
        return {row.rule_id: row for row in rows}

    async def sweep(self) -> dict:
        return await self.runtime.sweep_once()


def travel(day: date) -> None:
    clock.travel_to(datetime.combine(day, time(10, 0), tzinfo=CHINA))


@pytest.fixture(autouse=True)
def reset_clock():
    yield
    clock.set_offset(timedelta(0))


@pytest.fixture
async def budget(tmp_path) -> AsyncIterator[Budget]:
    packs.load_all()
    settings = Settings(
        service="budget", database_url=f"sqlite+aiosqlite:///{tmp_path / 'budget.sqlite'}", clock_control=True
    )
    app = create_service_app(
        "budget",
        schema,
        subscriptions,
        [router],
        title="budget (test)",
        settings=settings,
        sweepers=[refresh_gauges],
        scope=scope,
    )
    runtime: ServiceRuntime = app.state.runtime
    await upgrade_to_head(runtime.engine, "budget")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://budget") as client:
        yield Budget(client, runtime, settings)
    await runtime.engine.dispose()
