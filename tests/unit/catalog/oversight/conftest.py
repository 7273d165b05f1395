"""The catalog with its oversight, data-operation and report rooms on a SQLite file (migrations applied),
without Kafka; budget runs in-process on its own SQLite file for data-operation payments."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import pytest
import sqlalchemy as sa

from services.budget.api import router as budget_router
from services.budget.api import scope as budget_scope
from services.budget.handlers import subscriptions as budget_subscriptions
from services.budget.tables import schema as budget_schema
from services.catalog import data_operations, oversight, reports
from services.catalog.api import ROUTERS
from services.catalog.api.common import scope
from services.catalog.data_operations import budget as budget_client
from services.catalog.handlers import subscriptions
from services.catalog.sweepers import SWEEPERS
from services.catalog.tables import schema
from shared import clock
from shared.auth import Role, issue_token
from shared.contracts.intake import ProjectSummary
from shared.contracts.procurement import ContractSigned
from shared.contracts.review import ProjectApproved
from shared.db import upgrade_to_head
from shared.policy import packs
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings


@dataclass
class Hub:
    client: httpx.AsyncClient
    runtime: ServiceRuntime
    settings: Settings
    budget: httpx.AsyncClient

    def headers(self, role: Role | str = Role.DATA_BUREAU, *, unit: str | None = None, subject: str | None = None):
        moved = clock.offset()
        clock.set_offset(timedelta(0))  # tokens issued on the real clock, valid for years
        try:
            token = issue_token(
                self.settings.jwt_secret, subject or str(role), [role], unit=unit, ttl=timedelta(days=3660)
            )
        finally:
            clock.set_offset(moved)
        return {"authorization": f"Bearer {token}"}

    async def post(self, path, body=None, role=Role.DATA_BUREAU, *, key: str | None = None, **kw):
        headers = self.headers(role, **kw)
        if key:
            headers["idempotency-key"] = key
        return await self.client.post(path, json=body, headers=headers)

    async def get(self, path, role=Role.DATA_BUREAU, params=None, **kw):
        return await self.client.get(path, headers=self.headers(role, **kw), params=params)

    async def deliver(self, payload) -> None:
        handler = subscriptions.handlers[payload.event_type]
        async with self.runtime.unit_of_work() as uow:
            await handler(uow, payload.envelope(), payload)

    async def events(self, event_type: str) -> list[dict]:
        async with self.runtime.engine.connect() as conn:
            rows = (await conn.execute(sa.select(schema.outbox).order_by(schema.outbox.c.seq))).all()
        return [json.loads(r.payload)["data"] for r in rows if r.type == event_type]

    async def sweep(self) -> dict:
        return await self.runtime.sweep_once()

    async def approved_project(
        self,
        jurisdiction: str = "dazhou",
        unit: str = "达州市教育局",
        *,
        secret: bool = False,
        contract: tuple[date, date] | None = None,
        total_fen: int = 3_000_000_00,
    ) -> str:
        project = f"P-{uuid.uuid4().hex[:10]}"
        summary = ProjectSummary(
            unit=unit,
            jurisdiction=jurisdiction,
            secret=secret,
            title=None if secret else "智慧教育平台",
            total_investment_fen=total_fen,
            plan_year=clock.today().year,
        )
        await self.deliver(
            ProjectApproved(
                project_id=project,
                project=summary,
                approval_letter_no="L-1",
                approved_on=clock.today(),
                authority_steps=["mayor"],
                rule_id="approval.authority",
                citation="dazhou:第十条",
                pack_version="x",
            )
        )
        if contract is not None:
            await self.deliver(
                ContractSigned(
                    project_id=project,
                    contract_id=f"C-{project}",
                    unit=unit,
                    jurisdiction=jurisdiction,
                    supplier="某公司",
                    amount_fen=total_fen // 2,
                    signed_on=contract[0],
                    planned_completion=contract[1],
                )
            )
        return project


@pytest.fixture(autouse=True)
def reset_clock():
    yield
    clock.set_offset(timedelta(0))


@pytest.fixture
async def hub(tmp_path) -> AsyncIterator[Hub]:
    packs.load_all()
    settings = Settings(
        service="catalog", database_url=f"sqlite+aiosqlite:///{tmp_path / 'catalog.sqlite'}", clock_control=True
    )
    app = create_service_app(
        "catalog",
        schema,
        subscriptions,
        [*ROUTERS, *oversight.ROUTERS, *data_operations.ROUTERS, *reports.ROUTERS],
        title="catalog (test)",
        settings=settings,
        sweepers=[*SWEEPERS, *oversight.SWEEPERS, *data_operations.SWEEPERS],
        scope=scope,
    )
    budget_settings = Settings(service="budget", database_url=f"sqlite+aiosqlite:///{tmp_path / 'budget.sqlite'}")
    budget_app = create_service_app(
        "budget",
        budget_schema,
        budget_subscriptions,
        [budget_router],
        title="budget (test)",
        settings=budget_settings,
        scope=budget_scope,
    )
    runtime: ServiceRuntime = app.state.runtime
    await upgrade_to_head(runtime.engine, "catalog")
    await upgrade_to_head(budget_app.state.runtime.engine, "budget")
    budget_client.TRANSPORT = httpx.ASGITransport(app=budget_app)
    try:
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog") as client,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=budget_app), base_url="http://budget") as budget,
        ):
            yield Hub(client, runtime, settings, budget)
    finally:
        budget_client.TRANSPORT = None
        await runtime.engine.dispose()
        await budget_app.state.runtime.engine.dispose()
