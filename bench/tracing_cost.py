"""Benchmark (not a test): what the tracing and log-id hooks cost per event and per request, with tracing off
(no OTLP endpoint, the default) and on (spans made and handed to a batching processor whose exporter drops
them, so the figure is the platform's own cost, not the network's).

    .venv/bin/python bench/tracing_cost.py --events 20000 --requests 2000

Per event: the emit hook (`tracing.stamp`), the relay's record headers (`record_headers`) and the consumer's
span (`tracing.consuming`). Per request: an in-process ASGI request through a bare FastAPI app, with and without
the request-id middleware and the FastAPI instrumentation. Prints the figures and writes
bench/results/tracing_cost.json."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from shared import logs, tracing
from shared.bus.outbox import record_headers
from shared.contracts.catalog import UnitCleared
from shared.contracts.envelope import EVENT_TYPE_HEADER

RESULTS = Path(__file__).resolve().parent / "results" / "tracing_cost.json"


class Dropping(SpanExporter):
    def export(self, spans: Sequence[Any]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def per_call(fn: Callable[[], Any], count: int) -> float:
    """Microseconds per call (best of three runs: the machine is shared)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(count):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / count * 1e6


def event_hooks(count: int) -> dict[str, float]:
    event = UnitCleared(project_id="P-1", unit="U", rule_id="r", cleared_on=date(2026, 12, 1)).envelope()
    record = SimpleNamespace(
        headers=[
            (EVENT_TYPE_HEADER, event.type.encode()),
            ("traceparent", b"00-" + b"1" * 32 + b"-" + b"2" * 16 + b"-01"),
        ],
        topic="govproj.catalog",
    )

    def emit_and_relay() -> None:
        stamped = tracing.stamp(event)
        record_headers("govproj.catalog", stamped.type, stamped.to_json())

    def consume() -> None:
        with tracing.consuming(record, event, "govproj.bench"), tracing._tracer().start_as_current_span("handler"):
            emit_and_relay()

    def baseline() -> None:  # what the outbox and relay do anyway: serialise, build the two static headers
        payload = event.to_json()
        [("content-type", b"application/cloudevents+json"), (EVENT_TYPE_HEADER, event.type.encode()), payload]

    return {
        "baseline_us": per_call(baseline, count),
        "emit_and_relay_us": per_call(emit_and_relay, count),
        "consume_emit_relay_us": per_call(consume, count),
    }


def app_with(*, request_id: bool, instrumented: bool) -> FastAPI:
    app = FastAPI()

    @app.get("/x")
    async def x() -> dict[str, str]:
        return {"ok": "yes"}

    if request_id:
        app.add_middleware(logs.RequestIdMiddleware)
    if instrumented:
        tracing.instrument_app(app)
    return app


async def requests(apps: dict[str, FastAPI], count: int) -> dict[str, float]:
    """Microseconds per in-process request for each app, runs interleaved (best of five each) so a busy
    moment of the shared machine does not land on one variant only."""
    best = dict.fromkeys(apps, float("inf"))
    clients = {
        name: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b")
        for name, app in apps.items()
    }
    for _ in range(5):
        for name, client in clients.items():
            start = time.perf_counter()
            for _ in range(count):
                await client.get("/x")
            best[name] = min(best[name], time.perf_counter() - start)
    for client in clients.values():
        await client.aclose()
    return {name: seconds / count * 1e6 for name, seconds in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()

    off_events = event_hooks(args.events)
    plain = {
        "request_bare_us": app_with(request_id=False, instrumented=False),
        "request_with_request_id_us": app_with(request_id=True, instrumented=False),
    }
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(Dropping()))
    tracing._provider = provider  # on, as configure() would make it, minus the network
    on_events = event_hooks(args.events)
    per_request = asyncio.run(
        requests({**plain, "request_traced_us": app_with(request_id=True, instrumented=True)}, args.requests)
    )
    provider.shutdown()

    figures = {
        "events": args.events,
        "requests": args.requests,
        "off": {**off_events, **{k: v for k, v in per_request.items() if k != "request_traced_us"}},
        "on": {**on_events, "request_traced_us": per_request["request_traced_us"]},
    }
    print(json.dumps(figures, indent=2))
    print(
        f"per event: serialise + headers {off_events['baseline_us']:.1f} µs; with the hooks, tracing off "
        f"{off_events['emit_and_relay_us']:.1f} µs, on {on_events['emit_and_relay_us']:.1f} µs; consumer span + "
        f"handler span + emit + relay, on: {on_events['consume_emit_relay_us']:.1f} µs"
    )
    print(
        f"per request: bare {per_request['request_bare_us']:.0f} µs, with request id "
        f"{per_request['request_with_request_id_us']:.0f} µs, with request id and tracing on "
        f"{per_request['request_traced_us']:.0f} µs"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
