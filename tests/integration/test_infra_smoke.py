"""Smoke test of the real test infrastructure: a Kafka 4.x broker and PostgreSQL started from deploy/local."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from tests.support import infra

pytestmark = pytest.mark.integration


@pytest.fixture
def smoke_kafka(kafka_bootstrap: str) -> str:
    """The session's broker (tests/conftest.py starts it with deploy/local/kafka/kafka.sh)."""
    return kafka_bootstrap


@pytest.fixture
def smoke_pg(pg_urls: dict[str, str]) -> dict[str, str]:
    """Two of the session's per-service databases (started with deploy/local/postgres/pg.sh)."""
    return {db: pg_urls[db] for db in ("intake", "review")}


async def test_kafka_produce_and_consume(smoke_kafka: str) -> None:
    topic = f"smoke-{uuid.uuid4().hex[:8]}"
    await infra.create_topics(smoke_kafka, [topic, topic])  # duplicates and re-creation are fine
    await infra.create_topics(smoke_kafka, [topic])

    producer = AIOKafkaProducer(bootstrap_servers=smoke_kafka, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        assert len(await producer.partitions_for(topic)) == 6
        meta = await producer.send_and_wait(topic, b"hello", key=b"project-1", headers=[("id", b"e1")])
    finally:
        await producer.stop()
    assert meta.offset == 0

    consumer = AIOKafkaConsumer(
        bootstrap_servers=smoke_kafka,
        group_id=f"smoke-{topic}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        consumer.subscribe([topic])
        received = []

        async def got_message() -> bool:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                received.extend(records)
            return bool(received)

        await infra.wait_for(got_message, timeout=30, message=f"a message on {topic}")
        await consumer.commit()
        tp = TopicPartition(topic, meta.partition)
        assert await consumer.committed(tp) == 1
    finally:
        await consumer.stop()

    (msg,) = received
    assert (msg.key, msg.value, msg.headers) == (b"project-1", b"hello", (("id", b"e1"),))


async def test_postgres_two_databases(smoke_pg: dict[str, str]) -> None:
    assert set(smoke_pg) == {"intake", "review"}
    for db, url in smoke_pg.items():
        assert url.startswith("postgresql+asyncpg://postgres@127.0.0.1:")
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            assert await conn.fetchval("select 1") == 1
            assert await conn.fetchval("select current_database()") == db
        finally:
            await conn.close()


async def test_wait_for_times_out_with_message() -> None:
    calls = 0

    async def never() -> bool:
        nonlocal calls
        calls += 1
        return False

    with pytest.raises(TimeoutError, match="the impossible"):
        await infra.wait_for(never, timeout=0.2, interval=0.02, message="the impossible")
    assert calls >= 3
    assert await infra.wait_for(lambda: 42, timeout=1) == 42
