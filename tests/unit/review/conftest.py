"""The review service on a SQLite file (migrations applied), without Kafka: events are handed to the
handlers directly and the outbox is read back from the table."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import sqlalchemy as sa

from services.review import handlers
from services.review.api import router, scope
from services.review.tables import schema
from shared.auth import Role, issue_token
from shared.contracts.intake import ApplicationAdmitted, ProjectSummary
from shared.db import upgrade_to_head
from shared.policy import packs
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings

WAN = 1_000_000  # fen in 1万元
DIMENSIONS = ("necessity", "soundness", "sharing", "security", "cost")
FENGXIAN_PANEL = ["data_bureau", "cyberspace", "finance", "police", "city_operations"]


@dataclass
class Review:
    client: httpx.AsyncClient
    runtime: ServiceRuntime
    settings: Settings

    def headers(self, subject: str, *roles: Role | str, unit: str | None = None, cleared: bool = False) -> dict:
        token = issue_token(self.settings.jwt_secret, subject, roles, unit=unit, cleared=cleared)
        return {"authorization": f"Bearer {token}"}

    def as_role(self, role: Role | str, **kw) -> dict:
        return self.headers(str(role), role, **kw)

    async def post(self, path: str, body: dict, role: Role | str = Role.DATA_BUREAU, *, headers=None, **kw):
        return await self.client.post(path, json=body, headers={**self.as_role(role, **kw), **(headers or {})})

    async def get(self, path: str, role: Role | str = Role.DATA_BUREAU, **kw):
        return await self.client.get(path, headers=self.as_role(role, **kw))

    async def admit(
        self,
        jurisdiction: str = "dazhou",
        amount_fen: int = 350 * WAN,
        unit: str = "达州市教育局",
        secret: bool = False,
        plan_year: int = 2027,
    ) -> str:
        project = f"P-{uuid.uuid4().hex[:10]}"
        payload = ApplicationAdmitted(
            project_id=project,
            admitted_by="bureau",
            project=ProjectSummary(
                unit=unit,
                jurisdiction=jurisdiction,
                secret=secret,
                title=None if secret else "智慧教育平台",
                total_investment_fen=amount_fen,
                plan_year=plan_year,
            ),
        )
        await self.deliver(payload)
        return project

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

    async def expert(self, name: str, employer: str, fields=("software",), vendors=(), user: str | None = None) -> str:
        body = {"name": name, "employer": employer, "fields": list(fields), "vendor_links": list(vendors)}
        if user:
            body["user_subject"] = user
        response = await self.post("/api/review/experts", body)
        assert response.status_code == 201, response.text
        return response.json()["id"]


@pytest.fixture
async def review(tmp_path) -> AsyncIterator[Review]:
    packs.load_all()
    settings = Settings(
        service="review", database_url=f"sqlite+aiosqlite:///{tmp_path / 'review.sqlite'}", clock_control=True
    )
    app = create_service_app(
        "review",
        schema,
        handlers.subscriptions,
        [router],
        title="review (test)",
        settings=settings,
        scope=scope,
    )
    runtime: ServiceRuntime = app.state.runtime
    await upgrade_to_head(runtime.engine, "review")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://review") as client:
        yield Review(client, runtime, settings)
    await runtime.engine.dispose()


def sheet(score: int = 15, **overrides: int) -> dict:
    return {name: overrides.get(name, score) for name in DIMENSIONS}
