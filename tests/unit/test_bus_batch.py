"""A fetched partition batch is claimed and handled in ONE unit of work (issue 21, catch-up), and when
that fails its events are handled one by one: a poisoned event is dead-lettered alone, every other one
takes effect once. SQLite and hand-made records (the unit layer)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY
from sqlmodel import Field

from shared.bus import Subscriptions
from shared.bus import batch as batch_module
from shared.bus import consumer as consumer_module
from shared.contracts.catalog import SystemRetired, UnitCleared
from shared.db import ServiceSchema
from shared.service import ServiceRuntime
from shared.settings import Settings

schema = ServiceSchema("busbatch")


class Count(schema.Base, table=True):
    __tablename__ = "counts"
    unit: str = Field(primary_key=True)
    times: int = 0


subscriptions = Subscriptions()
#: Event ids in the order the handler ran (rolled-back runs included).
runs: list[str] = []


@subscriptions.on(UnitCleared)
async def on_cleared(uow, event, payload: UnitCleared) -> None:
    runs.append(event.id)
    row = await uow.session.get(Count, payload.unit)
    if row is None:
        uow.session.add(Count(unit=payload.unit, times=1))
    else:
        row.times += 1
    if payload.rule_id == "poison":
        raise RuntimeError("this event always fails")
    if payload.rule_id == "emit":
        await uow.emit(
            SystemRetired(
                project_id=payload.project_id, system_id="S", unit=payload.unit, reason="r", retired_on=date(2026, 1, 1)
            )
        )


def cleared(unit: str, rule_id: str = "r") -> UnitCleared:
    return UnitCleared(project_id=f"P-{unit}", unit=unit, rule_id=rule_id, cleared_on=date(2026, 11, 24))


def records(*payloads: UnitCleared | bytes, start: int = 0) -> list[SimpleNamespace]:
    return [
        SimpleNamespace(
            value=p if isinstance(p, bytes) else p.envelope().to_json().encode(),
            topic="govproj.catalog",
            partition=0,
            offset=start + n,
        )
        for n, p in enumerate(payloads)
    ]


@pytest.fixture
async def runtime(tmp_path):
    settings = Settings(service="busbatch", database_url=f"sqlite+aiosqlite:///{tmp_path / 'batch.sqlite'}")
    runtime = ServiceRuntime(settings, schema, subscriptions)
    async with runtime.engine.begin() as conn:
        await conn.run_sync(schema.metadata.create_all)
    runtime.consumer.max_attempts = 2
    runs.clear()
    # Count the units of work (transactions) the consumer opens.
    runtime.units_opened = 0
    make = runtime.unit_of_work

    def counted():
        runtime.units_opened += 1
        return make()

    runtime.unit_of_work = counted
    yield runtime
    await runtime.engine.dispose()


async def counts(runtime) -> dict[str, int]:
    async with runtime.engine.connect() as conn:
        return {row.unit: row.times for row in (await conn.execute(sa.select(Count.unit, Count.times))).all()}


async def table_count(runtime, table) -> int:
    async with runtime.engine.connect() as conn:
        return await conn.scalar(sa.select(sa.func.count()).select_from(table))


def fallbacks() -> float:
    return REGISTRY.get_sample_value("govproj_consumer_batch_fallbacks_total", {"service": "busbatch"}) or 0.0


async def test_a_batch_is_claimed_and_handled_in_one_transaction(runtime):
    batch = records(*(cleared(f"U{n}") for n in range(5)), cleared("U0"))  # U0 twice: read-your-writes
    assert await runtime.consumer.process_batch(batch) == ["handled"] * 6
    assert runtime.units_opened == 1
    assert await counts(runtime) == {"U0": 2, "U1": 1, "U2": 1, "U3": 1, "U4": 1}
    assert await table_count(runtime, schema.inbox) == 6


async def test_a_redelivered_batch_takes_no_effect_again(runtime):
    batch = records(*(cleared(f"U{n}") for n in range(3)))
    await runtime.consumer.process_batch(batch)
    runs.clear()
    assert await runtime.consumer.process_batch(batch) == ["duplicate"] * 3
    assert runs == []  # the handlers did not run
    assert await counts(runtime) == {"U0": 1, "U1": 1, "U2": 1}


async def test_a_batch_partly_handled_before_handles_only_the_rest(runtime):
    batch = records(*(cleared(f"U{n}") for n in range(4)))
    assert await runtime.consumer.process(batch[1]) == "handled"  # one came alone before the crash
    assert await runtime.consumer.process_batch(batch) == ["handled", "duplicate", "handled", "handled"]
    assert await counts(runtime) == {"U0": 1, "U1": 1, "U2": 1, "U3": 1}


async def test_the_same_event_twice_in_a_batch_takes_effect_once(runtime):
    event = cleared("U7").envelope()
    batch = records(event.to_json().encode(), event.to_json().encode())
    assert await runtime.consumer.process_batch(batch) == ["handled", "duplicate"]
    assert await counts(runtime) == {"U7": 1}
    assert await table_count(runtime, schema.inbox) == 1


async def test_a_poisoned_event_is_dead_lettered_alone_and_the_others_commit_once(runtime):
    before = fallbacks()
    batch = records(cleared("A"), cleared("B"), cleared("X", rule_id="poison"), cleared("C"))
    poisoned_id = consumer_module.CloudEvent.from_json(batch[2].value).id
    assert await runtime.consumer.process_batch(batch) == ["handled", "handled", "dead_lettered", "handled"]
    assert fallbacks() == before + 1
    assert await counts(runtime) == {"A": 1, "B": 1, "C": 1}  # the batch's first try left nothing behind
    async with runtime.engine.connect() as conn:
        dead = (await conn.execute(sa.select(schema.dead_letters))).one()
    assert dead.event_id == poisoned_id and "this event always fails" in dead.error
    assert runs.count(poisoned_id) == 1 + runtime.consumer.max_attempts  # the batch, then its own attempts
    assert await table_count(runtime, schema.inbox) == 4  # the dead-lettered one is claimed too: done


async def test_garbage_in_a_batch_is_dead_lettered_and_the_others_handled(runtime):
    batch = records(cleared("A"), b"{not json", cleared("B"))
    assert await runtime.consumer.process_batch(batch) == ["handled", "dead_lettered", "handled"]
    assert await counts(runtime) == {"A": 1, "B": 1}
    async with runtime.engine.connect() as conn:
        dead = (await conn.execute(sa.select(schema.dead_letters))).one()
    assert dead.event_id == "govproj.catalog:0:1" and dead.type == "unparseable"


async def test_a_fetched_partition_goes_in_bounded_batches_skipping_other_services_events(runtime, monkeypatch):
    monkeypatch.setattr(batch_module, "BATCH_MAX_EVENTS", 2)
    other = SimpleNamespace(
        value=b"not even json", headers=[("ce_type", b"intake.something.happened.v1")], topic="t", partition=0, offset=9
    )
    fetched = records(*(cleared(f"U{n}") for n in range(5)))
    fetched.insert(2, other)
    committed: list[int] = []

    async def after_db_commit(record) -> None:
        committed.append(record.offset)

    runtime.consumer.after_db_commit = after_db_commit
    await runtime.consumer.process_fetch([fetched])
    assert runtime.units_opened == 3  # 2 + 2 + 1, the foreign event never opened one
    assert committed == [0, 1, 2, 3, 4]  # every handled record, in order, once its batch committed
    assert await counts(runtime) == {f"U{n}": 1 for n in range(5)}


async def test_a_database_failure_in_the_batch_falls_back_and_dead_letters_nothing(runtime, monkeypatch):
    """The batch's statement fails as if the database went away; the one-by-one pass handles them."""
    real_claim_many = batch_module.claim_many

    async def claim_many_once_broken(uow, events):
        monkeypatch.setattr(batch_module, "claim_many", real_claim_many)
        raise sa.exc.OperationalError("INSERT", {}, ConnectionError("connection lost"))

    monkeypatch.setattr(batch_module, "claim_many", claim_many_once_broken)
    batch = records(cleared("A"), cleared("B"))
    assert await runtime.consumer.process_batch(batch) == ["handled", "handled"]
    assert await counts(runtime) == {"A": 1, "B": 1}
    assert await table_count(runtime, schema.dead_letters) == 0


async def test_an_event_of_a_type_no_handler_takes_is_ignored_in_a_batch(runtime):
    foreign = consumer_module.CloudEvent(source="/govproj/x", type="intake.something.happened.v1", subject="P", data={})
    batch = records(cleared("A"), foreign.to_json().encode())
    assert await runtime.consumer.process_batch(batch) == ["handled", "ignored"]
    assert await table_count(runtime, schema.inbox) == 1


async def test_what_the_handlers_of_a_batch_emit_is_written_in_order_and_only_for_new_events(runtime):
    batch = records(*(cleared(f"U{n}", rule_id="emit") for n in range(3)))
    await runtime.consumer.process_batch(batch[:1])  # U0 was handled before: redelivered with the rest
    runtime.relay._wake.clear()
    await runtime.consumer.process_batch(batch)
    async with runtime.engine.connect() as conn:
        keys = (await conn.execute(sa.select(schema.outbox.c.key).order_by(schema.outbox.c.seq))).scalars().all()
    assert keys == ["P-U0", "P-U1", "P-U2"]  # one event each, in the partition's order
    assert runtime.relay._wake.is_set()  # the batch's commit told the relay


async def test_a_fetch_of_several_partitions_is_one_unit_of_work_for_the_same_new_row(runtime):
    """One project's events arrive on several topics at once (catalog hears them all): handled together in one
    transaction, each partition's in order, they create the row once and count twice — where two concurrent
    transactions raced to insert it and one fell back to the one-by-one pass."""
    first = records(cleared("X"), cleared("Y"))
    second = [SimpleNamespace(**{**vars(r), "topic": "govproj.review", "partition": 3}) for r in records(cleared("X"))]
    fallbacks = REGISTRY.get_sample_value("govproj_consumer_batch_fallbacks_total", {"service": "busbatch"}) or 0
    await runtime.consumer.process_fetch([first, second])
    assert runtime.units_opened == 1
    assert await counts(runtime) == {"X": 2, "Y": 1}
    assert (
        REGISTRY.get_sample_value("govproj_consumer_batch_fallbacks_total", {"service": "busbatch"}) or 0
    ) == fallbacks
