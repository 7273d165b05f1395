"""The process that commits an event publishes it at once; the relay sweeps only what that did not settle
(issue 21, target 2). SQLite and a fake producer: the unit layer fakes I/O."""

from __future__ import annotations

import asyncio

import pytest

from shared.service import ServiceRuntime
from shared.settings import Settings
from tests.support.infra import wait_for
from tests.unit.test_bus import cleared, outbox_rows, schema, subscriptions


class Producer:
    """Acks every send, except keys planned to fail (in the ack, as a broker error would)."""

    def __init__(self, fail_keys: set[str] | None = None) -> None:
        self.sent: list[str] = []
        self.fail_keys = fail_keys or set()

    async def send(self, topic, value, key, headers):
        future = asyncio.get_running_loop().create_future()
        if key.decode() in self.fail_keys:
            future.set_exception(ConnectionError("broker gone"))
        else:
            self.sent.append(key.decode())
            future.set_result(None)
        return future


@pytest.fixture
async def runtime(tmp_path):
    settings = Settings(service="bustest", database_url=f"sqlite+aiosqlite:///{tmp_path / 'bus.sqlite'}")
    runtime = ServiceRuntime(settings, schema, subscriptions)
    async with runtime.engine.begin() as conn:
        await conn.run_sync(schema.metadata.create_all)
    yield runtime
    await runtime.relay.stop()
    await runtime.engine.dispose()


async def started(runtime, producer: Producer) -> None:
    """The relay runs with a connected producer and has swept once (nothing older waits)."""
    runtime.link.producer = producer
    runtime.link.connected.set()
    runtime.relay.start()
    await wait_for(lambda: not runtime.relay._backlog, timeout=10, message="the relay's first sweep")


async def commit(runtime, *keys: str) -> None:
    for key in keys:
        async with runtime.unit_of_work() as uow:
            await uow.emit(cleared(key))


async def test_a_commit_is_published_by_its_own_process_and_the_relay_sends_nothing(runtime):
    producer = Producer()
    await started(runtime, producer)
    await commit(runtime, "P-1", "P-2", "P-3")
    await wait_for(lambda: runtime.relay.published_inline == 3, timeout=10, message="the three commits published")

    rows = await outbox_rows(runtime)
    assert all(row.published_at is not None for row in rows)  # marked only after the ack
    assert producer.sent == ["P-1", "P-2", "P-3"]  # in commit order, each once
    assert runtime.relay.published_by_sweep == 0
    assert await runtime.relay.publish_batch() == 0 and producer.sent == ["P-1", "P-2", "P-3"]


async def test_rows_held_by_a_publish_in_flight_are_passed_over_by_the_sweep(runtime):
    producer = Producer()
    await started(runtime, producer)
    relay = runtime.relay
    async with relay._send_lock:  # the commit's publish waits here, holding its row
        await commit(runtime, "P-held")
        assert relay._held  # handed over at the commit
        # A sweep meanwhile (it takes the same lock in turn) must not send the held row.
        sweep = asyncio.create_task(relay.publish_batch())
        await asyncio.sleep(0)  # let the sweep queue behind the publish on the lock
    assert await sweep == 0
    await wait_for(lambda: relay.published_inline == 1, timeout=10, message="the held row published")
    assert producer.sent == ["P-held"]


async def test_a_failed_publish_leaves_its_rows_and_the_later_ones_to_the_relay_in_order(runtime):
    producer = Producer(fail_keys={"P-b"})
    await started(runtime, producer)
    await commit(runtime, "P-a", "P-b")
    await wait_for(lambda: runtime.relay._backlog, timeout=10, message="the failed publish noticed")
    # While the broker refuses P-b, a newer commit must not overtake it.
    await commit(runtime, "P-c")
    producer.fail_keys.clear()  # the broker is back
    await wait_for(
        lambda: producer.sent[-2:] == ["P-b", "P-c"], timeout=15, message="P-b, then P-c, published by the relay"
    )

    async def all_marked() -> list[str] | None:
        # the relay marks rows published after the broker's ack: a row sent is not yet a row marked
        keys = [row.key for row in await outbox_rows(runtime) if row.published_at is not None]
        return keys if len(keys) == 3 else None

    marked = await wait_for(all_marked, timeout=10, message="P-a, P-b and P-c marked published")
    assert marked == ["P-a", "P-b", "P-c"]
    assert producer.sent.count("P-a") == 1 and producer.sent.count("P-c") == 1
    assert runtime.relay.published_by_sweep >= 2


async def test_rows_written_early_are_left_to_the_relay_and_later_commits_queue_behind_them(runtime):
    """A bulk unit of work (UnitOfWork.write_staged, a stock import a chunk at a time) keeps no copy of its
    rows for the hand-off: the relay publishes them, and a commit right after does not overtake them."""
    producer = Producer()
    await started(runtime, producer)
    async with runtime.unit_of_work() as uow:
        for key in ("B-1", "B-2"):
            await uow.emit(cleared(key))
        await uow.write_staged()
        assert uow.events == [] and uow._written_outbox == []  # nothing held for after the commit
        await uow.emit(cleared("B-3"))
        await uow.write_staged()
    assert runtime.relay._backlog  # told at the commit: rows wait for the relay
    await commit(runtime, "P-after")
    await wait_for(lambda: len(producer.sent) == 4, timeout=15, message="the bulk rows and the later commit published")
    assert producer.sent == ["B-1", "B-2", "B-3", "P-after"]
    assert runtime.relay.published_by_sweep >= 3
