"""The unit of work: state, decisions, deadlines, audit rows and outbox events in ONE transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import clock, tracing
from shared.bus.outbox import outbox_row
from shared.contracts.base import EventPayload
from shared.contracts.envelope import CloudEvent
from shared.limits import event_too_large
from shared.metrics import DECISIONS

if TYPE_CHECKING:
    from types import TracebackType

    from shared.auth import Principal
    from shared.db import ServiceSchema


def actor_of(principal: Principal | str | None) -> str:
    if principal is None:
        return "system"
    if isinstance(principal, str):
        return principal
    return principal.subject


class UnitOfWork:
    """`async with runtime.unit_of_work() as uow:` commits on a clean exit, rolls back on error,
    and after a commit that staged events tells the runtime (which wakes its relay and the requests
    waiting on those projects)."""

    def __init__(
        self,
        schema: ServiceSchema,
        sessions: async_sessionmaker[AsyncSession],
        topic: str,
        on_events_committed: Callable[[list[CloudEvent]], None] | None = None,
        *,
        read_only: bool = False,
        max_event_bytes: int | None = None,
        on_outbox_committed: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> None:
        self.schema = schema
        self.max_event_bytes = max_event_bytes
        self._sessions = sessions
        self.topic = topic
        self._on_events_committed = on_events_committed
        self.read_only = read_only
        self.session: AsyncSession
        self.events: list[CloudEvent] = []
        # Decision and audit rows are written together just before the commit, one round trip per
        # table (a submission checked against ten rules writes ten decisions).
        self._decision_rows: list[dict[str, Any]] = []
        self._audit_rows: list[dict[str, Any]] = []
        # Outbox rows too, last, so their created_at is as close to the commit as it can be (the hop
        # latency is measured from it) and the transaction holds the outbox's index for less time.
        self._outbox: list[tuple[CloudEvent, str, str]] = []
        # The outbox rows written, handed to the relay right after the commit so this process
        # publishes them at once (OutboxRelay.committed).
        self._on_outbox_committed = on_outbox_committed
        self._written_outbox: list[dict[str, Any]] = []
        self._left_to_relay = False  # write_staged: the outbox rows are the relay's to publish

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessions()
        await self.session.begin()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None and self.read_only and (self.session.new or self.session.dirty or self.session.deleted):
                raise RuntimeError("a read-only unit of work was given changes; use runtime.unit_of_work()")
            if exc_type is None:
                await self.flush_records()
                await self.session.commit()
                if (self._written_outbox or self._left_to_relay) and self._on_outbox_committed is not None:
                    # rows left to the relay go out in seq order, and so must whatever was handed over after them
                    self._on_outbox_committed([] if self._left_to_relay else self._written_outbox)
            else:
                await self.session.rollback()
        finally:
            await self.session.close()
        if exc_type is None and self.events and self._on_events_committed is not None:
            self._on_events_committed(self.events)

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def emit(self, payload: EventPayload, topic: str | None = None) -> CloudEvent:
        """Stage an event for publication once this transaction commits."""
        event = payload.envelope()
        await self.emit_envelope(event, topic)
        return event

    def _writing(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot write; use runtime.unit_of_work()")

    async def emit_envelope(self, event: CloudEvent, topic: str | None = None) -> None:
        """Stage an envelope. One larger than the bus carries refuses the whole unit of work here
        (a 413 problem; everything rolls back), rather than stopping the relay at its row later."""
        self._writing()
        event = tracing.stamp(event)  # the trace context travels with the outbox row (no-op when tracing is off)
        payload = event.to_json()
        if self.max_event_bytes is not None:
            size = len(payload.encode())
            if size > self.max_event_bytes:
                raise event_too_large(event.type, size, self.max_event_bytes)
        self._outbox.append((event, topic or self.topic, payload))
        self.events.append(event)

    async def record_decision(self, decision: Any, *, subject: str, action: str, actor: Principal | str | None) -> None:
        """Store a policy Decision (rule id, citation, pack version, facts) against a subject."""
        self._writing()
        self._decision_rows.append(
            {
                "subject": subject,
                "action": action,
                "rule_id": decision.rule_id,
                "citation": decision.citation,
                "pack": decision.pack,
                "pack_version": decision.pack_version,
                "outcome": decision.outcome,
                "value": _json_safe(decision.value),
                "message_zh": decision.message_zh or "",
                "message_en": decision.message_en or "",
                "facts": _json_safe(decision.facts),
                "actor": actor_of(actor),
                "decided_at": clock.now(),
            }
        )
        DECISIONS.labels(self.schema.service, decision.rule_id, decision.outcome).inc()

    async def audit(
        self, *, subject: str, action: str, actor: Principal | str | None, detail: dict | None = None
    ) -> None:
        self._writing()
        roles = "" if actor is None or isinstance(actor, str) else ",".join(sorted(actor.roles))
        self._audit_rows.append(
            {
                "subject": subject,
                "action": action,
                "actor": actor_of(actor),
                "roles": roles,
                "detail": _json_safe(detail),
                "at": clock.now(),
            }
        )

    async def audit_read(
        self, *, subject: str, action: str, actor: Principal | str | None, detail: dict | None = None
    ) -> None:
        """An audit row of a read (a secret project's): allowed in a read-only unit of work, written at its
        clean exit, so a read that fails leaves no row."""
        read_only, self.read_only = self.read_only, False
        try:
            await self.audit(subject=subject, action=action, actor=actor, detail=detail)
        finally:
            self.read_only = read_only

    async def flush_records(self) -> None:
        """Write the decision, audit and outbox rows recorded so far (done at commit; call it first
        to read them back inside the same unit of work)."""
        rows, self._decision_rows = self._decision_rows, []
        if rows:
            await self.session.execute(self.schema.decisions.insert(), rows)
        rows, self._audit_rows = self._audit_rows, []
        if rows:
            await self.session.execute(self.schema.audit.insert(), rows)
        staged, self._outbox = self._outbox, []
        if staged:
            written = [outbox_row(event, topic, payload) for event, topic, payload in staged]
            await self.session.execute(self.schema.outbox.insert(), written)
            self._written_outbox += written

    async def write_staged(self) -> None:
        """Write the decision, audit and outbox rows staged so far and keep no copy of them for after the
        commit: for a unit of work that stages thousands of rows a chunk at a time (a stock import), so the
        process holds one chunk. Its events are then the relay's to publish, in seq order (told at the commit;
        the process's later commits queue behind them), and no watcher is woken for their subjects."""
        await self.flush_records()
        self.events.clear()
        self._written_outbox.clear()
        self._left_to_relay = True

    async def open_deadline(
        self,
        *,
        subject: str,
        decision: Any,
        due_on: dt.date,
        description: str = "",
    ) -> None:
        """A deadline row from a deadline rule; one open row per subject and rule."""
        await self.open_deadlines(subject, [(decision, due_on, description)])

    async def open_deadlines(self, subject: str, opened: list[tuple[Any, dt.date, str]]) -> None:
        """Deadline rows of one subject from deadline rules — (decision, due on, description) each, in order —
        with one read and at most one insert: one row per subject and rule (a rule met again updates its row;
        the same rule twice in `opened` leaves the later values, as two single calls would)."""
        self._writing()
        if not opened:
            return
        deadlines = self.schema.deadlines
        with self.session.no_autoflush:  # the deadlines table is written by statements, not by the session
            found = await self.session.execute(
                sa.select(deadlines.c.rule_id, deadlines.c.id).where(
                    deadlines.c.subject == subject,
                    deadlines.c.rule_id.in_(sorted({decision.rule_id for decision, _, _ in opened})),
                )
            )
            existing: dict[str, int] = {}
            for rule_id, row_id in found.all():
                existing.setdefault(rule_id, row_id)
            inserted: dict[str, dict[str, Any]] = {}
            for decision, due_on, description in opened:
                values = {
                    "citation": decision.citation,
                    "pack": decision.pack,
                    "pack_version": decision.pack_version,
                    "description": description,
                    "due_on": due_on,
                    "status": "open",
                    "closed_at": None,
                }
                if decision.rule_id in existing:
                    await self.session.execute(
                        deadlines.update().where(deadlines.c.id == existing[decision.rule_id]).values(**values)
                    )
                elif decision.rule_id in inserted:
                    inserted[decision.rule_id].update(values)
                else:
                    inserted[decision.rule_id] = {
                        "subject": subject,
                        "rule_id": decision.rule_id,
                        "created_at": clock.now(),
                        **values,
                    }
            if inserted:
                await self.session.execute(deadlines.insert(), list(inserted.values()))

    async def close_deadline(self, *, subject: str, rule_id: str, status: str = "met") -> None:
        self._writing()
        deadlines = self.schema.deadlines
        await self.session.execute(
            deadlines.update()
            .where(
                deadlines.c.subject == subject,
                deadlines.c.rule_id == rule_id,
                deadlines.c.status.in_(["open", "overdue"]),
            )
            .values(status=status, closed_at=clock.now())
        )


def _json_safe(value: Any) -> Any:
    """Dates, Decimals and models made JSON-storable (JSON columns take plain types)."""
    from decimal import Decimal

    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
