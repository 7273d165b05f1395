"""Transactional outbox: events are rows written in the same transaction as the state change.

The process that committed them publishes them at once (`OutboxRelay.committed`, the eShop pattern:
no wake-up, no SELECT, one UPDATE after the broker's ack), and the relay sweeps, in seq order, only
what that did not settle: rows from before a restart, from another process of the service, or whose
publish failed. The outbox stays the guarantee: a row is marked published only after the ack."""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections import OrderedDict
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
#: Event ids the relay published lately, remembered so that a commit's own publish, racing a sweep
#: that saw its rows first, does not send them a second time.
RECENT_IDS = 4 * BATCH_SIZE


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
        # The in-process publish (see `committed`). Rows it holds (sending, not yet marked) the relay
        # passes over; one lock orders every send of the process, so each key's events stay in order.
        self._send_lock = asyncio.Lock()
        self._held: set[str] = set()
        self._pending: list[dict[str, Any]] = []
        self._drainer: asyncio.Task | None = None
        self._recent: OrderedDict[str, None] = OrderedDict()
        # Whether rows older than a new commit's may still wait for the relay (at start, after a
        # failed publish, after another process's commit): then a commit's rows go to the relay too,
        # behind them, rather than overtake them. Cleared when a sweep finds nothing to publish.
        self._backlog = True
        self._skipped_held = False
        #: How many rows the commits' own publish and the relay's sweeps published (for tests and the
        #: benchmarks: in the normal path the relay publishes none).
        self.published_inline = 0
        self.published_by_sweep = 0
        if engine.dialect.name == "postgresql":
            sa.event.listen(engine.sync_engine, "connect", self._remember_backend)
            sa.event.listen(engine.sync_engine, "close", self._forget_backend)
            sa.event.listen(engine.sync_engine, "invalidate", self._forget_backend)

    def wake(self) -> None:
        self._wake.set()

    def _notified(self, _connection: object, backend_pid: int, _channel: str, _payload: str) -> None:
        if backend_pid not in self._own_backends:
            self._backlog = True  # another process's rows: this one's next commits queue behind them
            self._wake.set()

    def committed(self, rows: list[dict[str, Any]]) -> None:
        """A unit of work of this process committed these outbox rows: publish them now, in commit
        order, from this process (called synchronously right after the commit). When this process
        is not the publisher, the broker is away or older rows may still wait, the relay takes them
        in seq order instead, so a project's events never overtake its earlier ones."""
        if not rows:  # rows committed but left to the relay (UnitOfWork.write_staged): later commits queue behind
            self._backlog = True
            self.wake()
            return
        if not self._may_publish_inline():
            self.wake()
            return
        self._held.update(row["id"] for row in rows)
        self._pending.extend(rows)
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain(), name=f"{self.schema.service}-outbox-publish")

    def _may_publish_inline(self) -> bool:
        leader = self._leader_connection is not None or self.engine.dialect.name != "postgresql"
        return self.alive and leader and self.link.ready and not self._backlog

    async def _drain(self) -> None:
        """Publish what commits handed over, a round at a time (all rows pending when it starts: one
        send each, one wait for the acks, one UPDATE). A round that fails leaves its rows to the relay."""
        while self._pending:
            rows, self._pending = self._pending, []
            try:
                await self._publish_rows(rows)
            except Exception as exc:  # the rows stay unpublished: the relay's sweep retries them in order
                OUTBOX_PUBLISH_FAILURES.labels(self.schema.service).inc()
                log.warning(
                    "publish after commit failed; the relay will retry", service=self.schema.service, error=str(exc)
                )
                self._backlog = True
            finally:
                self._held.difference_update(row["id"] for row in rows)
            if self._backlog:  # the rows behind a failure go to the relay, in seq order behind it
                for row in self._pending:
                    self._held.discard(row["id"])
                self._pending = []
                self.wake()
            elif self._skipped_held:  # a sweep stopped at these rows: what was behind them waits
                self._skipped_held = False
                self.wake()

    async def _publish_rows(self, rows: list[dict[str, Any]]) -> None:
        outbox = self.schema.outbox
        async with self._send_lock:
            producer = self.link.producer
            if producer is None or self._backlog:
                self._backlog = True
                return
            rows = [row for row in rows if row["id"] not in self._recent]  # a sweep got there first
            futures = [
                await self._send(producer, row["topic"], row["key"], row["type"], row["payload"]) for row in rows
            ]
            results = await asyncio.gather(*futures, return_exceptions=True)
        published: list[str] = []
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, BaseException):
                self._backlog = True
                break  # keep order: nothing after a failed row is marked; the relay resends from it
            published.append(row["id"])
            EVENTS_PRODUCED.labels(self.schema.service, row["type"]).inc()
        if published:
            async with self.engine.connect() as connection:
                connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(
                    outbox.update()
                    .where(outbox.c.id.in_(published), outbox.c.published_at.is_(None))
                    .values(published_at=clock.now())
                )
            self.published_inline += len(published)

    @staticmethod
    async def _send(producer: Any, topic: str, key: str, type_: str, payload: str) -> Any:
        """Hand one row to the producer (in order); returns the future of its ack."""
        return await producer.send(
            topic,
            value=payload.encode(),
            key=key.encode(),
            headers=record_headers(topic, type_, payload),
        )

    def _remember_backend(self, dbapi_connection: Any, _record: Any) -> None:
        self._own_backends.add(dbapi_connection.driver_connection.get_server_pid())

    def _forget_backend(self, dbapi_connection: Any, _record: Any, *_reason: Any) -> None:
        with contextlib.suppress(Exception):  # a connection that never opened has no pid
            self._own_backends.discard(dbapi_connection.driver_connection.get_server_pid())

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.schema.service}-outbox-relay")

    async def stop(self) -> None:
        if self._drainer is not None and not self._drainer.done():
            # Let the last commits' publish finish (bounded): what it does not settle the next start sweeps.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._drainer), timeout=5)
            self._drainer.cancel()
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
        async with self._send_lock, self.engine.connect() as connection:
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
                self._backlog = False  # nothing waits: commits may publish their own rows again
                OUTBOX_BACKLOG.labels(self.schema.service).set(0)
                return 0
            selected = len(rows)
            for index, row in enumerate(rows):
                if row.id in self._held:
                    # This process's commit is publishing it: stop here (order), come back when it is done.
                    rows = rows[:index]
                    self._skipped_held = True
                    break
            if not rows:
                return 0
            futures: list[Any] = []
            for row in rows:
                try:
                    futures.append(await self._send(producer, row.topic, row.key, row.type, row.payload))
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
                self._remember(row.id)
                EVENTS_PRODUCED.labels(self.schema.service, row.type).inc()
            if published:
                await connection.execute(
                    outbox.update().where(outbox.c.seq.in_(published)).values(published_at=clock.now())
                )
                self.published_by_sweep += len(published)
            if failure is not None and await self._record_failure(connection, rows[len(published)], failure):
                failure = None  # that row is settled; the relay goes on behind it
            if selected < BATCH_SIZE:  # drained: what is left is what failed (a full batch loops again)
                OUTBOX_BACKLOG.labels(self.schema.service).set(len(rows) - len(published) - self._failed_in_batch)
        if failure is not None:
            raise failure
        return len(published)

    def _remember(self, event_id: str) -> None:
        self._recent[event_id] = None
        if len(self._recent) > RECENT_IDS:
            self._recent.popitem(last=False)

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
