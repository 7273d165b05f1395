"""The procurement service on a SQLite file (migrations applied), without Kafka: events are handed to the
handlers directly, the outbox is read back from its table, and the clock is moved in-process."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import pytest
import sqlalchemy as sa

from services.procurement.api import router, scope
from services.procurement.handlers import subscriptions, sweep_construction_deadlines
from services.procurement.tables import schema
from shared import clock
from shared.auth import Role, issue_token
from shared.contracts.budget import EstimateApproved
from shared.contracts.intake import ProjectSummary
from shared.contracts.review import ProjectApproved
from shared.db import upgrade_to_head
from shared.policy import packs
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings

WAN = 1_000_000  # fen per 万元
UNIT = "达州市教育局"
LEADER_ROLES = ("vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance", "mayor", "executive_meeting")


@dataclass
class Procurement:
    client: httpx.AsyncClient
    runtime: ServiceRuntime
    settings: Settings

    def headers(self, role: Role | str = Role.UNIT, *, unit: str | None = UNIT, cleared=False) -> dict:
        role = Role(role)
        token = issue_token(
            self.settings.jwt_secret, str(role), [role], unit=unit if role == Role.UNIT else None, cleared=cleared
        )
        return {"authorization": f"Bearer {token}"}

    async def post(self, path: str, body=None, role: Role | str = Role.UNIT, *, headers=None, **kw):
        return await self.client.post(
            f"/api/procurement{path}", json=body, headers={**self.headers(role, **kw), **(headers or {})}
        )

    async def get(self, path: str, role: Role | str = Role.UNIT, **kw):
        params = kw.pop("params", None)
        return await self.client.get(f"/api/procurement{path}", headers=self.headers(role, **kw), params=params)

    async def deliver(self, payload) -> None:
        handler = subscriptions.handlers[payload.event_type]
        async with self.runtime.unit_of_work() as uow:
            await handler(uow, payload.envelope(), payload)

    async def project(
        self,
        estimate_fen: int = 300 * WAN,
        jurisdiction: str = "dazhou",
        unit: str = UNIT,
        *,
        secret: bool = False,
        title: str = "智慧教育平台",
    ) -> str:
        """A project approved by review and with an approved estimate, as the two events deliver it."""
        project = f"P-{uuid.uuid4().hex[:10]}"
        await self.deliver(
            ProjectApproved(
                project_id=project,
                project=ProjectSummary(
                    unit=unit,
                    jurisdiction=jurisdiction,
                    secret=secret,
                    title=None if secret else title,
                    total_investment_fen=estimate_fen,
                    plan_year=clock.today().year,
                ),
                approval_letter_no=f"{jurisdiction}-立项-{project[-6:]}",
                approved_on=clock.today(),
                authority_steps=["mayor"],
                rule_id="approval.authority",
                citation="dazhou:第十条",
                pack_version="x",
            )
        )
        await self.deliver(
            EstimateApproved(
                project_id=project,
                unit=unit,
                jurisdiction=jurisdiction,
                estimate_fen=estimate_fen,
                approved_on=clock.today(),
            )
        )
        return project

    async def events(self, event_type: str | None = None) -> list[dict]:
        async with self.runtime.engine.connect() as conn:
            rows = (await conn.execute(sa.select(schema.outbox).order_by(schema.outbox.c.seq))).all()
        return [
            json.loads(r.payload)["data"] | {"type": r.type, "key": r.key}
            for r in rows
            if event_type is None or r.type == event_type
        ]

    async def deadlines(self, subject: str) -> list:
        async with self.runtime.engine.connect() as conn:
            query = sa.select(schema.deadlines).where(schema.deadlines.c.subject == subject)
            return list((await conn.execute(query)).all())

    async def contract(self, project: str, amount_fen: int, signed_on: date | None = None, **extra) -> httpx.Response:
        signed = signed_on or clock.today() - timedelta(days=10)
        body = {
            "supplier": "四川某信息技术有限公司",
            "amount_fen": amount_fen,
            "signed_on": signed.isoformat(),
            "planned_completion": (signed + timedelta(days=300)).isoformat(),
            **extra,
        }
        return await self.post(f"/projects/{project}/contracts", body)


@pytest.fixture(autouse=True)
def reset_clock():
    yield
    clock.set_offset(timedelta(0))


@pytest.fixture
async def procurement(tmp_path) -> AsyncIterator[Procurement]:
    packs.load_all()
    settings = Settings(
        service="procurement",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'procurement.sqlite'}",
        clock_control=True,
    )
    app = create_service_app(
        "procurement",
        schema,
        subscriptions,
        [router],
        title="procurement (test)",
        settings=settings,
        sweepers=[sweep_construction_deadlines],
        scope=scope,
    )
    runtime: ServiceRuntime = app.state.runtime
    await upgrade_to_head(runtime.engine, "procurement")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://procurement") as client:
        yield Procurement(client, runtime, settings)
    await runtime.engine.dispose()
