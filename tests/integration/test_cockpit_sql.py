"""On PostgreSQL, the cockpit rated in SQL (services/catalog/portfolio/queries/risk.py) gives what the
per-project Python rating gave, on the same generated portfolio as the SQLite test (threshold boundaries,
each scope and filter): date subtraction and integer division are PostgreSQL's own here."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.catalog import portfolio
from services.catalog.api import ROUTERS
from services.catalog.api.common import scope
from services.catalog.handlers import subscriptions
from services.catalog.tables import schema
from shared import clock
from shared.db import upgrade_to_head
from shared.policy import packs
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings
from tests.unit.catalog.portfolio import cockpit_reference as reference

pytestmark = pytest.mark.integration

DATABASE = "cockpit_sql"


@pytest.fixture
async def runtime(pg_urls: dict[str, str]) -> AsyncIterator[ServiceRuntime]:
    server = pg_urls["bench"].replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        await conn.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await conn.close()
    packs.load_all()
    url = f"{pg_urls['bench'].rsplit('/', 1)[0]}/{DATABASE}"
    app = create_service_app(
        "catalog",
        schema,
        subscriptions,
        [*ROUTERS, *portfolio.ROUTERS],
        title="catalog (cockpit in SQL)",
        settings=Settings(service="catalog", database_url=url),
        scope=scope,
    )
    runtime: ServiceRuntime = app.state.runtime
    await upgrade_to_head(runtime.engine, "catalog")
    yield runtime
    await runtime.engine.dispose()
    await runtime.read_engine.dispose()


async def test_the_cockpit_in_sql_gives_the_per_project_ratings_answers_on_postgresql(runtime):
    today = clock.today()
    await reference.load(runtime, today)
    assert await reference.compare(runtime, today) > 300
