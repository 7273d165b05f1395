"""The trace context through the bus without a broker (SQLite, a fake producer, an in-memory span exporter):
a record's `traceparent` → the consumer span → the outbox row its handler writes → the relay's producer span →
the next record's header. Off (no OTLP endpoint), the records carry exactly the structured-mode headers and
the rows no trace context. And the request id and trace id on JSON log lines of any logger."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import date
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared import logs, tracing
from shared.bus import Subscriptions
from shared.contracts.catalog import UnitCleared
from shared.contracts.envelope import CLOUDEVENTS_CONTENT_TYPE, EVENT_TYPE_HEADER, CloudEvent
from shared.db import ServiceSchema
from shared.service import ServiceRuntime
from shared.settings import Settings

schema = ServiceSchema("tracetest")
subscriptions = Subscriptions()


@subscriptions.on(UnitCleared)
async def pass_it_on(uow, event, payload: UnitCleared) -> None:
    """A handler that emits, as a stage service's do: its event must continue the consumed one's trace."""
    if payload.rule_id == "first":
        await uow.emit(payload.model_copy(update={"rule_id": "second"}))


class HeaderProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, list[tuple[str, bytes]]]] = []

    async def send(self, topic, value, key, headers):
        self.sent.append((topic, value, headers))
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


@pytest.fixture
async def runtime(tmp_path):
    settings = Settings(service="tracetest", database_url=f"sqlite+aiosqlite:///{tmp_path / 'trace.sqlite'}")
    runtime = ServiceRuntime(settings, schema, subscriptions)
    async with runtime.engine.begin() as conn:
        await conn.run_sync(schema.metadata.create_all)
    runtime.link.producer = HeaderProducer()
    yield runtime
    await runtime.engine.dispose()


@pytest.fixture
def spans(monkeypatch) -> InMemorySpanExporter:
    """Tracing on, into memory (the process-wide provider is left alone: shared.tracing uses its own)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(tracing, "_provider", provider)
    return exporter


def first_event() -> CloudEvent:
    return UnitCleared(project_id="P-t", unit="U", rule_id="first", cleared_on=date(2026, 12, 1)).envelope()


def record(event: CloudEvent, headers: list[tuple[str, bytes]]) -> SimpleNamespace:
    return SimpleNamespace(
        value=event.to_json().encode(), headers=headers, topic="govproj.catalog", partition=0, offset=0
    )


async def test_off_the_records_carry_only_the_structured_mode_headers_and_rows_no_context(runtime):
    assert not tracing.enabled()
    incoming = [
        (EVENT_TYPE_HEADER, b"catalog.unit.cleared.v1"),
        ("traceparent", b"00-" + b"a" * 32 + b"-" + b"b" * 16 + b"-01"),
    ]
    assert await runtime.consumer.process(record(first_event(), incoming)) == "handled"
    assert await runtime.relay.publish_batch() == 1
    ((_, value, headers),) = runtime.link.producer.sent
    assert headers == [
        ("content-type", CLOUDEVENTS_CONTENT_TYPE.encode()),
        (EVENT_TYPE_HEADER, b"catalog.unit.cleared.v1"),
    ]
    assert "traceparent" not in json.loads(value)


async def test_on_one_trace_runs_from_the_record_through_the_outbox_to_the_next_record(runtime, spans):
    trace_id, upstream_span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    incoming = [
        (EVENT_TYPE_HEADER, b"catalog.unit.cleared.v1"),
        ("traceparent", f"00-{trace_id}-{upstream_span}-01".encode()),
    ]
    assert await runtime.consumer.process(record(first_event(), incoming)) == "handled"

    (consumed,) = spans.get_finished_spans()
    assert consumed.kind == trace.SpanKind.CONSUMER and consumed.name == "process catalog.unit.cleared.v1"
    assert f"{consumed.context.trace_id:032x}" == trace_id
    assert f"{consumed.parent.span_id:016x}" == upstream_span
    assert consumed.attributes["messaging.consumer.group.name"] == "govproj.tracetest"

    assert await runtime.relay.publish_batch() == 1
    ((topic, value, headers),) = runtime.link.producer.sent
    stored = json.loads(value)["traceparent"]  # the extension attribute written with the outbox row
    assert stored == f"00-{trace_id}-{consumed.context.span_id:016x}-01"
    sent = spans.get_finished_spans()[-1]
    assert sent.kind == trace.SpanKind.PRODUCER and sent.name == f"send {topic}"
    assert sent.parent.span_id == consumed.context.span_id and sent.context.trace_id == consumed.context.trace_id
    assert dict(headers)["traceparent"].decode() == f"00-{trace_id}-{sent.context.span_id:016x}-01"
    # A CloudEvents reader sees structured mode: no `ce_` header among them.
    assert not [name for name, _ in headers if name.startswith("ce_")]


async def test_a_record_without_a_header_continues_the_event_s_own_traceparent(runtime, spans):
    trace_id, emitting_span = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
    event = first_event().model_copy(update={"traceparent": f"00-{trace_id}-{emitting_span}-01"})
    assert await runtime.consumer.process(record(event, [])) == "handled"
    (consumed,) = spans.get_finished_spans()
    assert f"{consumed.context.trace_id:032x}" == trace_id and f"{consumed.parent.span_id:016x}" == emitting_span


def test_request_id_is_kept_or_made_and_every_log_line_of_the_request_carries_it_as_json(spans):
    logs.configure()
    app = FastAPI()
    app.add_middleware(logs.RequestIdMiddleware)
    handler = next(
        h for h in logging.getLogger().handlers if isinstance(h.formatter, logs.structlog.stdlib.ProcessorFormatter)
    )

    @app.get("/line")
    def line() -> dict:
        with tracing._tracer().start_as_current_span("work"):
            record = logging.getLogger("aiokafka.consumer").makeRecord(
                "aiokafka.consumer", logging.WARNING, __file__, 1, "rebalanced %s", ("g",), None
            )
            return {"line": handler.format(record)}

    client = TestClient(app)
    kept = client.get("/line", headers={"x-request-id": "req-42"})
    assert kept.headers["x-request-id"] == "req-42"
    entry = json.loads(kept.json()["line"])
    assert entry["request_id"] == "req-42" and entry["event"] == "rebalanced g"
    assert entry["logger"] == "aiokafka.consumer" and entry["level"] == "warning"
    assert len(entry["trace_id"]) == 32 and len(entry["span_id"]) == 16
    made = client.get("/line", headers={"x-request-id": "x" * 129})  # too long for a log line: replaced
    assert made.headers["x-request-id"] != "x" * 129
    assert json.loads(made.json()["line"])["request_id"] == made.headers["x-request-id"]


async def test_sql_statements_are_spans_under_a_request_or_handling_and_nothing_outside_or_when_off(spans, tmp_path):
    import sqlalchemy as sa

    from shared.db import make_engine, make_read_engine

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'sql.sqlite'}")
    tracing.instrument_engine(engine)
    tracing.instrument_engine(make_read_engine(engine))  # SQLite's read engine shares the write engine's listeners
    tracer = tracing._provider.get_tracer("test")
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))  # a poll outside any request: no trace of its own
            assert spans.get_finished_spans() == ()
            with tracer.start_as_current_span("request") as request:
                await conn.execute(sa.text("SELECT 2"))
        (statement, _request) = spans.get_finished_spans()
        assert statement.kind == trace.SpanKind.CLIENT
        assert statement.parent.span_id == request.get_span_context().span_id
        assert statement.attributes["db.statement"] == "SELECT 2" and statement.attributes["db.system"] == "sqlite"
    finally:
        await engine.dispose()

    # Off: no listener on the engine, so a statement costs what it cost before tracing existed.
    tracing._provider = None
    plain = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'plain.sqlite'}")
    tracing.instrument_engine(plain)
    assert not plain.sync_engine.dispatch.before_cursor_execute
    await plain.dispose()
