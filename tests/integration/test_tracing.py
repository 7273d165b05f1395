"""One trace across every hop, read back from a real OpenTelemetry Collector: a project admitted through the
gateway shows gateway → intake (HTTP, W3C traceparent) → intake's outbox and relay (producer span) → Kafka →
review's consumer, one trace id, each span the child of the one before. And the logs of those processes are
JSON on every line, the request's lines carrying its X-Request-ID and its trace id.

The collector is the one deploy/otelcol/tools.sh builds from the Go module proxy (scripts/bootstrap.sh --test):
an OTLP/HTTP receiver and a file exporter writing OTLP JSON, which this test reads."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from deploy.local.launcher import ALL_SERVICES, Platform
from shared.settings import REPO_ROOT
from tests.support import infra, stack
from tests.support.api import Api, ok, required_materials
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration

COLLECTOR = REPO_ROOT / "deploy" / "otelcol" / "bin" / "otelcol-govproj"
SERVER, CLIENT, PRODUCER, CONSUMER = 2, 3, 4, 5  # OTLP SpanKind values


@pytest.fixture(scope="module")
def collector() -> Iterator[tuple[str, Path]]:
    """The collector on a free port, writing every span it receives to spans.json; yields (endpoint, file)."""
    assert COLLECTOR.exists(), "the test collector is built by deploy/otelcol/tools.sh (scripts/bootstrap.sh --test)"
    workdir = Path(tempfile.mkdtemp(prefix="govproj-otelcol-"))
    port = infra.free_port()
    spans = workdir / "spans.json"
    config = {
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": f"127.0.0.1:{port}"}}}},
        "exporters": {"file": {"path": str(spans), "flush_interval": "100ms"}},
        "service": {
            # No self-monitoring endpoint: its default port (8888) would clash between parallel runs.
            "telemetry": {"metrics": {"level": "none"}},
            "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["file"]}},
        },
    }
    (workdir / "config.json").write_text(json.dumps(config))  # YAML is a superset of JSON
    log = open(workdir / "collector.log", "wb")
    process = subprocess.Popen(
        [str(COLLECTOR), f"--config=file:{workdir / 'config.json'}"], stdout=log, stderr=subprocess.STDOUT
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        infra.wait_for_sync(
            lambda: process.poll() is None and _answers(endpoint), timeout=60, message="collector listening"
        )
        yield endpoint, spans
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _answers(endpoint: str) -> bool:
    try:
        # The OTLP/HTTP receiver answers a GET on its traces path with 405: it is listening.
        return httpx.get(f"{endpoint}/v1/traces", timeout=2).status_code in (200, 405)
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
async def traced(collector, pg_urls, kafka_bootstrap, tmp_path_factory) -> AsyncIterator[Platform]:
    """Gateway, intake and review with tracing on, uvicorn's access log on, their own databases and topics."""
    endpoint, _ = collector
    prefix = stack.unique_prefix("trace")
    databases = await stack.create_databases(pg_urls["intake"], [f"{prefix}_intake", f"{prefix}_review"])
    platform = Platform(
        database_urls={"intake": databases[f"{prefix}_intake"], "review": databases[f"{prefix}_review"]},
        kafka_bootstrap=kafka_bootstrap,
        log_dir=tmp_path_factory.mktemp("traced-logs"),
        # Every service has a port (the gateway's settings name all six); only three are started.
        ports={service: infra.free_port() for service in ALL_SERVICES},
        extra_env={
            "GOVPROJ_ENV": "test",
            "GOVPROJ_TOPIC_PREFIX": prefix,
            "GOVPROJ_OUTBOX_POLL_SECONDS": "0.5",
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "200",  # export within a fifth of a second, not five
        },
        log_args=("--log-level", "info"),
    )
    with stack.running(platform, ("intake", "review", "gateway")):
        yield platform


def read_spans(path: Path) -> list[dict[str, Any]]:
    """Every span in the collector's OTLP JSON lines, with its service's name."""
    if not path.exists():
        return []
    spans = []
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    for number, line in enumerate(lines):
        try:
            batch = json.loads(line)
        except ValueError:
            if number == len(lines) - 1:
                break  # the collector is still writing its last line; the next poll reads it whole
            raise
        for resource_spans in batch.get("resourceSpans", []):
            attributes = {a["key"]: a["value"].get("stringValue") for a in resource_spans["resource"]["attributes"]}
            for scope_spans in resource_spans.get("scopeSpans", []):
                for span in scope_spans.get("spans", []):
                    spans.append({**span, "service": attributes.get("service.name")})
    return spans


def _attribute(span: dict[str, Any], key: str) -> str | None:
    return next((a["value"].get("stringValue") for a in span.get("attributes", []) if a["key"] == key), None)


APPLICATION = {
    "unit": "达州市教育局",
    "jurisdiction": "dazhou",
    "title": "链路追踪样例",
    "category": "application",
    "construction_type": "new",
    "total_investment_fen": 80_000_000,
    "plan_year": 2027,
    "materials": required_materials(),
}


async def test_one_trace_spans_gateway_intake_kafka_and_review(traced: Platform, collector):
    _, spans_file = collector
    trace_id, browser_span = secrets.token_hex(16), secrets.token_hex(8)
    async with httpx.AsyncClient(base_url=traced.urls["gateway"], timeout=30) as client:
        api = Api(client)
        project = ok(await api.post("edu", "/api/intake/applications", APPLICATION), 201)["id"]
        ok(await api.post("edu", f"/api/intake/applications/{project}/submit"))
        # The browser starts the trace (as an instrumented front end would) and the admission carries it.
        admitted = await api.post(
            "bureau",
            f"/api/intake/applications/{project}/admit",
            headers={"traceparent": f"00-{trace_id}-{browser_span}-01"},
        )
        ok(admitted)

    def consumer_span() -> dict | None:
        return next(
            (
                s
                for s in read_spans(spans_file)
                if s["traceId"] == trace_id and s["kind"] == CONSUMER and s["service"] == "govproj-review"
            ),
            None,
        )

    consumed = await wait_for(consumer_span, timeout=60, message="review's consumer span at the collector")

    def request_spans_arrived() -> bool:
        # Each process exports on its own batch schedule: review's consumer span can reach the collector
        # before the gateway's and intake's request spans (which end once their responses are written) do.
        kinds = {(s["service"], s["kind"]) for s in read_spans(spans_file) if s["traceId"] == trace_id}
        return {("govproj-gateway", SERVER), ("govproj-gateway", CLIENT), ("govproj-intake", SERVER)} <= kinds

    await wait_for(request_spans_arrived, timeout=30, message="the gateway's and intake's request spans")
    trace = [s for s in read_spans(spans_file) if s["traceId"] == trace_id]
    by_id = {s["spanId"]: s for s in trace}

    def one(service: str, kind: int, parent: str) -> dict:
        found = [s for s in trace if s["service"] == service and s["kind"] == kind and s.get("parentSpanId") == parent]
        assert len(found) == 1, (service, kind, parent, [(s["service"], s["name"], s["kind"]) for s in trace])
        return found[0]

    gateway = one("govproj-gateway", SERVER, browser_span)
    call = one("govproj-gateway", CLIENT, gateway["spanId"])
    intake = one("govproj-intake", SERVER, call["spanId"])
    assert "/admit" in intake["name"]
    # SQLAlchemy's spans: the admission's statements are steps of the request's span, naming the database.
    statements = [s for s in trace if s["service"] == "govproj-intake" and s.get("parentSpanId") == intake["spanId"]]
    database = [s for s in statements if s["kind"] == CLIENT and _attribute(s, "db.system") == "postgresql"]
    assert database, [(s["name"], s["kind"]) for s in statements]
    sent = one("govproj-intake", PRODUCER, intake["spanId"])
    assert sent["name"].startswith("send trace") and sent["name"].endswith(".intake")
    assert consumed["parentSpanId"] == sent["spanId"]
    assert consumed["name"] == "process intake.application.admitted.v1"
    assert by_id[consumed["parentSpanId"]] is sent
    print(
        f"trace {trace_id}: {len(trace)} spans ({len(database)} SQL statements under intake's request), path "
        + " → ".join(f"{s['service']}:{s['name']}" for s in (gateway, call, intake, sent, consumed))
    )


async def test_every_log_line_is_json_and_a_request_s_lines_carry_its_ids(traced: Platform):
    request_id = f"test-{secrets.token_hex(6)}"
    trace_id = secrets.token_hex(16)
    async with httpx.AsyncClient(base_url=traced.urls["gateway"], timeout=30) as client:
        api = Api(client)
        response = await api.post(
            "edu",
            "/api/intake/applications",
            APPLICATION,
            headers={"x-request-id": request_id, "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
        )
        ok(response, 201)
        assert response.headers["x-request-id"] == request_id
        # A request without an id (or with one unfit for a log line) gets a fresh one, passed on the same way.
        fresh = await client.get("/api/me", headers={"x-request-id": "bad id\twith spaces"})
        assert fresh.headers["x-request-id"] != "bad id\twith spaces" and len(fresh.headers["x-request-id"]) == 32

    def lines_with_the_id(name: str) -> list[dict]:
        return [entry for entry in parsed(name) if entry.get("request_id") == request_id]

    def parsed(name: str) -> list[dict]:
        entries = []
        for line in stack.log_lines(traced.log_dir, name):
            entry = json.loads(line)  # every line, whoever logged it (uvicorn, aiokafka, structlog): JSON
            assert isinstance(entry, dict) and "event" in entry and "timestamp" in entry, line
            entries.append(entry)
        return entries

    # The access log line is written once the response is sent: poll for it.
    gateway_lines = await wait_for(lambda: lines_with_the_id("gateway"), timeout=30, message="gateway access line")
    intake_lines = await wait_for(lambda: lines_with_the_id("intake"), timeout=30, message="intake access line")
    for entry in gateway_lines + intake_lines:
        assert entry["trace_id"] == trace_id, entry
        assert len(entry["span_id"]) == 16
    assert any(e.get("logger") == "uvicorn.access" and "/api/intake/applications" in e["event"] for e in intake_lines)
    loggers = {e.get("logger") for name in ("gateway", "intake", "review") for e in parsed(name)}
    assert {"uvicorn.error", "uvicorn.access"} <= loggers, loggers
    counts = {name: len(parsed(name)) for name in ("gateway", "intake", "review")}
    print(f"log lines parsed as JSON: {counts}; with request id {request_id}: {len(gateway_lines + intake_lines)}")
