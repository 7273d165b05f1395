"""Transactional outbox: events are rows written in the same transaction as the state change;
the relay publishes them in commit order, woken right after each commit and by a backup poll."""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import structlog
from aiokafka.errors import KafkaError, OutOfOrderSequenceNumber
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared import clock
from shared.contracts.envelope import CLOUDEVENTS_CONTENT_TYPE, CloudEvent
from shared.db import OUTBOX_CHANNEL
from shared.metrics import EVENTS_PRODUCED, OUTBOX_BACKLOG, OUTBOX_PUBLISH_FAILURES

if TYPE_CHECKING:
    from shared.bus.link import KafkaLink
    from shared.db import ServiceSchema

log = structlog.get_logger()

BATCH_SIZE = 500


def outbox_row(event: CloudEvent, topic: str) -> dict:
    return {
        "id": event.id,
        "topic": topic,
        "key": event.subject,
        "type": event.type,
        "payload": event.to_json(),
        "created_at": clock.now(),
        "attempts": 0,
    }


class OutboxRelay:
    """One publisher per service at a time. On PostgreSQL the relay that holds a session-level
    advisory lock (on a connection it keeps open) is the leader; other replicas stand by and take
    over when the leader's connection goes. One publisher keeps each project's events in order,
    so the leader's statements need no transaction: select, send, mark, two round trips. The
    leader's connection also LISTENs on the outbox trigger's channel, so commits made by another
    process of the service (its API process) wake the relay as promptly as its own do."""

    def __init__(
        self,
        schema: ServiceSchema,
        engine: AsyncEngine,
        link: KafkaLink,
        poll_seconds: float = 0.5,
    ) -> None:
        self.schema = schema
        self.engine = engine
        self.link = link
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._lock_key = zlib.crc32(f"govproj-outbox-{schema.service}".encode())
        self._leader_connection: AsyncConnection | None = None
        # Server pids of this process's own connections: their commits wake the relay directly, so
        # their NOTIFY would only cost a second, empty pass.
        self._own_backends: set[int] = set()
        if engine.dialect.name == "postgresql":
            sa.event.listen(engine.sync_engine, "connect", self._remember_backend)
            sa.event.listen(engine.sync_engine, "close", self._forget_backend)
            sa.event.listen(engine.sync_engine, "invalidate", self._forget_backend)

    def wake(self) -> None:
        self._wake.set()

    def _notified(self, _connection: object, backend_pid: int, _channel: str, _payload: str) -> None:
        if backend_pid not in self._own_backends:
            self._wake.set()

    def _remember_backend(self, dbapi_connection: Any, _record: Any) -> None:
        self._own_backends.add(dbapi_connection.driver_connection.get_server_pid())

    def _forget_backend(self, dbapi_connection: Any, _record: Any, *_reason: Any) -> None:
        with contextlib.suppress(Exception):  # a connection that never opened has no pid
            self._own_backends.discard(dbapi_connection.driver_connection.get_server_pid())

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.schema.service}-outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._resign()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            self._wake.clear()
            if not self.link.ready:
                await self.link.connected.wait()
            try:
                if not await self.is_leader():
                    continue
                while await self.publish_batch() == BATCH_SIZE:
                    pass
            except OutOfOrderSequenceNumber:
                log.warning("producer wedged; recreating it", service=self.schema.service)
                await self.link.reconnect()
            except (KafkaError, OSError, sa.exc.SQLAlchemyError) as exc:
                OUTBOX_PUBLISH_FAILURES.labels(self.schema.service).inc()
                log.warning("outbox publish failed; will retry", service=self.schema.service, error=str(exc))
                if isinstance(exc, sa.exc.SQLAlchemyError):
                    await self._resign()
                await asyncio.sleep(self.poll_seconds)  # back-off before the next sweep

    async def is_leader(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            return True  # SQLite: one process owns the file
        if self._leader_connection is not None:
            return True
        connection = await self.engine.connect()
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            if await connection.scalar(sa.select(sa.func.pg_try_advisory_lock(self._lock_key))):
                raw = await connection.get_raw_connection()
                await raw.driver_connection.add_listener(OUTBOX_CHANNEL, self._notified)
                self._leader_connection = connection
                log.info("outbox relay is the leader", service=self.schema.service)
                self.wake()  # rows committed while nobody listened
                return True
        except BaseException:
            await connection.close()
            raise
        await connection.close()
        return False

    async def _resign(self) -> None:
        connection, self._leader_connection = self._leader_connection, None
        if connection is not None:
            # Invalidate rather than return it to the pool: the pooled session would keep the lock.
            with contextlib.suppress(Exception):
                await connection.invalidate()
            with contextlib.suppress(Exception):
                await connection.close()

    async def publish_batch(self) -> int:
        """Publish up to BATCH_SIZE unpublished rows in order; returns how many were published."""
        outbox = self.schema.outbox
        producer = self.link.producer
        if producer is None:
            return 0
        async with self.engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            rows = (
                await connection.execute(
                    sa.select(outbox.c.seq, outbox.c.topic, outbox.c.key, outbox.c.type, outbox.c.payload)
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.seq)
                    .limit(BATCH_SIZE)
                )
            ).all()
            if not rows:
                OUTBOX_BACKLOG.labels(self.schema.service).set(0)
                return 0
            futures = []
            for row in rows:
                futures.append(
                    await producer.send(
                        row.topic,
                        value=row.payload.encode(),
                        key=row.key.encode(),
                        headers=[("content-type", CLOUDEVENTS_CONTENT_TYPE.encode()), ("ce_type", row.type.encode())],
                    )
                )
            results = await asyncio.gather(*futures, return_exceptions=True)
            published: list[int] = []
            failure: BaseException | None = None
            for row, result in zip(rows, results, strict=True):
                if isinstance(result, BaseException):
                    failure = result
                    break  # keep order: nothing after a failed row is marked published
                published.append(row.seq)
                EVENTS_PRODUCED.labels(self.schema.service, row.type).inc()
            if published:
                await connection.execute(
                    outbox.update().where(outbox.c.seq.in_(published)).values(published_at=clock.now())
                )
            if failure is not None:
                await connection.execute(
                    outbox.update()
                    .where(outbox.c.seq == rows[len(published)].seq)
                    .values(attempts=outbox.c.attempts + 1, last_error=str(failure)[:2000])
                )
            if len(rows) < BATCH_SIZE:  # drained: what is left is what failed (a full batch loops again)
                OUTBOX_BACKLOG.labels(self.schema.service).set(len(rows) - len(published))
        if failure is not None:
            raise failure
        return len(published)
