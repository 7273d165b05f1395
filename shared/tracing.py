"""OpenTelemetry traces across every hop of a project's path: browser → gateway → service (HTTP, W3C
`traceparent`) → the outbox row (the CloudEvents distributed-tracing extension `traceparent`, stored in the
event's JSON) → Kafka (a `traceparent` record header naming the relay's producer span) → the consumer (a
consumer span continuing that trace) → the consumer's own outbox rows, and so on: one trace id end to end.

Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: then nothing is
instrumented, no span is made and every helper here returns at its first line. When on, spans leave over
OTLP/HTTP (protobuf) through a batching processor, with a client span per SQL statement run inside a
request or a consumer's handling; the exporter reads the standard `OTEL_EXPORTER_OTLP_*`
variables (headers, timeout, certificate) itself. See docs/observability.md."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace

if TYPE_CHECKING:
    import httpx
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import TracerProvider
    from sqlalchemy.ext.asyncio import AsyncEngine

    from shared.contracts.envelope import CloudEvent

#: The W3C Trace Context header, also the CloudEvents distributed-tracing extension attribute's name.
TRACEPARENT = "traceparent"
#: Paths probed every few seconds (kubelet, Prometheus): a span each would drown the traces that matter.
EXCLUDED_URLS = "/healthz,/readyz,/metrics"

_provider: TracerProvider | None = None


def enabled() -> bool:
    return _provider is not None


def wanted() -> bool:
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def configure(service: str) -> bool:
    """Install the tracer provider once per process (the first app built names it); True when tracing is on."""
    global _provider
    if _provider is not None or not wanted():
        return _provider is not None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES (read by Resource.create) win over the default name.
    resource = Resource.create({"service.name": f"govproj-{service}", "service.namespace": "govproj"})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _provider = provider
    return True


def shutdown() -> None:
    """Flush what is buffered (a stopping process would lose its last spans otherwise)."""
    if _provider is not None:
        _provider.force_flush(timeout_millis=5000)


def instrument_app(app: FastAPI) -> None:
    """A server span per request, continuing the caller's `traceparent` (the gateway's, or a browser's)."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # No span per ASGI send/receive message: two extra spans per request that say nothing about the path.
    FastAPIInstrumentor.instrument_app(app, excluded_urls=EXCLUDED_URLS, exclude_spans=["receive", "send"])


def instrument_client(client: httpx.AsyncClient) -> None:
    """A client span per outgoing request, and its `traceparent` on the request (gateway → service)."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(client)


class _ChildSpansOnly:
    """A tracer that makes a span only under another one: a statement run inside a request or a consumer's
    handling is a step of that trace, while the relay's and the sweepers' polls (several a second, outside
    any request) would otherwise each start a trace of their own and drown the ones that matter."""

    def __init__(self, tracer: trace.Tracer) -> None:
        self._tracer = tracer

    def start_span(self, name: str, context: otel_context.Context | None = None, **kwargs: Any) -> trace.Span:
        if not trace.get_current_span(context).get_span_context().is_valid:
            return trace.INVALID_SPAN
        return self._tracer.start_span(name, context, **kwargs)


def instrument_engine(engine: AsyncEngine) -> None:
    """A client span per SQL statement (opentelemetry-instrumentation-sqlalchemy's listeners on the engine),
    child of the request's or the consumer's span. Engines are made by shared.db before any instrumentor
    could wrap `create_async_engine`, hence the listeners are put on each engine here."""
    if _provider is None:
        return
    from opentelemetry import metrics
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.instrumentation.sqlalchemy.version import __version__
    from sqlalchemy.engine.base import OptionEngine

    if isinstance(engine.sync_engine, OptionEngine):
        return  # an engine with other options (SQLite's read engine) fires its parent's listeners already
    tracer = _ChildSpansOnly(_provider.get_tracer("opentelemetry.instrumentation.sqlalchemy", __version__))
    # The pool gauge it keeps goes to the global meter provider: none is installed (a no-op); Prometheus
    # metrics have their own registry (shared/metrics.py).
    usage = metrics.get_meter("opentelemetry.instrumentation.sqlalchemy", __version__).create_up_down_counter(
        "db.client.connections.usage", unit="connections"
    )
    EngineTracer(tracer, engine.sync_engine, usage)


_tracer_of: tuple[Any, trace.Tracer] | None = None


def _tracer() -> trace.Tracer:
    """The bus's tracer, made once per provider (get_tracer costs more than the span it would make)."""
    global _tracer_of
    if _tracer_of is None or _tracer_of[0] is not _provider:
        provider = _provider if _provider is not None else trace.get_tracer_provider()
        _tracer_of = (_provider, provider.get_tracer("govproj.bus"))
    return _tracer_of[1]


def current_traceparent() -> str | None:
    """The W3C traceparent of the active span, or None (tracing off, or no span)."""
    if _provider is None:
        return None
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get(TRACEPARENT)


def stamp(event: CloudEvent) -> CloudEvent:
    """The event with the active span's traceparent as its distributed-tracing extension attribute: the
    outbox row then carries the trace context across the commit to the relay (another task, maybe another
    process). An event already stamped (re-emitted) keeps its own."""
    if _provider is None or getattr(event, TRACEPARENT, None):
        return event
    traceparent = current_traceparent()
    if traceparent is None:
        return event
    return event.model_copy(update={TRACEPARENT: traceparent})


def _traceparent_of_payload(payload: str) -> str | None:
    try:
        value = json.loads(payload).get(TRACEPARENT)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def publish_headers(payload: str, topic: str, event_type: str) -> list[tuple[str, bytes]]:
    """Kafka headers for one outbox row: a producer span, child of the context stored with the row, and
    its traceparent as the record's `traceparent` header (the consumer's parent). Nothing when off or when
    the row carries no trace context (written while tracing was off, or by a sweeper outside any request)."""
    if _provider is None:
        return []
    stored = _traceparent_of_payload(payload)
    if stored is None:
        return []
    parent = propagate.extract({TRACEPARENT: stored})
    span = _tracer().start_span(
        f"send {topic}",
        context=parent,
        kind=trace.SpanKind.PRODUCER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.destination.name": topic,
            "cloudevents.event_type": event_type,
        },
    )
    try:
        carrier: dict[str, str] = {}
        propagate.inject(carrier, context=trace.set_span_in_context(span))
        return [(TRACEPARENT, carrier[TRACEPARENT].encode())]
    finally:
        span.end()  # the send itself is awaited in a batch; the span marks the hand-over to Kafka


def _record_traceparent(headers: Sequence[tuple[str, bytes | None]] | None, event: CloudEvent) -> str | None:
    for key, value in headers or ():
        if key == TRACEPARENT and value:
            return value.decode(errors="replace")
    stamped = getattr(event, TRACEPARENT, None)
    return stamped if isinstance(stamped, str) else None


@contextlib.contextmanager
def consuming(record: Any, event: CloudEvent, group: str) -> Iterator[None]:
    """A consumer span around handling one record, child of the producer span named by the record's
    `traceparent` header (or of the event's own extension attribute): what the handler emits is stamped
    with this span, so the trace goes on through this service's outbox to the next consumer."""
    if _provider is None:
        yield
        return
    traceparent = _record_traceparent(getattr(record, "headers", None), event)
    parent = propagate.extract({TRACEPARENT: traceparent}) if traceparent else otel_context.Context()
    with _tracer().start_as_current_span(
        f"process {event.type}",
        context=parent,
        kind=trace.SpanKind.CONSUMER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.destination.name": getattr(record, "topic", ""),
            "messaging.consumer.group.name": group,
            "messaging.message.id": event.id,
            "cloudevents.event_type": event.type,
        },
    ):
        yield


def current_ids() -> dict[str, str]:
    """trace_id and span_id of the active span as hex (for log lines); empty without one."""
    if _provider is None:
        return {}
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}


__all__ = [
    "TRACEPARENT",
    "configure",
    "consuming",
    "current_ids",
    "current_traceparent",
    "enabled",
    "instrument_app",
    "instrument_client",
    "instrument_engine",
    "publish_headers",
    "shutdown",
    "stamp",
]
