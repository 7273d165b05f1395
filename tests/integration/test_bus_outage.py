"""A consumer survives its PostgreSQL going away for ~10 s (issue 15, defect 4): events that arrive
during the outage wait, none is dead-lettered, each takes effect once when the database is back, and
/readyz says not ready while the consumer cannot consume. Real Kafka, a PostgreSQL of its own (the
shared one serves the platform's services), the runtime of a small service."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from sqlmodel import Field

from shared.bus import Subscriptions
from shared.contracts.catalog import UnitCleared
from shared.db import ServiceSchema
from shared.scope import ProjectScope
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings
from tests.support import infra
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration

#: How long PostgreSQL stays down: the outage of the fault-injection run that found the defect.
OUTAGE_SECONDS = 10.0

schema = ServiceSchema("outagetest")


class Effect(schema.Base, table=True):
    __tablename__ = "effects"
    unit: str = Field(primary_key=True)
    times: int = 0


subscriptions = Subscriptions()


@subscriptions.on(UnitCleared)
async def count(uow, event, payload: UnitCleared) -> None:
    row = await uow.session.get(Effect, payload.unit)
    if row is None:
        uow.session.add(Effect(unit=payload.unit, times=1))
    else:
        row.times += 1


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[tuple[Path, int, str]]:
    pg_dir = infra.new_pg_dir("govproj-outage-")
    port = infra.free_port()
    try:
        urls = infra.start_postgres(pg_dir, port, ["outage"])
        yield pg_dir, port, urls["outage"]
    finally:
        infra.stop_postgres(pg_dir, remove=True)


async def effects(runtime: ServiceRuntime) -> dict[str, int]:
    async with runtime.engine.connect() as conn:
        return {row.unit: row.times for row in (await conn.execute(sa.select(Effect.unit, Effect.times))).all()}


async def _no_project(_uow: object, _project_id: str) -> None:
    return None


#: this test service owns no projects (its history route answers 404)
NO_PROJECTS = ProjectScope.of("outagetest", _no_project)


async def dead_letters(runtime: ServiceRuntime) -> int:
    async with runtime.engine.connect() as conn:
        return await conn.scalar(sa.select(sa.func.count()).select_from(schema.dead_letters))


async def test_the_consumer_survives_a_postgres_outage_and_readyz_reports_it(kafka_bootstrap, own_postgres):
    pg_dir, port, url = own_postgres
    prefix = f"outage{uuid.uuid4().hex[:6]}"
    settings = Settings(service="outagetest", database_url=url, kafka_bootstrap=kafka_bootstrap, topic_prefix=prefix)
    app = create_service_app(
        "outagetest", schema, subscriptions, [], title="outage test", settings=settings, scope=NO_PROJECTS
    )
    runtime: ServiceRuntime = app.state.runtime
    async with runtime.engine.begin() as conn:
        await conn.run_sync(schema.metadata.create_all)
    topic = f"{prefix}.catalog"
    await infra.create_topics(kafka_bootstrap, [topic], partitions=2)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True)
    await producer.start()

    async def publish(numbers: range) -> None:
        for n in numbers:
            event = UnitCleared(project_id=f"P{n}", unit=f"U{n}", rule_id="r", cleared_on=date(2026, 1, 1)).envelope()
            await producer.send_and_wait(
                topic, event.to_json().encode(), key=event.subject.encode(), headers=[("ce_type", event.type.encode())]
            )

    # The lifespan would run alembic for a service without migrations: start what it starts by hand.
    runtime.link.start()
    runtime.relay.start()
    runtime.consumer.start()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://outage")

    async def readiness() -> dict:
        return (await client.get("/readyz")).json()

    try:
        await publish(range(5))
        await wait_for(lambda: _count(runtime, 5), timeout=60, message="the events before the outage")
        await wait_for(lambda: _ready(readiness), timeout=30, message="the service to be ready")

        loop = asyncio.get_running_loop()
        infra.stop_postgres(pg_dir)
        down_since = loop.time()
        await publish(range(5, 15))  # arrive while the database is down

        async def consumer_reported_down() -> bool:
            body = await readiness()
            return not body["ready"] and body["checks"]["consumer"] is False

        await wait_for(consumer_reported_down, timeout=30, message="/readyz to report the consumer down")
        assert (await client.get("/readyz")).status_code == 503
        assert runtime.consumer.state == "waiting_for_database"
        # Keep the database away for the whole outage; this is the fault's length, not a wait on a condition.
        await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (loop.time() - down_since)))
        assert not runtime.consumer._task.done()  # it used to end here for good
        infra.start_postgres(pg_dir, port, ["outage"])

        await wait_for(
            lambda: _count(runtime, 15),
            timeout=60,
            message="every event after the outage",
            ignore=(sa.exc.SQLAlchemyError, OSError),  # the database may still be coming back
        )
        await wait_for(lambda: _ready(readiness), timeout=30, message="/readyz to recover")
        assert await effects(runtime) == {f"U{n}": 1 for n in range(15)}  # each once, none lost
        assert await dead_letters(runtime) == 0  # nothing dead-lettered because of the outage
    finally:
        await client.aclose()
        await producer.stop()
        await runtime.consumer.stop()
        await runtime.relay.stop()
        await runtime.link.stop()
        await runtime.engine.dispose()


async def _count(runtime: ServiceRuntime, expected: int) -> bool:
    return len(await effects(runtime)) == expected


async def _ready(readiness) -> bool:
    return (await readiness())["ready"]
