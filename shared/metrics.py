"""Metrics every service exposes on /metrics: HTTP RED, events, outbox backlog, consumer lag, deadlines.

Labels stay bounded: route templates (not raw paths), event types, rule ids; never project or user ids.
A service's own business metrics live in its `metrics.py` as `govproj_<service>_<name>`.
"""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "govproj_http_requests_total", "HTTP requests by route and status", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "govproj_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=LATENCY_BUCKETS,
)
EVENTS_PRODUCED = Counter("govproj_events_produced_total", "Events published to Kafka", ["service", "type"])
EVENTS_CONSUMED = Counter(
    "govproj_events_consumed_total",
    "Events consumed, by outcome (handled, duplicate, ignored, failed, dead_lettered)",
    ["service", "type", "outcome"],
)
EVENT_HOP_LATENCY = Histogram(
    "govproj_event_hop_latency_seconds",
    "From the producer's outbox commit to this consumer's handled commit",
    ["service", "type"],
    buckets=LATENCY_BUCKETS,
)
OUTBOX_BACKLOG = Gauge("govproj_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_PUBLISH_FAILURES = Counter("govproj_outbox_publish_failures_total", "Failed publish attempts", ["service"])
OUTBOX_FAILED = Counter(
    "govproj_outbox_failed_total",
    "Outbox rows the broker refused for good, marked failed (the relay went on without them)",
    ["service", "type"],
)
OUTBOX_FAILED_ROWS = Gauge(
    "govproj_outbox_failed_rows", "Outbox rows in the failed state, waiting for an operator", ["service"]
)
CONSUMER_RESTARTS = Counter(
    "govproj_consumer_restarts_total", "Times the supervisor restarted a consumer that had stopped", ["service"]
)
CONSUMER_BATCH_FALLBACKS = Counter(
    "govproj_consumer_batch_fallbacks_total",
    "Fetched batches whose one transaction failed, so their events were handled one by one",
    ["service"],
)
CONSUMER_DATABASE_WAITS = Counter(
    "govproj_consumer_database_waits_total",
    "Events whose handling waited for the service's database to come back (never dead-lettered for it)",
    ["service"],
)
CONSUMER_LAG = Gauge("govproj_consumer_lag", "Messages behind the end of each topic", ["service", "topic"])
KAFKA_CONNECTED = Gauge("govproj_kafka_connected", "1 when the producer and consumer are running", ["service"])
DECISIONS = Counter("govproj_decisions_total", "Decisions taken by a policy rule", ["service", "rule_id", "outcome"])
DEADLINES_OVERDUE = Gauge("govproj_deadlines_overdue", "Open deadlines past due, by rule", ["service", "rule_id"])
DEADLINES_MARKED_OVERDUE = Counter(
    "govproj_deadlines_marked_overdue_total", "Deadlines the sweeper marked overdue", ["service", "rule_id"]
)


class HttpMetricsMiddleware:
    """Pure ASGI middleware (no BaseHTTPMiddleware overhead) counting requests by route template."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def _send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "GET")
            HTTP_REQUESTS.labels(self.service, method, template, str(status)).inc()
            HTTP_LATENCY.labels(self.service, method, template).observe(time.perf_counter() - started)


async def metrics_endpoint(_request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
