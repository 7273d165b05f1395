"""The consumer's batch path: a fetched partition's records parsed together, claimed in the inbox with one
statement and handled in ONE unit of work. `EventConsumer.process_batch` runs it and, if anything fails,
falls back to handling the records one by one (consumer.py), so a poisoned event is dead-lettered alone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from aiokafka import ConsumerRecord
from pydantic import ValidationError
from sqlalchemy.dialects import postgresql, sqlite

from shared import clock, tracing
from shared.contracts.base import EVENT_TYPES
from shared.contracts.envelope import CloudEvent
from shared.metrics import EVENT_HOP_LATENCY, EVENTS_CONSUMED

if TYPE_CHECKING:
    from shared.service import ServiceRuntime
    from shared.uow import UnitOfWork

Handler = Callable[["UnitOfWork", CloudEvent, Any], Awaitable[None]]
#: Runs once per batch unit of work, after the inbox claim and before the claimed events' handlers, with
#: (event, payload) of each: locks and loads in one statement the rows the handlers will lock one by one.
Prefetch = Callable[["UnitOfWork", list[tuple[CloudEvent, Any]]], Awaitable[None]]

#: Most events of a fetched partition batch handled in one transaction (a catch-up fetches hundreds):
#: bounds how long one transaction holds its row locks and how much a failure sends one by one.
BATCH_MAX_EVENTS = 100


@dataclass(frozen=True)
class Ready:
    """A record of a batch, parsed and validated: what its unit of work needs."""

    record: ConsumerRecord
    event: CloudEvent
    handler: Handler
    payload: Any


def prepare(records: list[ConsumerRecord], handlers: dict[str, Handler]) -> list[Ready | str] | None:
    """Each record parsed for the batch (or, not for this service, its event type); None if any one
    cannot be parsed, which leaves the whole batch to the one-by-one pass (it dead-letters that one)."""
    ready: list[Ready | str] = []
    for record in records:
        try:
            event = CloudEvent.from_json(record.value)
        except ValidationError:
            return None
        handler = handlers.get(event.type)
        if handler is None:
            ready.append(event.type)
            continue
        try:
            payload = EVENT_TYPES[event.type].model_validate(event.data)
        except ValidationError:
            return None
        ready.append(Ready(record, event, handler, payload))
    return ready


async def handle(
    runtime: ServiceRuntime, group_id: str, ready: list[Ready | str], prefetches: Sequence[Prefetch] = ()
) -> list[str]:
    """One unit of work: one inbox insert claims the batch's events, the handlers of the claimed ones run,
    one commit; then each record's outcome (handled, duplicate, ignored) is counted and returned."""
    service = runtime.settings.service
    items = [item for item in ready if isinstance(item, Ready)]
    async with runtime.unit_of_work() as uow:
        claimed = await claim_many(uow, [item.event for item in items])
        if prefetches and claimed:
            fresh = [(item.event, item.payload) for item in items if item.event.id in claimed]
            for prefetch in prefetches:
                await prefetch(uow, fresh)
        taken: set[str] = set()
        for item in items:
            if item.event.id not in claimed or item.event.id in taken:
                continue  # handled before (redelivered), or twice in this batch
            taken.add(item.event.id)
            with (
                tracing.consuming(item.record, item.event, group_id),
                structlog.contextvars.bound_contextvars(event_id=item.event.id),
            ):
                await item.handler(uow, item.event, item.payload)
    outcomes: list[str] = []
    handled_at = clock.now()
    for maybe in ready:
        if isinstance(maybe, str):
            EVENTS_CONSUMED.labels(service, maybe, "ignored").inc()
            outcomes.append("ignored")
            continue
        event = maybe.event
        outcome = "handled" if event.id in taken else "duplicate"
        taken.discard(event.id)  # a second copy in the batch is a duplicate
        if outcome == "handled":
            runtime.arrivals.notify(event.subject)
            EVENT_HOP_LATENCY.labels(service, event.type).observe((handled_at - event.time).total_seconds())
        EVENTS_CONSUMED.labels(service, event.type, outcome).inc()
        outcomes.append(outcome)
    return outcomes


async def claim_many(uow: UnitOfWork, events: list[CloudEvent]) -> set[str]:
    """Insert the inbox rows of a batch with one statement in this transaction; the ids of the events
    not taken before (an id twice in the batch is inserted once)."""
    if not events:
        return set()
    inbox = uow.schema.inbox
    handled_at = clock.now()
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        rows.setdefault(
            event.id,
            {
                "event_id": event.id,
                "type": event.type,
                "source": event.source,
                "event_time": event.time,
                "handled_at": handled_at,
            },
        )
    insert = (postgresql.insert if uow.dialect == "postgresql" else sqlite.insert)(inbox)
    result = await uow.session.execute(
        insert
        .values(list(rows.values()))
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(inbox.c.event_id)
    )
    return set(result.scalars())


__all__ = ["BATCH_MAX_EVENTS", "Handler", "Ready", "claim_many", "handle", "prepare"]
