"""The outbox/inbox machinery on the real broker and PostgreSQL: a consumer crash between the DB
commit and the offset commit loses nothing and applies nothing twice; a service that starts while
the broker is down catches up when it comes up."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer, TopicPartition
from sqlmodel import Field

from shared.bus import EventConsumer, Subscriptions
from shared.contracts.catalog import UnitCleared
from shared.db import ServiceSchema
from shared.service import ServiceRuntime
from shared.settings import Settings
from tests.support import infra
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration

schema = ServiceSchema("crashtest")


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


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so neither the consumer loop nor its supervisor
    catches it (nothing restarts a dead process in here), and the offset is never committed."""


async def fresh_runtime(pg_url: str, bootstrap: str, prefix: str) -> ServiceRuntime:
    settings = Settings(service="crashtest", database_url=pg_url, kafka_bootstrap=bootstrap, topic_prefix=prefix)
    runtime = ServiceRuntime(settings, schema, subscriptions)
    async with runtime.engine.begin() as conn:
        await conn.run_sync(schema.metadata.drop_all)
        await conn.run_sync(schema.metadata.create_all)
    return runtime


async def effects(runtime: ServiceRuntime) -> dict[str, int]:
    async with runtime.engine.connect() as conn:
        return {row.unit: row.times for row in (await conn.execute(sa.select(Effect.unit, Effect.times))).all()}


async def test_crash_between_db_commit_and_offset_commit_loses_nothing(kafka_bootstrap, pg_urls):
    prefix = f"crash{uuid.uuid4().hex[:6]}"
    runtime = await fresh_runtime(pg_urls["crashtest"], kafka_bootstrap, prefix)
    topic = f"{prefix}.catalog"
    await infra.create_topics(kafka_bootstrap, [topic], partitions=1)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for n in range(10):
            event = UnitCleared(project_id=f"P{n}", unit=f"U{n}", rule_id="r", cleared_on=date(2026, 1, 1)).envelope()
            await producer.send_and_wait(topic, event.to_json().encode(), key=event.subject.encode())
    finally:
        await producer.stop()

    runtime.link.connected.set()  # the consumer only needs the broker, not this runtime's producer
    first = EventConsumer(runtime, subscriptions)
    seen = 0

    async def crash_on_third(record) -> None:
        nonlocal seen
        seen += 1
        if seen == 3:
            raise Crash

    first.after_db_commit = crash_on_third
    first.start()
    await wait_for(lambda: first._task.done(), timeout=30, message="the first consumer to crash")
    assert isinstance(first._task.exception(), Crash)
    await first.stop()
    # U0..U2 (and, when they came in one fetch, the rest of their batch) committed in the DB, not in Kafka.
    before_crash = await effects(runtime)
    assert {"U0", "U1", "U2"} <= before_crash.keys() and set(before_crash.values()) == {1}
    async with first.runtime.engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(schema.inbox)) == len(before_crash)

    second = EventConsumer(runtime, subscriptions)
    second.start()
    try:
        await wait_for(lambda: _all_ten(runtime), timeout=30, message="the second consumer to catch up")

        async def committed() -> bool:  # once idle, the consumer commits what it handled
            # (all ten may be in the DB already, from the first consumer's batch: wait for it to connect)
            consumer = second.consumer
            return consumer is not None and await consumer.committed(TopicPartition(topic, 0)) == 10

        await wait_for(committed, timeout=10, message="the handled offsets to be committed")
    finally:
        await second.stop()
    assert await effects(runtime) == {f"U{n}": 1 for n in range(10)}  # redelivered U2 applied once
    async with runtime.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(schema.inbox))).scalar() == 10
    await runtime.engine.dispose()


async def _all_ten(runtime: ServiceRuntime) -> bool:
    return len(await effects(runtime)) == 10


async def test_a_service_started_before_the_broker_catches_up(pg_urls):
    port = infra.free_port()
    runtime = await fresh_runtime(pg_urls["crashtest"], f"127.0.0.1:{port}", f"late{uuid.uuid4().hex[:6]}")
    runtime.link.start()
    runtime.relay.start()
    try:
        assert not runtime.link.ready
        async with runtime.unit_of_work() as uow:  # the API keeps working: events wait in the outbox
            await uow.emit(UnitCleared(project_id="P-late", unit="U", rule_id="r", cleared_on=date(2026, 1, 1)))
        infra.start_kafka(port)
        try:
            await wait_for(lambda: runtime.link.ready, timeout=60, message="the link to connect")

            async def published() -> bool:
                async with runtime.engine.connect() as conn:
                    row = (await conn.execute(sa.select(schema.outbox.c.published_at))).one()
                return row.published_at is not None

            await wait_for(published, timeout=30, message="the outbox backlog to be published")
        finally:
            await runtime.relay.stop()
            await runtime.link.stop()
            infra.stop_kafka(port, remove_data=True)
    finally:
        await runtime.engine.dispose()


async def test_only_one_relay_per_service_publishes_and_a_standby_takes_over(pg_urls):
    first = await fresh_runtime(pg_urls["crashtest"], "127.0.0.1:1", "leader")
    second = ServiceRuntime(first.settings, schema, subscriptions)  # a replica on the same database
    try:
        assert await first.relay.is_leader()
        assert not await second.relay.is_leader()
        await first.relay.stop()  # the leader goes away (its connection closes)
        await wait_for(second.relay.is_leader, timeout=10, message="the standby to take over")
    finally:
        await second.relay.stop()
        await first.engine.dispose()
        await second.engine.dispose()


async def test_an_api_process_commit_wakes_the_worker_relay_through_postgres_notify(kafka_bootstrap, pg_urls):
    """Split processes: the API process has no relay of its own; the outbox trigger's NOTIFY must wake
    the worker's relay at the commit."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from shared.db import create_outbox_notify_trigger

    prefix = f"split{uuid.uuid4().hex[:6]}"
    base = await fresh_runtime(pg_urls["crashtest"], kafka_bootstrap, prefix)
    await base.engine.dispose()
    common = {"database_url": pg_urls["crashtest"], "kafka_bootstrap": kafka_bootstrap, "topic_prefix": prefix}
    api = ServiceRuntime(Settings(service="crashtest", process_role="api", **common), schema, subscriptions)
    worker = ServiceRuntime(Settings(service="crashtest", process_role="worker", **common), schema, subscriptions)
    async with api.engine.begin() as conn:
        await conn.run_sync(lambda sync: create_outbox_notify_trigger(Operations(MigrationContext.configure(sync))))
    worker.link.start()
    try:
        await wait_for(lambda: worker.link.ready, timeout=30, message="the worker's link")
        assert await worker.relay.is_leader()  # its connection now LISTENs
        worker.relay._wake.clear()  # the relay loop is not running: only the notification can set it
        async with api.unit_of_work() as uow:
            event = await uow.emit(
                UnitCleared(project_id="P-split", unit="U", rule_id="r", cleared_on=date(2026, 1, 1))
            )
        await wait_for(worker.relay._wake.is_set, timeout=10, interval=0.01, message="the NOTIFY to wake the relay")
        assert await worker.relay.publish_batch() == 1
        # A notification from one of the worker's own connections is ignored: its commit woke it directly.
        worker.relay._wake.clear()
        own = next(iter(worker.relay._own_backends))
        worker.relay._notified(None, own, "govproj_outbox", "")
        assert not worker.relay._wake.is_set()
        async with api.engine.connect() as conn:
            assert await conn.scalar(sa.select(schema.outbox.c.published_at).where(schema.outbox.c.id == event.id))
    finally:
        await worker.relay.stop()
        await worker.link.stop()
        await worker.engine.dispose()
        await api.engine.dispose()
