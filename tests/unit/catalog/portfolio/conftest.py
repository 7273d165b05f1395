"""The catalog with its portfolio room on a SQLite file (migrations applied), without Kafka: events are
handed to the consumers directly, as the bus would after its inbox check."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest

from services.catalog import portfolio
from services.catalog.api import ROUTERS
from services.catalog.api.common import scope
from services.catalog.handlers import subscriptions
from services.catalog.sweepers import SWEEPERS
from services.catalog.tables import schema
from shared import clock
from shared.auth import Role, issue_token
from shared.contracts.intake import ApplicationAdmitted, ApplicationSubmitted, ProjectSummary
from shared.db import upgrade_to_head
from shared.policy import packs
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings

UNIT = "达州市教育局"
PORTFOLIO = "/api/catalog/portfolio"


@dataclass
class Hub:
    client: httpx.AsyncClient
    runtime: ServiceRuntime
    settings: Settings

    def headers(self, roles=(Role.DATA_BUREAU,), *, unit: str | None = None, cleared=False, subject=None) -> dict:
        roles = [roles] if isinstance(roles, Role | str) else list(roles)
        moved = clock.offset()
        clock.set_offset(timedelta(0))  # tokens issued on the real clock, valid for years
        try:
            token = issue_token(
                self.settings.jwt_secret,
                subject or "-".join(str(r) for r in roles) + (unit or ""),
                roles,
                unit=unit,
                cleared=cleared,
                ttl=timedelta(days=3660),
            )
        finally:
            clock.set_offset(moved)
        return {"authorization": f"Bearer {token}"}

    async def get(self, path: str, roles=(Role.DATA_BUREAU,), params=None, **kw) -> httpx.Response:
        return await self.client.get(PORTFOLIO + path, headers=self.headers(roles, **kw), params=params)

    async def post(self, path: str, body=None, roles=(Role.DATA_BUREAU,), **kw) -> httpx.Response:
        return await self.client.post(PORTFOLIO + path, json=body, headers=self.headers(roles, **kw))

    async def deliver(self, payload, *, at: datetime | None = None) -> None:
        envelope = payload.envelope()
        if at is not None:
            envelope = envelope.model_copy(update={"time": at})
        async with self.runtime.unit_of_work() as uow:
            await subscriptions.handlers[payload.event_type](uow, envelope, payload)

    async def sweep(self) -> dict:
        return await self.runtime.sweep_once()

    async def todos(self, roles=(Role.DATA_BUREAU,), **kw) -> list[dict]:
        response = await self.get("/todos", roles, **kw)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    async def project(self, project_id: str, roles=(Role.DATA_BUREAU,), **kw) -> dict:
        response = await self.get(f"/projects/{project_id}", roles, **kw)
        assert response.status_code == 200, response.text
        return response.json()

    async def admitted(
        self,
        *,
        jurisdiction="dazhou",
        unit=UNIT,
        title: str | None = "智慧教育平台",
        amount_fen=150_0000_00,
        secret=False,
        year=2027,
    ) -> str:
        project_id = f"P-{uuid.uuid4().hex[:10]}"
        summary = summary_of(jurisdiction, unit, title, amount_fen, secret, year)
        await self.deliver(ApplicationSubmitted(project_id=project_id, project=summary))
        await self.deliver(ApplicationAdmitted(project_id=project_id, project=summary, admitted_by="bureau"))
        return project_id


def summary_of(jurisdiction, unit, title, amount_fen, secret=False, year=2027) -> ProjectSummary:
    return ProjectSummary(
        unit=unit,
        jurisdiction=jurisdiction,
        secret=secret,
        title=None if secret else title,
        total_investment_fen=amount_fen,
        plan_year=year,
    )


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
        [*ROUTERS, *portfolio.ROUTERS],
        title="catalog (test)",
        settings=settings,
        scope=scope,
        sweepers=[*SWEEPERS, *portfolio.SWEEPERS],
    )
    runtime: ServiceRuntime = app.state.runtime
    await upgrade_to_head(runtime.engine, "catalog")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog") as client:
        yield Hub(client, runtime, settings)
    await runtime.engine.dispose()


@pytest.fixture
def pack_settings(tmp_path, monkeypatch):
    """Give one pack other local settings (`settings.<name>.value`), as a bureau would by publishing a new
    version of its pack file; the portfolio then reads that registry. Returns the registry."""
    import re
    import shutil

    from services.catalog.portfolio import domain
    from shared.policy.registry import PACKS_DIR, PackRegistry

    def change(pack_id: str, **values: str) -> PackRegistry:
        folder = tmp_path / "packs"
        if not folder.exists():
            shutil.copytree(PACKS_DIR, folder)
        path = folder / f"{pack_id}.yaml"
        text = path.read_text(encoding="utf-8")
        for name, value in values.items():
            text, n = re.subn(rf"(\n  {name}:\n    value: )\S+", rf"\g<1>{value}", text)
            assert n == 1, f"{pack_id} has no setting {name}"
        path.write_text(text, encoding="utf-8")
        registry = PackRegistry(folder)
        registry.load_all()
        monkeypatch.setattr(domain, "packs", registry)
        return registry

    return change
