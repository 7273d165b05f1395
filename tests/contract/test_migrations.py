"""Each service's alembic migrations build exactly the tables its code declares (no forgotten migration)."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shared.db import make_engine, upgrade_to_head
from shared.settings import STAGE_SERVICES


@pytest.mark.parametrize("service", STAGE_SERVICES)
async def test_migrations_match_the_tables(service, tmp_path):
    schema = importlib.import_module(f"services.{service}.tables").schema
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'scratch.sqlite'}")
    try:
        await upgrade_to_head(engine, service)

        def diff(connection):
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            return compare_metadata(context, schema.metadata)

        async with engine.connect() as conn:
            differences = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == [], (
        f"{service}: tables.py and migrations differ; run scripts/new_migration.py {service} '...'\n{differences}"
    )
