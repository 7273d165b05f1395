"""Consuming events: one handler per event type, in a unit of work that also writes the inbox row (so a
redelivered event takes effect once); a fetched partition batch is claimed and handled in ONE unit of
work (batch.py), and if that fails its events are handled one by one, so a poisoned event is
dead-lettered alone; offsets are committed only after the DB commit; an event that keeps failing goes
to the service's dead-letter topic with its error. A supervisor restarts the consumer whenever it
stops, and an unreachable database pauses it instead of dead-lettering (the dead-letter row needs the
database too)."""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import ValidationError
from sqlalchemy.dialects import postgresql, sqlite

from shared import clock, tracing
from shared.bus import batch
from shared.bus.batch import Handler, Prefetch, claim_many
from shared.contracts.base import EVENT_TYPES, EventPayload
from shared.contracts.envelope import EVENT_TYPE_HEADER, LEGACY_EVENT_TYPE_HEADER, CloudEvent
from shared.db import is_database_unavailable
from shared.metrics import (
    CONSUMER_BATCH_FALLBACKS,
    CONSUMER_DATABASE_WAITS,
    CONSUMER_LAG,
    CONSUMER_RESTARTS,
    EVENT_HOP_LATENCY,
    EVENTS_CONSUMED,
)

if TYPE_CHECKING:
    from shared.service import ServiceRuntime
    from shared.uow import UnitOfWork

log = structlog.get_logger()

#: Seconds between offset commits while records keep coming (an idle consumer commits at once).
COMMIT_INTERVAL = 0.5
#: Back-off bounds (seconds) of the supervisor's restarts and of waiting for the database.
RESTART_BACKOFF = (0.5, 30.0)
DATABASE_BACKOFF = (0.2, 5.0)
#: The consumer's original (kept whole in the dead_letters row) is cut to this in the DLQ event,
#: which must itself fit on the bus.
DLQ_ORIGINAL_CHARS = 64 * 1024


class Subscriptions:
    """The one place a service lists the events it listens to (eShop's habit). Several rooms of a
    service may handle the same event type: their handlers run in registration order, in the same
    unit of work, so the event takes effect once for all of them or not at all."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}
        self.prefetches: list[Prefetch] = []

    def on(self, payload_type: type[EventPayload]) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._handlers.setdefault(payload_type.event_type, []).append(handler)
            return handler

        return register

    def prefetch(self, prefetch: Prefetch) -> Prefetch:
        """Register a batch prefetch (see `Prefetch`); only the batch path runs it, an event handled on
        its own locks its rows as its handlers go."""
        self.prefetches.append(prefetch)
        return prefetch

    @property
    def handlers(self) -> dict[str, Handler]:
        """One callable per event type, running every registered handler in order."""
        return {event_type: _in_order(handlers) for event_type, handlers in self._handlers.items()}

    def topics(self, prefix: str) -> list[str]:
        return sorted({f"{prefix}.{event_type.split('.', 1)[0]}" for event_type in self._handlers})


def _in_order(handlers: list[Handler]) -> Handler:
    if len(handlers) == 1:
        return handlers[0]

    async def run_all(uow: UnitOfWork, event: CloudEvent, payload: Any) -> None:
        for handler in handlers:
            await handler(uow, event, payload)

    return run_all


class PoisonEvent(Exception):
    """An event that can never be handled (unparseable); dead-lettered at once."""


class EventConsumer:
    def __init__(self, runtime: ServiceRuntime, subscriptions: Subscriptions, max_attempts: int = 5) -> None:
        self.runtime = runtime
        self.subscriptions = subscriptions
        self.max_attempts = max_attempts
        self.service = runtime.settings.service
        # `govproj.<service>` by default; a platform under another topic prefix on the same cluster (a test stack,
        # a second province) has its own groups, so its replicas never share partitions with this one's.
        self.group_id = f"{runtime.settings.topic_prefix}.{self.service}"
        self.topics = subscriptions.topics(runtime.settings.topic_prefix)
        self._handlers = subscriptions.handlers
        self.consumer: AIOKafkaConsumer | None = None
        self.running = asyncio.Event()
        self._task: asyncio.Task | None = None
        # What /readyz reports: starting | running | waiting_for_database | restarting | stopped.
        self.state = "stopped"
        self.restarts = 0
        self.last_error = ""
        # Records behind the end of each partition, as of the last batch handled there.
        self.lag: dict[TopicPartition, int] = {}
        # Next offset per partition of records handled (DB-committed) but not yet committed to Kafka.
        self._handled_offsets: dict[TopicPartition, int] = {}
        # Test hook: called after the DB commit and before the offset commit.
        self.after_db_commit: Callable[[ConsumerRecord], Awaitable[None]] | None = None

    def start(self) -> None:
        if self.topics:
            self.state = "starting"
            self._task = asyncio.create_task(self._supervise(), name=f"{self.service}-consumer")

    async def stop(self) -> None:
        task = self._task
        if task is not None:
            task.cancel()
            await asyncio.wait([task])  # however it ended (even a BaseException), stopping goes on
            if not task.cancelled():
                task.exception()  # retrieved: it was logged where it happened
        await self._close()
        self.state = "stopped"

    @property
    def healthy(self) -> bool:
        """Consuming now: the supervised task lives, is connected and is not waiting for its database."""
        return self._task is not None and not self._task.done() and self.state == "running"

    @property
    def total_lag(self) -> int:
        return sum(self.lag.values())

    async def _supervise(self) -> None:
        """The consumer task must never end quietly: whatever stops it, it is logged, counted and
        restarted with exponential back-off (reset once a run lasted a while). Redelivered records
        are duplicates the inbox drops."""
        delay = RESTART_BACKOFF[0]
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                await self._run_forever()
                raise RuntimeError("the consumer loop returned")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.state = "restarting"
                self.restarts += 1
                self.last_error = "".join(traceback.format_exception_only(exc)).strip()
                CONSUMER_RESTARTS.labels(self.service).inc()
                log.exception("consumer stopped; restarting", service=self.service, retry_in=delay)
                await self._close()
                if loop.time() - started > RESTART_BACKOFF[1]:
                    delay = RESTART_BACKOFF[0]
                await asyncio.sleep(delay)  # restart back-off
                delay = min(delay * 2, RESTART_BACKOFF[1])

    async def _close(self) -> None:
        self.running.clear()
        self.lag = {}
        consumer, self.consumer = self.consumer, None
        if consumer is not None:
            if self._handled_offsets:
                with contextlib.suppress(Exception):  # not committed: redelivered, then duplicates
                    await asyncio.wait_for(self._commit_handled(consumer), timeout=5)
            with contextlib.suppress(Exception):
                await consumer.stop()
        self._handled_offsets = {}

    async def _run_forever(self) -> None:
        """Connect, consume; on a broker failure reconnect (the link also creates the topics)."""
        delay = 0.2
        while True:
            await self.runtime.link.connected.wait()
            try:
                consumer = AIOKafkaConsumer(
                    *self.topics,
                    bootstrap_servers=self.runtime.settings.kafka_bootstrap,
                    group_id=self.group_id,
                    client_id=f"govproj-{self.service}-consumer",
                    enable_auto_commit=False,
                    auto_offset_reset="earliest",
                    max_poll_interval_ms=300_000,
                    # A fetch returns as soon as a record arrives; the wait only paces idle fetches,
                    # which cost the broker ~16% of a core at 100 ms (six consumers) and ~8% at 500.
                    fetch_max_wait_ms=500,
                    **self.runtime.link.client_options,
                )
                await asyncio.wait_for(consumer.start(), timeout=20)
                self.consumer = consumer
                self.running.set()
                self.state = "running"
                delay = 0.2
                await self._consume(consumer)
            except asyncio.CancelledError:
                raise
            except (KafkaError, OSError, TimeoutError) as exc:
                log.warning("consumer lost the broker; reconnecting", service=self.service, error=str(exc))
                self.state = "starting"
                await self._close()
                await asyncio.sleep(delay)  # reconnect back-off
                delay = min(delay * 2, 5.0)

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        """A fetch's partitions are handled together, each in order (`process_fetch`). Offsets are committed after
        every record's DB commit, at most every COMMIT_INTERVAL seconds and whenever the consumer goes
        idle: each commit is a write on the broker, and a crash before it only redelivers records
        the inbox already holds, which are then duplicates."""
        loop = asyncio.get_running_loop()
        last_commit = loop.time()
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            if batches:
                await self.process_fetch(list(batches.values()))
                for partition, records in batches.items():
                    self._handled_offsets[partition] = records[-1].offset + 1
                    highwater = consumer.highwater(partition)
                    if highwater is not None:
                        lag = max(highwater - records[-1].offset - 1, 0)
                        self.lag[partition] = lag
                        CONSUMER_LAG.labels(self.service, partition.topic).set(lag)
            if self._handled_offsets and (not batches or loop.time() - last_commit >= COMMIT_INTERVAL):
                await self._commit_handled(consumer)
                last_commit = loop.time()

    async def _commit_handled(self, consumer: AIOKafkaConsumer) -> None:
        offsets, self._handled_offsets = self._handled_offsets, {}
        await consumer.commit(offsets)

    async def process_fetch(self, partitions: list[list[ConsumerRecord]]) -> None:
        """Every partition's records of one fetch, each partition's in order, in chunks of at most
        BATCH_MAX_EVENTS through one unit of work each (`process_batch`); events for other services are
        skipped. One chunk after the other, never two at once: a service that hears several topics gets one
        project's events on several partitions together (catalog hears intake, review, budget … about the same
        project within milliseconds), and concurrent transactions on the same rows raced to insert them and
        deadlocked on their locks — each failure sending a whole batch through the one-by-one pass (82–177
        times a run of bench/lifecycle.py at saturation, before). Fewer, larger transactions cost less too."""
        pending: list[ConsumerRecord] = []
        for records in partitions:
            for record in records:
                if self._ignored(record):
                    continue
                pending.append(record)
                if len(pending) == batch.BATCH_MAX_EVENTS:
                    await self.process_batch(pending)
                    pending = []
        if pending:
            await self.process_batch(pending)

    async def process_batch(self, records: list[ConsumerRecord]) -> list[str]:
        """Handle records of a fetch (each partition's in order) in ONE unit of work: one inbox insert claims
        them all, the handlers of the claimed ones run, one commit. A catch-up then costs a
        transaction per batch, not per event. If anything fails (a handler, an unparseable event, the
        database) nothing of the batch is kept and each record goes through `process` on its own: its
        retries, its dead-lettering, its wait for the database. So a poisoned event is dead-lettered
        alone and every other one takes effect once. Returns each record's outcome."""
        ready = batch.prepare(records, self._handlers) if len(records) > 1 else None
        if ready is not None:
            try:
                outcomes = await batch.handle(self.runtime, self.group_id, ready, self.subscriptions.prefetches)
            except Exception as exc:  # the one-by-one pass retries, dead-letters or waits for the database
                log.info(
                    "batch failed; handling its events one by one",
                    service=self.service,
                    events=len(records),
                    error="".join(traceback.format_exception_only(exc)).strip(),
                )
                CONSUMER_BATCH_FALLBACKS.labels(self.service).inc()
            else:
                for record in records:
                    if self.after_db_commit is not None:
                        await self.after_db_commit(record)
                return outcomes
        outcomes = []
        for record in records:
            outcomes.append(await self.process(record))
            if self.after_db_commit is not None:
                await self.after_db_commit(record)
        return outcomes

    def _ignored(self, record: ConsumerRecord) -> bool:
        """Most events on a subscribed topic are for other services: skipped by their type header, unparsed."""
        declared = _header(record, EVENT_TYPE_HEADER) or _header(record, LEGACY_EVENT_TYPE_HEADER)
        if declared is not None and declared not in self._handlers:
            EVENTS_CONSUMED.labels(self.service, declared, "ignored").inc()
            return True
        return False

    async def process(self, record: ConsumerRecord) -> str:
        """Handle one record; returns the outcome. Retries in place (keeping the partition's
        order), then dead-letters. Never raises for a bad event."""
        if self._ignored(record):
            return "ignored"
        try:
            event = CloudEvent.from_json(record.value)
        except ValidationError as exc:
            await self._dead_letter(None, record, f"not a CloudEvent: {exc}", 1)
            return "dead_lettered"
        handler = self._handlers.get(event.type)
        if handler is None:
            EVENTS_CONSUMED.labels(self.service, event.type, "ignored").inc()
            return "ignored"
        # A consumer span continuing the producer's trace (no-op when tracing is off); log lines carry the id.
        with (
            tracing.consuming(record, event, self.group_id),
            structlog.contextvars.bound_contextvars(event_id=event.id),
        ):
            return await self._handle_with_retries(record, event, handler)

    async def _handle_with_retries(self, record: ConsumerRecord, event: CloudEvent, handler: Handler) -> str:
        last_error = ""
        attempt = waits = 0
        while attempt < self.max_attempts:
            try:
                outcome = await self._handle_once(event, handler)
                EVENTS_CONSUMED.labels(self.service, event.type, outcome).inc()
                return outcome
            except PoisonEvent as exc:
                last_error = str(exc)
                break
            except Exception as exc:  # the handler's failure is data for the dead-letter row
                if await self._database_was_down(exc, waits):
                    waits += 1
                    continue  # not the event's fault: it is tried again, and not counted
                attempt += 1
                last_error = "".join(traceback.format_exception_only(exc)).strip()
                EVENTS_CONSUMED.labels(self.service, event.type, "failed").inc()
                log.warning(
                    "event handler failed", service=self.service, type=event.type, attempt=attempt, error=last_error
                )
                if attempt < self.max_attempts:
                    await asyncio.sleep(min(0.05 * 2**attempt, 2.0))  # retry back-off
        while True:
            try:
                await self._dead_letter(event, record, last_error, self.max_attempts)
                return "dead_lettered"
            except Exception as exc:
                if not await self._database_was_down(exc, waits):
                    raise  # the supervisor restarts the consumer; the record comes again
                waits += 1

    async def _database_was_down(self, error: BaseException, waits: int = 0) -> bool:
        """If `error` came from the service's own database being unreachable, wait (with back-off)
        until it answers again and return True: the consumer pauses on this record, keeping the
        partition's order, and dead-letters nothing because of an outage. `waits` (how often this
        record waited already) lengthens the first pause, so an error that keeps looking like an
        outage while the database answers is retried ever more slowly, not in a tight loop."""
        if not is_database_unavailable(error) and await self.runtime.database_ok():
            return False
        CONSUMER_DATABASE_WAITS.labels(self.service).inc()
        log.warning("database unavailable; the consumer waits for it", service=self.service, error=str(error))
        state, self.state = self.state, "waiting_for_database"
        delay = min(DATABASE_BACKOFF[0] * 2 ** min(waits, 10), DATABASE_BACKOFF[1])
        try:
            while True:
                await asyncio.sleep(delay)  # back-off between probes of the database
                if await self.runtime.database_ok():
                    break
                delay = min(delay * 2, DATABASE_BACKOFF[1])
        finally:
            self.state = state
        log.info("database back; the consumer resumes", service=self.service)
        return True

    async def _handle_once(self, event: CloudEvent, handler: Handler) -> str:
        try:
            payload = EVENT_TYPES[event.type].model_validate(event.data)
        except ValidationError as exc:
            raise PoisonEvent(f"payload does not match {event.type}: {exc}") from exc
        async with self.runtime.unit_of_work() as uow:
            if not await claim(uow, event):
                return "duplicate"
            await handler(uow, event, payload)
        self.runtime.arrivals.notify(event.subject)
        EVENT_HOP_LATENCY.labels(self.service, event.type).observe((clock.now() - event.time).total_seconds())
        return "handled"

    async def _dead_letter(self, event: CloudEvent | None, record: ConsumerRecord, error: str, attempts: int) -> None:
        """Record and publish (through the outbox) to `<prefix>.<service>.dlq`; mark it done."""
        event_id = event.id if event else f"{record.topic}:{record.partition}:{record.offset}"
        raw = record.value.decode(errors="replace") if isinstance(record.value, bytes) else str(record.value)
        dlq_topic = f"{self.runtime.settings.topic_prefix}.{self.service}.dlq"
        async with self.runtime.unit_of_work() as uow:
            if event is not None and not await claim(uow, event):
                return
            await uow.session.execute(
                self.runtime.schema.dead_letters.insert().values(
                    event_id=event_id,
                    type=event.type if event else "unparseable",
                    payload=raw,
                    error=error[:4000],
                    attempts=attempts,
                    failed_at=clock.now(),
                )
            )
            dead = CloudEvent(
                source=f"/govproj/{self.service}",
                type=f"{self.service}.event.dead_lettered.v1",
                subject=event.subject if event else event_id,
                data={
                    "event_id": event_id,
                    "error": error[:4000],
                    "attempts": attempts,
                    "original": raw[:DLQ_ORIGINAL_CHARS],
                    "original_truncated": len(raw) > DLQ_ORIGINAL_CHARS,
                },
            )
            await uow.emit_envelope(dead, dlq_topic)
        EVENTS_CONSUMED.labels(self.service, event.type if event else "unparseable", "dead_lettered").inc()
        log.error("event dead-lettered", service=self.service, event_id=event_id, error=error)


def _header(record: ConsumerRecord, name: str) -> str | None:
    for key, value in getattr(record, "headers", None) or ():
        if key == name and value is not None:
            return value.decode(errors="replace")
    return None


async def claim(uow: UnitOfWork, event: CloudEvent) -> bool:
    """Insert the inbox row in this transaction; False if this event was already taken."""
    inbox = uow.schema.inbox
    insert = (postgresql.insert if uow.dialect == "postgresql" else sqlite.insert)(inbox)
    result = await uow.session.execute(
        insert
        .values(
            event_id=event.id,
            type=event.type,
            source=event.source,
            event_time=event.time,
            handled_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
    )
    # An INSERT answers with a CursorResult (the one that has rowcount); execute() is typed for any statement.
    return cast(sa.CursorResult[Any], result).rowcount == 1


__all__ = ["EventConsumer", "PoisonEvent", "Subscriptions", "claim", "claim_many"]
