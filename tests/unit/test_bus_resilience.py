"""A bus no single request can stop (issue 15): events too large for the bus are refused before the
outbox, rows the broker refuses for good go to the failed state while the relay moves on, the consumer
is supervised and waits out its database instead of dead-lettering, /readyz tells the truth, and an
unreachable database answers 503 with Retry-After. SQLite and a fake producer (the unit layer)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from types import SimpleNamespace

import httpx
import pytest
import sqlalchemy as sa
from aiokafka import errors as kafka_errors
from fastapi import APIRouter
from prometheus_client import REGISTRY
from sqlmodel import Field

from shared import clock
from shared.bus import Subscriptions
from shared.bus import consumer as consumer_module
from shared.contracts.catalog import UnitCleared
from shared.db import ServiceSchema, is_database_unavailable
from shared.errors import Problem
from shared.scope import ProjectScope
from shared.service import Runtime, ServiceRuntime, create_service_app
from shared.settings import Settings
from tests.support.infra import free_port, wait_for

schema = ServiceSchema("bustrust")


class Tally(schema.Base, table=True):
    __tablename__ = "tallies"
    unit: str = Field(primary_key=True)
    times: int = 0


subscriptions = Subscriptions()
#: Failures the next handler calls raise, in order (then they succeed).
planned_failures: list[BaseException] = []


@subscriptions.on(UnitCleared)
async def on_cleared(uow, event, payload: UnitCleared) -> None:
    if planned_failures:
        raise planned_failures.pop(0)
    uow.session.add(Tally(unit=payload.unit, times=1))


def cleared(project: str, unit: str = "U") -> UnitCleared:
    return UnitCleared(project_id=project, unit=unit, rule_id="r", cleared_on=date(2026, 11, 24))


def record(event, offset: int = 0) -> SimpleNamespace:
    return SimpleNamespace(value=event.to_json().encode(), topic="govproj.catalog", partition=0, offset=offset)


def lost_connection() -> sa.exc.DBAPIError:
    """What SQLAlchemy raises when PostgreSQL goes away under a statement (asyncpg's wording)."""
    return sa.exc.DBAPIError(
        "SELECT 1", {}, Exception("connection was closed in the middle of operation"), connection_invalidated=True
    )


class FakeProducer:
    """Sends succeed unless the key is planned to fail: `at_send` errors are raised by send() itself
    (as aiokafka does for a record over max_request_size), `in_future` ones by the delivery future."""

    def __init__(self, at_send: dict[str, BaseException] | None = None, in_future: dict | None = None) -> None:
        self.sent: list[str] = []
        self.at_send = at_send or {}
        self.in_future = in_future or {}

    async def send(self, topic, value, key, headers):
        key = key.decode()
        if key in self.at_send:
            raise self.at_send[key]
        future = asyncio.get_running_loop().create_future()
        if key in self.in_future:
            future.set_exception(self.in_future[key]())
        else:
            self.sent.append(key)
            future.set_result(None)
        return future


def make_settings(tmp_path, **overrides) -> Settings:
    return Settings(service="bustrust", database_url=f"sqlite+aiosqlite:///{tmp_path / 'bus.sqlite'}", **overrides)


@pytest.fixture
async def runtime(tmp_path):
    runtime = ServiceRuntime(make_settings(tmp_path, max_event_bytes=4096), schema, subscriptions)
    async with runtime.engine.begin() as conn:
        await conn.run_sync(schema.metadata.create_all)
    planned_failures.clear()
    yield runtime
    await runtime.relay.stop()
    await runtime.consumer.stop()
    await runtime.engine.dispose()


async def outbox(runtime) -> list:
    async with runtime.engine.connect() as conn:
        return (await conn.execute(sa.select(schema.outbox).order_by(schema.outbox.c.seq))).all()


async def tallies(runtime) -> dict[str, int]:
    async with runtime.engine.connect() as conn:
        return {row.unit: row.times for row in (await conn.execute(sa.select(Tally.unit, Tally.times))).all()}


async def dead_letters(runtime) -> list:
    async with runtime.engine.connect() as conn:
        return (await conn.execute(sa.select(schema.dead_letters))).all()


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, {"service": "bustrust", **labels}) or 0.0


# --- event size ---------------------------------------------------------------------------------


async def test_an_event_larger_than_the_bus_takes_refuses_the_whole_unit_of_work(runtime):
    with pytest.raises(Problem) as refused:
        async with runtime.unit_of_work() as uow:
            uow.session.add(Tally(unit="state written first", times=1))
            await uow.emit(cleared("P-small"))
            await uow.emit(cleared("P-big", unit="很" * 2000))  # 6000 bytes of UTF-8 alone
    problem = refused.value
    assert problem.status == 413 and problem.kind == "event-too-large"
    assert problem.extensions["limit_bytes"] == 4096 and problem.extensions["size_bytes"] > 4096
    assert problem.extensions["event_type"] == "catalog.unit.cleared.v1"
    assert await outbox(runtime) == [] and await tallies(runtime) == {}  # nothing half-written


async def test_an_event_just_under_the_limit_is_staged(runtime):
    async with runtime.unit_of_work() as uow:
        event = await uow.emit(cleared("P-fits", unit="x" * 3000))
    assert len(event.to_json().encode()) <= 4096
    assert [row.id for row in await outbox(runtime)] == [event.id]


# --- the outbox's failed state ----------------------------------------------------------------------


async def emit_all(runtime, *keys: str) -> None:
    for key in keys:
        async with runtime.unit_of_work() as uow:
            await uow.emit(cleared(key))


async def test_a_row_the_broker_refuses_for_good_fails_and_the_next_rows_are_published(runtime):
    await emit_all(runtime, "P-1", "P-poison", "P-3")
    too_large = kafka_errors.MessageSizeTooLargeError("The message is 2000000 bytes when serialized")
    producer = FakeProducer(at_send={"P-poison": too_large})
    runtime.link.producer = producer
    runtime.link.connected.set()
    failed_before = sample("govproj_outbox_failed_total", type="catalog.unit.cleared.v1")
    runtime.relay.start()  # the real loop: woken by the commits above, then by its poll
    runtime.relay.wake()
    await wait_for(lambda: producer.sent == ["P-1", "P-3"], timeout=10, message="the row behind the poison one")
    rows = {row.key: row for row in await outbox(runtime)}
    assert rows["P-1"].published_at and rows["P-3"].published_at
    poison = rows["P-poison"]
    assert poison.published_at is None and poison.failed_at is not None
    assert poison.attempts == 1 and "MessageSizeTooLargeError" in poison.last_error
    assert sample("govproj_outbox_failed_total", type="catalog.unit.cleared.v1") == failed_before + 1
    assert sample("govproj_outbox_failed_rows") == 1
    assert runtime.relay.alive and await runtime.relay.oldest_pending_age() is None  # not stalled
    # The operator (scripts/outbox.py) lists it, fixes the cause and retries: it is published in its turn.
    [listed] = await runtime.relay.failed_rows()
    assert listed["key"] == "P-poison" and "MessageSizeTooLargeError" in listed["last_error"]
    assert await runtime.relay.retry_failed(["some-other-event"]) == 0
    producer.at_send.clear()
    assert await runtime.relay.retry_failed([listed["id"]]) == 1
    await wait_for(lambda: "P-poison" in producer.sent, timeout=10, message="the retried row to be published")
    assert sample("govproj_outbox_failed_rows") == 0
    assert (await runtime.sweep_once())["count_failed_outbox_rows"] == 0


async def test_a_row_refused_max_attempts_times_fails_then_the_relay_moves_on(runtime):
    runtime.relay.max_attempts = 3
    await emit_all(runtime, "P-odd", "P-next")
    runtime.link.producer = FakeProducer(in_future={"P-odd": lambda: kafka_errors.UnknownError("refused")})
    for attempt in (1, 2):
        with pytest.raises(kafka_errors.UnknownError):
            await runtime.relay.publish_batch()
        odd = (await outbox(runtime))[0]
        assert odd.attempts == attempt and odd.failed_at is None  # order kept until it is given up
    assert await runtime.relay.publish_batch() == 0  # the third refusal settles it ...
    assert runtime.relay._failed_in_batch == 1
    assert await runtime.relay.publish_batch() == 1  # ... and the relay goes on behind it
    rows = await outbox(runtime)
    assert rows[0].failed_at is not None and rows[0].attempts == 3 and rows[1].published_at is not None


async def test_an_unreachable_broker_never_fails_a_row(runtime):
    runtime.relay.max_attempts = 2
    await emit_all(runtime, "P-wait")
    runtime.link.producer = FakeProducer(in_future={"P-wait": lambda: kafka_errors.KafkaTimeoutError()})
    for _ in range(5):
        with pytest.raises(kafka_errors.KafkaTimeoutError):
            await runtime.relay.publish_batch()
    row = (await outbox(runtime))[0]
    assert row.failed_at is None and row.attempts == 0 and "KafkaTimeoutError" in row.last_error
    runtime.link.producer = FakeProducer()  # the broker is back
    assert await runtime.relay.publish_batch() == 1


# --- the consumer and its database ------------------------------------------------------------------


async def test_a_database_outage_pauses_the_consumer_and_dead_letters_nothing(runtime, monkeypatch):
    runtime.consumer.max_attempts = 1  # any counted failure would dead-letter at once
    monkeypatch.setattr(consumer_module, "DATABASE_BACKOFF", (0.01, 0.02))
    planned_failures.extend([lost_connection(), ConnectionRefusedError("Connect call failed")])
    probes = {"down": 3}
    states: list[str] = []
    real_database_ok = runtime.database_ok

    async def database_ok() -> bool:
        states.append(runtime.consumer.state)
        if probes["down"]:
            probes["down"] -= 1
            return False
        return await real_database_ok()

    monkeypatch.setattr(runtime, "database_ok", database_ok)
    waits_before = sample("govproj_consumer_database_waits_total")
    runtime.consumer.state = "running"
    assert await runtime.consumer.process(record(cleared("P-o", unit="U-o").envelope())) == "handled"
    assert await tallies(runtime) == {"U-o": 1} and await dead_letters(runtime) == []
    assert "waiting_for_database" in states and runtime.consumer.state == "running"
    assert sample("govproj_consumer_database_waits_total") == waits_before + 2


async def test_a_handler_bug_is_still_dead_lettered(runtime):
    runtime.consumer.max_attempts = 2
    planned_failures.extend([KeyError("bug"), KeyError("bug")])
    event = cleared("P-bug", unit="U-bug").envelope()
    assert await runtime.consumer.process(record(event)) == "dead_lettered"
    [dead] = await dead_letters(runtime)
    assert dead.event_id == event.id and "KeyError" in dead.error and await tallies(runtime) == {}


async def test_dead_lettering_waits_for_the_database_too(runtime, monkeypatch):
    runtime.consumer.max_attempts = 1
    monkeypatch.setattr(consumer_module, "DATABASE_BACKOFF", (0.01, 0.02))
    planned_failures.append(KeyError("bug"))
    real_dead_letter = runtime.consumer._dead_letter
    outage = {"left": 2}

    async def dead_letter_during_outage(*args):
        if outage["left"]:
            outage["left"] -= 1
            raise lost_connection()
        await real_dead_letter(*args)

    monkeypatch.setattr(runtime.consumer, "_dead_letter", dead_letter_during_outage)
    assert await runtime.consumer.process(record(cleared("P-dl").envelope())) == "dead_lettered"
    assert len(await dead_letters(runtime)) == 1


async def test_the_dead_letter_event_fits_on_the_bus_even_for_a_large_original(runtime):
    runtime.settings.max_event_bytes = 100 * 1024
    runtime.consumer.max_attempts = 1
    planned_failures.append(KeyError("bug"))
    big = cleared("P-large", unit="u" * 80_000).envelope()
    assert await runtime.consumer.process(record(big)) == "dead_lettered"
    [dead] = await dead_letters(runtime)
    assert len(dead.payload) > 80_000  # the table keeps the original whole
    [row] = await outbox(runtime)
    assert row.type == "bustrust.event.dead_lettered.v1" and len(row.payload) < 100 * 1024


async def test_a_stopped_consumer_is_restarted_with_back_off_and_readyz_reports_it(runtime, monkeypatch):
    monkeypatch.setattr(consumer_module, "RESTART_BACKOFF", (0.05, 0.2))
    consumer = runtime.consumer
    release = asyncio.Event()
    runs = {"n": 0}

    async def run_forever() -> None:
        runs["n"] += 1
        if runs["n"] == 1:
            raise RuntimeError("consumer loop died")  # e.g. an error nobody caught
        await release.wait()  # held in "restarting" until the test looks
        consumer.state = "running"
        await asyncio.Event().wait()

    monkeypatch.setattr(consumer, "_run_forever", run_forever)
    restarts_before = sample("govproj_consumer_restarts_total")
    consumer.start()
    await wait_for(lambda: runs["n"] == 2, timeout=5, message="the supervisor to restart the consumer")
    assert not consumer.healthy and consumer.state == "restarting"
    assert (await runtime.readiness())["consumer"] is False
    release.set()
    await wait_for(lambda: consumer.healthy, timeout=5, message="the restarted consumer to run")
    assert consumer.restarts == 1 and "consumer loop died" in consumer.last_error
    assert sample("govproj_consumer_restarts_total") == restarts_before + 1


# --- readiness --------------------------------------------------------------------------------------


async def test_readiness_reports_a_stalled_relay_and_growing_lag(runtime, monkeypatch):
    from aiokafka import TopicPartition

    runtime.link.producer = FakeProducer()
    runtime.link.connected.set()
    runtime.consumer.state = "running"
    monkeypatch.setattr(type(runtime.consumer), "healthy", property(lambda self: self.state == "running"))
    monkeypatch.setattr(type(runtime.relay), "alive", property(lambda self: True))
    assert await runtime.readiness() == {"database": True, "kafka": True, "consumer": True, "relay": True, "lag": True}
    try:
        clock.advance(timedelta(seconds=-(runtime.settings.relay_stall_seconds + 5)))
        await emit_all(runtime, "P-old")  # written long ago and never published
    finally:
        clock.set_offset(timedelta(0))
    assert (await runtime.readiness())["relay"] is False
    await runtime.relay.publish_batch()
    assert (await runtime.readiness())["relay"] is True
    runtime.consumer.lag = {TopicPartition("govproj.catalog", 0): runtime.settings.consumer_max_lag + 1}
    assert (await runtime.readiness())["lag"] is False


# --- HTTP: body size and an unreachable database ---------------------------------------------------------

probe = APIRouter()


@probe.post("/api/bustrust/echo")
async def echo(body: dict, runtime: Runtime) -> dict:
    async with runtime.unit_of_work() as uow:
        await uow.session.execute(sa.select(Tally.unit).limit(1))
    return {"keys": len(body)}


@probe.post("/api/bustrust/bulk")
async def bulk(body: dict) -> dict:
    return {"keys": len(body)}


@probe.get("/api/bustrust/lost")
async def lost() -> dict:
    raise lost_connection()


async def no_projects(_uow, _project_id):
    return None  # this probe service owns no projects: its history route answers 404


def service_app(settings: Settings):
    return create_service_app(
        "bustrust",
        schema,
        subscriptions,
        [probe],
        title="bus test",
        settings=settings,
        body_limits={"/api/bustrust/bulk": 256 * 1024},
        scope=ProjectScope.of("bustrust", no_projects),
    )


@pytest.fixture
async def client(tmp_path):
    app = service_app(make_settings(tmp_path, max_request_bytes=64 * 1024))
    runtime: ServiceRuntime = app.state.runtime
    async with runtime.engine.begin() as conn:
        await conn.run_sync(schema.metadata.create_all)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bus") as client:
        yield client
    await runtime.engine.dispose()


async def test_a_body_over_the_limit_is_a_413_problem_naming_it(client):
    small = await client.post("/api/bustrust/echo", json={"a": "x" * 1000})
    assert small.status_code == 200
    declared = await client.post("/api/bustrust/echo", json={"a": "x" * 70_000})
    assert declared.status_code == 413 and declared.headers["content-type"] == "application/problem+json"
    assert declared.json()["limit_bytes"] == 64 * 1024 and declared.json()["type"].endswith("/payload-too-large")

    async def chunks():  # no Content-Length: the middleware counts what arrives
        yield b'{"a": "'
        for _ in range(20):
            yield b"x" * 8192
        yield b'"}'

    streamed = await client.post("/api/bustrust/echo", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413 and streamed.json()["limit_bytes"] == 64 * 1024


async def test_a_bulk_import_path_may_have_a_larger_limit_of_its_own(client):
    assert (await client.post("/api/bustrust/bulk", json={"a": "x" * 100_000})).status_code == 200
    assert (await client.post("/api/bustrust/echo", json={"a": "x" * 100_000})).status_code == 413
    too_big = await client.post("/api/bustrust/bulk", json={"a": "x" * 300_000})
    assert too_big.status_code == 413 and too_big.json()["limit_bytes"] == 256 * 1024


async def test_the_default_body_limit_is_one_mebibyte():
    assert Settings().max_request_bytes == 1024 * 1024 and Settings().max_event_bytes < 1_000_000


async def test_an_unreachable_database_is_a_503_with_retry_after():
    port = free_port()  # nothing listens there: connecting is refused, as when PostgreSQL is down
    settings = Settings(service="bustrust", database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{port}/none")
    app = service_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bus") as client:
        refused = await client.post("/api/bustrust/echo", json={"a": 1})
        lost_midway = await client.get("/api/bustrust/lost")
        ready = await client.get("/readyz")
    for response in (refused, lost_midway):
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == str(settings.database_retry_after_seconds)
        assert response.json()["type"].endswith("/database-unavailable")
    assert ready.status_code == 503 and ready.json()["checks"]["database"] is False
    await app.state.runtime.engine.dispose()


def test_what_counts_as_the_database_being_unavailable():
    assert is_database_unavailable(lost_connection())
    assert is_database_unavailable(ConnectionRefusedError())
    assert is_database_unavailable(sa.exc.TimeoutError("QueuePool limit reached"))
    closed = sa.exc.InterfaceError("INSERT", {}, Exception("connection is closed"))
    assert is_database_unavailable(closed)
    shutdown = type("AdminShutdownError", (Exception,), {"sqlstate": "57P01"})()
    assert is_database_unavailable(sa.exc.DBAPIError("SELECT 1", {}, shutdown))
    assert not is_database_unavailable(KeyError("bug"))
    syntax = type("PostgresSyntaxError", (Exception,), {"sqlstate": "42601"})()
    assert not is_database_unavailable(sa.exc.ProgrammingError("SELEC", {}, syntax))
