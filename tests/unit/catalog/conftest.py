"""The catalog service on a SQLite file (migrations applied), without Kafka: events are handed to the
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

from services.catalog.api import ROUTERS
from services.catalog.api.common import scope
from services.catalog.handlers import subscriptions
from services.catalog.sweepers import SWEEPERS
from services.catalog.tables import schema
from shared import clock
from shared.auth import Role, issue_token
from shared.contracts.acceptance import ProjectAccepted
from shared.db import upgrade_to_head
from shared.policy import packs
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings


@dataclass
class Catalog:
    client: httpx.AsyncClient
    runtime: ServiceRuntime
    settings: Settings

    def headers(self, role: Role | str = Role.DATA_BUREAU, *, unit: str | None = None, cleared=False) -> dict:
        # issued on the real clock (a token "issued" in the moved future is not yet valid), valid for years
        moved = clock.offset()
        clock.set_offset(timedelta(0))
        try:
            token = issue_token(
                self.settings.jwt_secret, str(role), [role], unit=unit, cleared=cleared, ttl=timedelta(days=3660)
            )
        finally:
            clock.set_offset(moved)
        return {"authorization": f"Bearer {token}"}

    async def post(self, path: str, body=None, role: Role | str = Role.DATA_BUREAU, *, headers=None, **kw):
        return await self.client.post(path, json=body, headers={**self.headers(role, **kw), **(headers or {})})

    async def get(self, path: str, role: Role | str = Role.DATA_BUREAU, **kw):
        params = kw.pop("params", None)
        return await self.client.get(path, headers=self.headers(role, **kw), params=params)

    async def upload(self, content: bytes, media_type: str, role: Role | str = Role.DATA_BUREAU, **kw):
        headers = {**self.headers(role, **kw), "content-type": media_type}
        return await self.client.post("/api/catalog/systems/import", content=content, headers=headers)

    async def accept(
        self, jurisdiction: str = "dazhou", unit: str = "达州市教育局", accepted_on: date | None = None, secret=False
    ) -> str:
        project = f"P-{uuid.uuid4().hex[:10]}"
        payload = ProjectAccepted(
            project_id=project,
            unit=unit,
            jurisdiction=jurisdiction,
            path=jurisdiction,
            accepted_on=accepted_on or clock.today(),
            documents=["acceptance_report"],
            system_name="智慧教育平台",
            secret=secret,
        )
        await self.deliver(payload)
        return f"S-{project}"

    async def deliver(self, payload) -> None:
        handler = subscriptions.handlers[payload.event_type]
        async with self.runtime.unit_of_work() as uow:
            await handler(uow, payload.envelope(), payload)

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
            return list(
                (await conn.execute(sa.select(schema.deadlines).where(schema.deadlines.c.subject == subject))).all()
            )

    async def push(self, figures: list[dict], role: Role | str = Role.PLATFORM, **kw) -> httpx.Response:
        return await self.post("/api/catalog/monitoring", {"figures": figures}, role, **kw)


def months_back(count: int, today: date | None = None) -> list[str]:
    """The `count` ended months before today's month, oldest first."""
    day = (today or clock.today()).replace(day=1)
    out = []
    for _ in range(count):
        day = (day - timedelta(days=1)).replace(day=1)
        out.append(f"{day.year:04d}-{day.month:02d}")
    return list(reversed(out))


@pytest.fixture(autouse=True)
def reset_clock():
    yield
    clock.set_offset(timedelta(0))


@pytest.fixture
async def catalog(tmp_path) -> AsyncIterator[Catalog]:
    packs.load_all()
    settings = Settings(
        service="catalog", database_url=f"sqlite+aiosqlite:///{tmp_path / 'catalog.sqlite'}", clock_control=True
    )
    app = create_service_app(
        "catalog",
        schema,
        subscriptions,
        ROUTERS,
        title="catalog (test)",
        settings=settings,
        sweepers=SWEEPERS,
        scope=scope,
    )
    runtime: ServiceRuntime = app.state.runtime
    await upgrade_to_head(runtime.engine, "catalog")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog") as client:
        yield Catalog(client, runtime, settings)
    await runtime.engine.dispose()
