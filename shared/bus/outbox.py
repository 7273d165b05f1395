"""Transactional outbox: events are rows written in the same transaction as the state change;
the relay publishes them in commit order, woken right after each commit and by a backup poll."""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import structlog
from aiokafka import errors as kafka_errors
from aiokafka.errors import KafkaError, OutOfOrderSequenceNumber
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared import clock, tracing
from shared.contracts.envelope import CLOUDEVENTS_CONTENT_TYPE, EVENT_TYPE_HEADER, CloudEvent
from shared.db import OUTBOX_CHANNEL
from shared.metrics import (
    EVENTS_PRODUCED,
    OUTBOX_BACKLOG,
    OUTBOX_FAILED,
    OUTBOX_FAILED_ROWS,
    OUTBOX_PUBLISH_FAILURES,
)

if TYPE_CHECKING:
    from shared.bus.link import KafkaLink
    from shared.db import ServiceSchema

log = structlog.get_logger()

BATCH_SIZE = 500


#: The broker will never take these records, however often they are sent: the row fails at once.
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (
    kafka_errors.MessageSizeTooLargeError,
    kafka_errors.RecordTooLargeError,
    kafka_errors.RecordListTooLargeError,
    kafka_errors.InvalidTopicError,
    kafka_errors.CorruptRecordException,
    kafka_errors.InvalidMessageError,
    kafka_errors.UnsupportedForMessageFormatError,
)
#: The broker (or the way to it) is unavailable: no fault of the row, so not counted against it.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    kafka_errors.KafkaTimeoutError,
    kafka_errors.KafkaUnavailableError,
    kafka_errors.BrokerNotAvailableError,
    kafka_errors.ProducerClosed,
)


def broker_unavailable(error: BaseException) -> bool:
    return isinstance(error, UNAVAILABLE_ERRORS) or (isinstance(error, KafkaError) and error.retriable)


def outbox_row(event: CloudEvent, topic: str, payload: str | None = None) -> dict:
    return {
        "id": event.id,
        "topic": topic,
        "key": event.subject,
        "type": event.type,
        "payload": payload if payload is not None else event.to_json(),
        "created_at": clock.now(),
        "attempts": 0,
    }


def record_headers(topic: str, event_type: str, payload: str) -> list[tuple[str, bytes]]:
    """A structured-mode CloudEvents record's headers (Kafka protocol binding): the content type, the event
    type under a non-`ce_` name (a `ce_` header would mean binary mode to a CloudEvents reader) and, while
    tracing is on, the W3C `traceparent` of the relay's producer span."""
    return [
        ("content-type", CLOUDEVENTS_CONTENT_TYPE.encode()),
        (EVENT_TYPE_HEADER, event_type.encode()),
        *tracing.publish_headers(payload, topic, event_type),
    ]


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
        max_attempts: int = 5,
    ) -> None:
        self.schema = schema
        self.engine = engine
        self.link = link
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        # Rows marked failed by the last batch: the relay goes on at once with the rows behind them.
        self._failed_in_batch = 0
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
                while await self.publish_batch() == BATCH_SIZE or self._failed_in_batch:
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
            except Exception:  # anything else must not end the relay for good: log, back off, go on
                OUTBOX_PUBLISH_FAILURES.labels(self.schema.service).inc()
                log.exception("outbox relay pass failed; will retry", service=self.schema.service)
                await self._resign()
                await asyncio.sleep(self.poll_seconds)

    @property
    def alive(self) -> bool:
        return self._task is not None and not self._task.done()

    async def oldest_pending_age(self) -> float | None:
        """Seconds since the oldest row still waiting to be published was written (None: none waits)."""
        outbox = self.schema.outbox
        async with self.engine.connect() as connection:
            oldest = await connection.scalar(
                sa.select(outbox.c.created_at)
                .where(outbox.c.published_at.is_(None), outbox.c.failed_at.is_(None))
                .order_by(outbox.c.seq)
                .limit(1)
            )
        return None if oldest is None else (clock.now() - oldest).total_seconds()

    async def count_failed(self) -> int:
        """Rows in the terminal `failed` state (they wait for an operator); also sets the gauge."""
        outbox = self.schema.outbox
        async with self.engine.connect() as connection:
            failed = await connection.scalar(
                sa.select(sa.func.count()).select_from(outbox).where(outbox.c.failed_at.is_not(None))
            )
        OUTBOX_FAILED_ROWS.labels(self.schema.service).set(failed or 0)
        return failed or 0

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
                assert raw.driver_connection is not None, "a checked-out connection has its driver connection"
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
        """Publish up to BATCH_SIZE unpublished rows in order; returns how many were published.

        The first row that fails stops the batch (nothing after it is marked, so each project's
        events stay in order). If the broker refuses that row for good, the row is marked failed
        and the next batch starts behind it; otherwise its error is raised and the batch retried."""
        outbox = self.schema.outbox
        producer = self.link.producer
        self._failed_in_batch = 0
        if producer is None:
            return 0
        async with self.engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            rows = (
                await connection.execute(
                    sa.select(
                        outbox.c.seq,
                        outbox.c.id,
                        outbox.c.topic,
                        outbox.c.key,
                        outbox.c.type,
                        outbox.c.payload,
                        outbox.c.attempts,
                    )
                    .where(outbox.c.published_at.is_(None), outbox.c.failed_at.is_(None))
                    .order_by(outbox.c.seq)
                    .limit(BATCH_SIZE)
                )
            ).all()
            if not rows:
                OUTBOX_BACKLOG.labels(self.schema.service).set(0)
                return 0
            futures: list[Any] = []
            for row in rows:
                try:
                    futures.append(
                        await producer.send(
                            row.topic,
                            value=row.payload.encode(),
                            key=row.key.encode(),
                            headers=record_headers(row.topic, row.type, row.payload),
                        )
                    )
                except KafkaError as exc:  # refused before sending (e.g. larger than max_request_size)
                    futures.append(_failed(exc))
                    break
            results = await asyncio.gather(*futures, return_exceptions=True)
            published: list[int] = []
            failure: BaseException | None = None
            for row, result in zip(rows, results, strict=False):
                if isinstance(result, BaseException):
                    failure = result
                    break  # keep order: nothing after a failed row is marked published
                published.append(row.seq)
                EVENTS_PRODUCED.labels(self.schema.service, row.type).inc()
            if published:
                await connection.execute(
                    outbox.update().where(outbox.c.seq.in_(published)).values(published_at=clock.now())
                )
            if failure is not None and await self._record_failure(connection, rows[len(published)], failure):
                failure = None  # that row is settled; the relay goes on behind it
            if len(rows) < BATCH_SIZE:  # drained: what is left is what failed (a full batch loops again)
                OUTBOX_BACKLOG.labels(self.schema.service).set(len(rows) - len(published) - self._failed_in_batch)
        if failure is not None:
            raise failure
        return len(published)

    async def failed_rows(self) -> list[dict[str, Any]]:
        """The rows in the failed state, oldest first, for an operator."""
        outbox = self.schema.outbox
        columns = (outbox.c.seq, outbox.c.id, outbox.c.type, outbox.c.key, outbox.c.attempts)
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                sa.select(*columns, outbox.c.failed_at, outbox.c.last_error)
                .where(outbox.c.failed_at.is_not(None))
                .order_by(outbox.c.seq)
            )
            return [dict(row) for row in rows.mappings()]

    async def retry_failed(self, ids: list[str] | None = None) -> int:
        """Put failed rows (all, or those with these event ids) back in line; returns how many. They
        are published in seq order, i.e. after the rows written since they failed."""
        outbox = self.schema.outbox
        condition: sa.ColumnElement[bool] = outbox.c.failed_at.is_not(None)
        if ids:
            condition = condition & outbox.c.id.in_(ids)
        async with self.engine.begin() as connection:
            result = await connection.execute(outbox.update().where(condition).values(failed_at=None, attempts=0))
        await self.count_failed()
        self.wake()
        return result.rowcount

    async def _record_failure(self, connection: AsyncConnection, row: Any, failure: BaseException) -> bool:
        """Note why the row failed; mark it `failed` (and return True) when the broker will not take it.

        An unreachable broker is nobody's row's fault: it neither counts as an attempt nor fails the
        row, however long it lasts (the events wait, as they did through a 10 s broker outage)."""
        outbox = self.schema.outbox
        error = f"{type(failure).__name__}: {failure}"[:2000]
        if broker_unavailable(failure):
            await connection.execute(outbox.update().where(outbox.c.seq == row.seq).values(last_error=error))
            return False
        attempts = row.attempts + 1
        terminal = isinstance(failure, PERMANENT_ERRORS) or attempts >= self.max_attempts
        await connection.execute(
            outbox.update()
            .where(outbox.c.seq == row.seq)
            .values(attempts=attempts, last_error=error, failed_at=clock.now() if terminal else None)
        )
        if terminal:
            self._failed_in_batch += 1
            OUTBOX_FAILED.labels(self.schema.service, row.type).inc()
            log.error(
                "outbox row failed for good; the relay moves on",
                service=self.schema.service,
                event_id=row.id,
                type=row.type,
                attempts=attempts,
                error=error,
            )
            await self.count_failed()
        return terminal


def _failed(error: BaseException) -> asyncio.Future:
    future = asyncio.get_running_loop().create_future()
    future.set_exception(error)
    return future
