"""The intake service on a SQLite file (migrations applied), without Kafka: events are handed to the
handlers directly and the outbox is read back from the table."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from services.intake import handlers
from services.intake.api import router, scope
from services.intake.tables import schema
from shared.auth import Role, issue_token
from shared.db import upgrade_to_head
from shared.policy import packs
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings

WAN = 1_000_000  # fen in 1万元
EDU = "达州市教育局"
HEALTH = "达州市卫生健康委员会"
DAZHOU_MATERIALS = [
    "basic_info",
    "necessity_basis",
    "construction_content",
    "performance_goals",
    "implementation_mode",
    "application_plan",
    "information_resource_catalog",
    "gov_cloud_plan",
    "security_protection_plan",
    "crypto_plan",
    "investment_amount",
    "om_funding",
    "funding_channels",
    "secure_products_statement",  # dazhou:第五十六条
]


def draft_body(**overrides: Any) -> dict:
    body = {
        "unit": EDU,
        "jurisdiction": "dazhou",
        "title": "智慧教育平台",
        "category": "application",
        "construction_type": "new",
        "total_investment_fen": 350 * WAN,
        "plan_year": 2099,  # far ahead: inside the application window
        "materials": list(DAZHOU_MATERIALS),
    }
    body.update(overrides)
    return body


@dataclass
class Intake:
    client: httpx.AsyncClient
    runtime: ServiceRuntime
    settings: Settings

    def headers(self, role: Role | str = Role.UNIT, *, unit: str | None = EDU, cleared: bool = False) -> dict:
        unit = unit if role == Role.UNIT else None
        token = issue_token(self.settings.jwt_secret, f"{role}-{unit or ''}", [role], unit=unit, cleared=cleared)
        return {"authorization": f"Bearer {token}"}

    async def post(self, path: str, body: Any = None, role: Role | str = Role.UNIT, *, headers=None, **kw):
        return await self.client.post(path, json=body, headers={**self.headers(role, **kw), **(headers or {})})

    async def patch(self, path: str, body: Any, role: Role | str = Role.UNIT, **kw):
        return await self.client.patch(path, json=body, headers=self.headers(role, **kw))

    async def get(self, path: str, role: Role | str = Role.DATA_BUREAU, *, params=None, **kw):
        return await self.client.get(path, params=params, headers=self.headers(role, **kw))

    async def draft(self, **overrides: Any) -> str:
        response = await self.post("/api/intake/applications", draft_body(**overrides), unit=overrides.get("unit", EDU))
        assert response.status_code == 201, response.text
        return response.json()["id"]

    async def deliver(self, payload) -> None:
        handler = handlers.subscriptions.handlers[payload.event_type]
        async with self.runtime.unit_of_work() as uow:
            await handler(uow, payload.envelope(), payload)

    async def events(self, event_type: str | None = None) -> list[dict]:
        async with self.runtime.engine.connect() as conn:
            rows = (await conn.execute(sa.select(schema.outbox).order_by(schema.outbox.c.seq))).all()
        return [
            {"type": r.type, "key": r.key, **json.loads(r.payload)["data"]}
            for r in rows
            if event_type is None or r.type == event_type
        ]


@pytest.fixture
async def intake(tmp_path) -> AsyncIterator[Intake]:
    packs.load_all()
    settings = Settings(
        service="intake", database_url=f"sqlite+aiosqlite:///{tmp_path / 'intake.sqlite'}", clock_control=True
    )
    app = create_service_app(
        "intake",
        schema,
        handlers.subscriptions,
        [router],
        title="intake (test)",
        settings=settings,
        scope=scope,
    )
    runtime: ServiceRuntime = app.state.runtime
    await upgrade_to_head(runtime.engine, "intake")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:
        yield Intake(client, runtime, settings)
    await runtime.engine.dispose()
