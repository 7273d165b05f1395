"""Outbox and inbox on a real SQLite database with a fake Kafka producer (the unit layer fakes I/O)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlmodel import Field

from shared.bus import Subscriptions
from shared.contracts.catalog import UnitCleared
from shared.contracts.envelope import CloudEvent
from shared.db import ServiceSchema
from shared.service import ServiceRuntime
from shared.settings import Settings

schema = ServiceSchema("bustest")


class Counter(schema.Base, table=True):
    __tablename__ = "counters"
    unit: str = Field(primary_key=True)
    times: int = 0


subscriptions = Subscriptions()
handled: list[str] = []


@subscriptions.on(UnitCleared)
async def on_cleared(uow, event, payload: UnitCleared) -> None:
    handled.append(event.id)
    row = await uow.session.get(Counter, payload.unit)
    if row is None:
        uow.session.add(Counter(unit=payload.unit, times=1))
    else:
        row.times += 1
    if payload.rule_id == "explode":
        raise RuntimeError("handler failed on purpose")


class FakeProducer:
    """Records sends; rows whose key is in `fail_keys` fail like a broker error would."""

    def __init__(self, fail_keys: set[str] | None = None) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.fail_keys = fail_keys or set()

    async def send(self, topic, value, key, headers):
        future = asyncio.get_running_loop().create_future()
        if key.decode() in self.fail_keys:
            future.set_exception(ConnectionError("broker gone"))
        else:
            self.sent.append((topic, key, value))
            future.set_result(None)
        return future


@pytest.fixture
async def runtime(tmp_path):
    settings = Settings(service="bustest", database_url=f"sqlite+aiosqlite:///{tmp_path / 'bus.sqlite'}")
    runtime = ServiceRuntime(settings, schema, subscriptions)
    async with runtime.engine.begin() as conn:
        await conn.run_sync(schema.metadata.create_all)
    handled.clear()
    yield runtime
    await runtime.engine.dispose()


def cleared(project: str, unit: str = "U", rule_id: str = "r") -> UnitCleared:
    from datetime import date

    return UnitCleared(project_id=project, unit=unit, rule_id=rule_id, cleared_on=date(2026, 11, 24))


def record(event: CloudEvent, offset: int = 0) -> SimpleNamespace:
    return SimpleNamespace(value=event.to_json().encode(), topic="govproj.catalog", partition=0, offset=offset)


async def outbox_rows(runtime):
    async with runtime.engine.connect() as conn:
        return (await conn.execute(sa.select(schema.outbox).order_by(schema.outbox.c.seq))).all()


async def test_state_and_outbox_row_commit_together(runtime):
    async with runtime.unit_of_work() as uow:
        uow.session.add(Counter(unit="A", times=0))
        await uow.emit(cleared("P-1"))
    rows = await outbox_rows(runtime)
    assert [r.type for r in rows] == ["catalog.unit.cleared.v1"]
    assert rows[0].key == "P-1" and rows[0].published_at is None
    assert CloudEvent.from_json(rows[0].payload).subject == "P-1"


async def test_a_failed_transaction_leaves_neither_state_nor_event(runtime):
    with pytest.raises(RuntimeError):
        async with runtime.unit_of_work() as uow:
            uow.session.add(Counter(unit="B", times=0))
            await uow.emit(cleared("P-2"))
            raise RuntimeError("refused half-way")
    assert await outbox_rows(runtime) == []
    async with runtime.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(Counter))).scalar() == 0


async def test_commit_wakes_the_relay(runtime):
    assert not runtime.relay._wake.is_set()
    async with runtime.unit_of_work() as uow:
        await uow.emit(cleared("P-3"))
    assert runtime.relay._wake.is_set()


async def test_relay_publishes_in_commit_order_and_marks_rows(runtime):
    for n in range(5):
        async with runtime.unit_of_work() as uow:
            await uow.emit(cleared(f"P-{n}"))
    producer = FakeProducer()
    runtime.link.producer = producer
    assert await runtime.relay.publish_batch() == 5
    assert [key for _, key, _ in producer.sent] == [f"P-{n}".encode() for n in range(5)]
    assert all(r.published_at is not None for r in await outbox_rows(runtime))
    assert await runtime.relay.publish_batch() == 0  # nothing published twice


async def test_relay_never_marks_rows_after_a_failed_one(runtime):
    for key in ("P-a", "P-b", "P-c"):
        async with runtime.unit_of_work() as uow:
            await uow.emit(cleared(key))
    runtime.link.producer = FakeProducer(fail_keys={"P-b"})
    with pytest.raises(ConnectionError):
        await runtime.relay.publish_batch()
    rows = await outbox_rows(runtime)
    assert [r.published_at is not None for r in rows] == [True, False, False]
    assert rows[1].attempts == 1 and "broker gone" in rows[1].last_error
    runtime.link.producer = FakeProducer()
    assert await runtime.relay.publish_batch() == 2


async def test_the_same_event_delivered_twice_takes_effect_once(runtime):
    event = cleared("P-9", unit="U9").envelope()
    assert await runtime.consumer.process(record(event)) == "handled"
    assert await runtime.consumer.process(record(event, offset=1)) == "duplicate"
    async with runtime.unit_of_work() as uow:
        assert (await uow.session.get(Counter, "U9")).times == 1


async def test_unknown_event_types_are_ignored(runtime):
    event = CloudEvent(source="/govproj/x", type="intake.something.happened.v1", subject="P", data={})
    assert await runtime.consumer.process(record(event)) == "ignored"


async def test_events_for_other_services_are_skipped_by_their_type_header_unparsed(runtime):
    other = SimpleNamespace(
        value=b"not even json",
        headers=[("govproj-event-type", b"intake.something.happened.v1")],
        topic="t",
        partition=0,
        offset=1,
    )
    assert await runtime.consumer.process(other) == "ignored"
    mine = record(cleared("P-h").envelope())
    mine.headers = [("ce_type", b"catalog.unit.cleared.v1")]
    assert await runtime.consumer.process(mine) == "handled"


async def test_a_failing_event_is_retried_then_dead_lettered_with_its_error(runtime):
    runtime.consumer.max_attempts = 3
    event = cleared("P-x", unit="UX", rule_id="explode").envelope()
    assert await runtime.consumer.process(record(event)) == "dead_lettered"
    assert len(handled) == 3  # three attempts, each rolled back
    async with runtime.engine.connect() as conn:
        dead = (await conn.execute(sa.select(schema.dead_letters))).one()
        assert dead.event_id == event.id and "handler failed on purpose" in dead.error and dead.attempts == 3
        assert (await conn.execute(sa.select(sa.func.count()).select_from(Counter))).scalar() == 0
    rows = await outbox_rows(runtime)
    assert [(r.topic, r.type) for r in rows] == [("govproj.bustest.dlq", "bustest.event.dead_lettered.v1")]
    # Redelivery after dead-lettering does not run the handler again.
    assert await runtime.consumer.process(record(event)) == "duplicate"


async def test_garbage_on_the_topic_is_dead_lettered_not_fatal(runtime):
    garbage = SimpleNamespace(value=b"{not json", topic="govproj.catalog", partition=2, offset=7)
    assert await runtime.consumer.process(garbage) == "dead_lettered"
    async with runtime.engine.connect() as conn:
        dead = (await conn.execute(sa.select(schema.dead_letters))).one()
    assert dead.event_id == "govproj.catalog:2:7" and dead.type == "unparseable"


async def test_several_handlers_of_one_event_run_in_one_transaction(tmp_path):
    from shared.contracts.catalog import SystemRetired

    several = Subscriptions()
    calls: list[str] = []

    @several.on(SystemRetired)
    async def first(uow, event, payload) -> None:
        calls.append("first")
        uow.session.add(Counter(unit=payload.unit, times=1))

    @several.on(SystemRetired)
    async def second(uow, event, payload) -> None:
        calls.append("second")
        if payload.reason == "fail":
            raise RuntimeError("second room failed")

    settings = Settings(service="bustest", database_url=f"sqlite+aiosqlite:///{tmp_path / 'several.sqlite'}")
    runtime = ServiceRuntime(settings, schema, several)
    async with runtime.engine.begin() as conn:
        await conn.run_sync(schema.metadata.create_all)
    runtime.consumer.max_attempts = 1
    from datetime import date

    ok_event = SystemRetired(project_id="P", system_id="S", unit="U1", reason="x", retired_on=date(2026, 1, 1))
    assert await runtime.consumer.process(record(ok_event.envelope())) == "handled"
    assert calls == ["first", "second"]
    failing = SystemRetired(project_id="P", system_id="S", unit="U2", reason="fail", retired_on=date(2026, 1, 1))
    assert await runtime.consumer.process(record(failing.envelope())) == "dead_lettered"
    async with runtime.engine.connect() as conn:
        units = {row.unit for row in (await conn.execute(sa.select(Counter.unit))).all()}
    assert units == {"U1"}  # the first room's write was rolled back with the second's failure
    await runtime.engine.dispose()


async def test_decisions_audit_and_events_of_a_unit_of_work_are_written_in_order_at_commit(runtime):
    from types import SimpleNamespace as Decided

    decision = Decided(
        rule_id="r1",
        citation="dazhou:第九条",
        pack="dazhou",
        pack_version="1",
        outcome="pass",
        value=None,
        message_zh="",
        message_en="",
        facts={},
    )
    async with runtime.unit_of_work() as uow:
        for n in range(3):
            await uow.record_decision(decision, subject=f"P-{n}", action="check", actor="tester")
            await uow.audit(subject=f"P-{n}", action="checked", actor="tester")
            await uow.emit(cleared(f"P-{n}"))
        async with runtime.engine.connect() as other:  # nothing is visible before the commit
            assert (await other.scalar(sa.select(sa.func.count()).select_from(schema.decisions))) == 0
    async with runtime.engine.connect() as conn:
        decided = (await conn.execute(sa.select(schema.decisions.c.subject).order_by(schema.decisions.c.id))).all()
        audited = (await conn.execute(sa.select(schema.audit.c.subject).order_by(schema.audit.c.id))).all()
    assert [row.subject for row in decided] == [row.subject for row in audited] == ["P-0", "P-1", "P-2"]
    assert [row.key for row in await outbox_rows(runtime)] == ["P-0", "P-1", "P-2"]


async def test_a_failed_unit_of_work_writes_none_of_its_decisions_or_events(runtime):
    with pytest.raises(RuntimeError):
        async with runtime.unit_of_work() as uow:
            await uow.audit(subject="P-9", action="checked", actor="tester")
            await uow.emit(cleared("P-9"))
            raise RuntimeError("refused half-way")
    async with runtime.engine.connect() as conn:
        assert (await conn.scalar(sa.select(sa.func.count()).select_from(schema.audit))) == 0
    assert await outbox_rows(runtime) == []


async def test_a_reading_unit_of_work_refuses_writes(runtime):
    async with runtime.reading() as uow:
        with pytest.raises(RuntimeError, match="read-only"):
            await uow.emit(cleared("P-r"))
        with pytest.raises(RuntimeError, match="read-only"):
            await uow.audit(subject="P-r", action="looked", actor="tester")
    with pytest.raises(RuntimeError, match="read-only"):
        async with runtime.reading() as uow:
            uow.session.add(Counter(unit="R", times=1))
    async with runtime.engine.connect() as conn:
        assert (await conn.scalar(sa.select(sa.func.count()).select_from(Counter))) == 0
    assert await outbox_rows(runtime) == []


def test_split_processes_need_postgresql(tmp_path):
    with pytest.raises(ValueError, match="PostgreSQL"):
        Settings(service="bustest", process_role="api", database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite'}")
    api = Settings(service="bustest", process_role="api", database_url="postgresql+asyncpg://u@127.0.0.1:1/db")
    assert not ServiceRuntime(api, schema, subscriptions).runs_events
