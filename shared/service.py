"""What makes a FastAPI app a govproj service: database and migrations, the Kafka link, outbox
relay, consumers, deadline sweeper, problem responses, metrics, health and the admin clock."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import quote

import sqlalchemy as sa
import structlog
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from shared import clock, logs, openapi, tracing
from shared.auth import CurrentPrincipal, current_principal
from shared.bus import EventConsumer, KafkaLink, OutboxRelay, Subscriptions
from shared.contracts.common import DEADLINE_OVERDUE
from shared.contracts.envelope import CloudEvent
from shared.db import ServiceSchema, make_engine, make_read_engine, make_sessionmaker, upgrade_to_head
from shared.errors import install_problem_handlers
from shared.limits import RequestLineGuard, install_body_limit
from shared.metrics import (
    DEADLINES_MARKED_OVERDUE,
    DEADLINES_OVERDUE,
    HttpMetricsMiddleware,
    metrics_endpoint,
)
from shared.scope import SECRET_READ, ProjectScope
from shared.settings import Settings, load_settings
from shared.uow import UnitOfWork
from shared.watch import Arrivals

log = structlog.get_logger()

#: A sweeper runs periodically (and on POST /_admin/sweep) with the runtime; returns what it did.
Sweeper = Callable[["ServiceRuntime"], Awaitable[int]]


class ServiceRuntime:
    def __init__(self, settings: Settings, schema: ServiceSchema, subscriptions: Subscriptions) -> None:
        self.settings = settings
        self.schema = schema
        self.engine = make_engine(settings.db_url)
        self.sessions = make_sessionmaker(self.engine)
        # Reads have their own pool (see make_read_engine): no transaction, a statement timeout, and a
        # burst of slow reads cannot starve the writes of connections.
        self.read_engine = make_read_engine(
            self.engine,
            pool_size=settings.read_pool_size,
            statement_timeout_ms=settings.read_statement_timeout_ms,
        )
        self.read_sessions = make_sessionmaker(self.read_engine)
        tracing.instrument_engine(self.engine)  # off unless tracing is on (see shared/tracing.py)
        tracing.instrument_engine(self.read_engine)
        topics = [settings.topic, f"{settings.topic}.dlq", *subscriptions.topics(settings.topic_prefix)]
        self.link = KafkaLink(
            settings.kafka_bootstrap,
            settings.service,
            sorted(set(topics)),
            settings.topic_partitions,
            replication_factor=settings.topic_replication_factor,
            min_insync_replicas=settings.topic_min_insync_replicas,
            client_options=settings.kafka_client_options,
        )
        self.relay = OutboxRelay(
            schema, self.engine, self.link, settings.outbox_poll_seconds, settings.outbox_max_attempts
        )
        self.consumer = EventConsumer(self, subscriptions, settings.consumer_max_attempts)
        self.sweepers: list[Sweeper] = [sweep_deadlines, count_failed_outbox_rows]
        # Requests waiting (Prefer: wait) on a project. An API process beside a worker does not see
        # the worker's commits, so its waits re-read the database more often.
        self.arrivals = Arrivals(recheck=1.0 if self.runs_events else 0.1)
        self._sweeper_task: asyncio.Task | None = None

    @property
    def runs_events(self) -> bool:
        """Whether this process runs the relay, the consumer and the sweeper (see Settings.process_role)."""
        return self.settings.process_role != "api"

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(
            self.schema,
            self.sessions,
            self.settings.topic,
            self._events_committed,
            max_event_bytes=self.settings.max_event_bytes,
            # An API process has no relay of its own: the outbox trigger's NOTIFY wakes the worker's.
            on_outbox_committed=self.relay.committed if self.runs_events else None,
        )

    def _events_committed(self, events: list[CloudEvent]) -> None:
        for event in events:
            self.arrivals.notify(event.subject)

    def reading(self) -> UnitOfWork:
        """A unit of work for GET handlers: no transaction, and any write is refused."""
        return UnitOfWork(self.schema, self.read_sessions, self.settings.topic, read_only=True)

    async def start(self) -> None:
        await upgrade_to_head(self.engine, self.settings.service)
        self.link.start()  # an API process keeps the link too: /readyz reports the broker either way
        if self.runs_events:
            self.relay.start()
            self.consumer.start()
            self._sweeper_task = asyncio.create_task(self._sweep_forever(), name=f"{self.settings.service}-sweeper")

    async def stop(self) -> None:
        if self._sweeper_task is not None:
            self._sweeper_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper_task
        await self.consumer.stop()
        await self.relay.stop()
        await self.link.stop()
        await self.engine.dispose()
        await self.read_engine.dispose()

    async def sweep_once(self) -> dict[str, int]:
        done = {}
        for sweeper in self.sweepers:
            done[sweeper.__name__] = await sweeper(self)
        return done

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.sweep_seconds)  # the sweep period itself
            try:
                await self.sweep_once()
            except Exception:  # a failed sweep must not kill the loop; it is logged and retried
                log.exception("sweep failed", service=self.settings.service)

    async def database_ok(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
            return True
        except Exception:
            return False

    async def readiness(self) -> dict[str, bool]:
        """What /readyz checks. Where the relay and consumer run (not in an API process): the consumer
        is consuming (not stopped, restarting or waiting for its database), the relay is alive and has
        no unpublished row older than relay_stall_seconds, and the consumer's lag is under the limit."""
        database = await self.database_ok()
        checks = {"database": database, "kafka": self.link.ready}
        if not self.runs_events:
            return checks
        checks["consumer"] = self.consumer.healthy or not self.consumer.topics
        checks["relay"] = self.relay.alive and database and not await self._relay_stalled()
        checks["lag"] = self.consumer.total_lag <= self.settings.consumer_max_lag
        return checks

    async def _relay_stalled(self) -> bool:
        try:
            age = await self.relay.oldest_pending_age()
        except Exception:  # the database check above already reports why
            return True
        return age is not None and age > self.settings.relay_stall_seconds


async def sweep_deadlines(runtime: ServiceRuntime) -> int:
    """Mark open deadlines past due as overdue, emit `<service>.deadline.overdue.v1`, move the gauge."""
    deadlines = runtime.schema.deadlines
    service = runtime.settings.service
    today = clock.today()
    event_type = DEADLINE_OVERDUE.get(service)
    async with runtime.unit_of_work() as uow:
        rows = (
            await uow.session.execute(
                sa.select(deadlines).where(deadlines.c.status == "open", deadlines.c.due_on < today)
            )
        ).all()
        for row in rows:
            await uow.session.execute(deadlines.update().where(deadlines.c.id == row.id).values(status="overdue"))
            DEADLINES_MARKED_OVERDUE.labels(service, row.rule_id).inc()
            if event_type is not None:
                await uow.emit(
                    event_type(
                        project_id=row.subject,
                        rule_id=row.rule_id,
                        citation=row.citation,
                        due_on=row.due_on,
                        description=row.description,
                    )
                )
        counts = (
            await uow.session.execute(
                sa.select(deadlines.c.rule_id, sa.func.count())
                .where(deadlines.c.status == "overdue")
                .group_by(deadlines.c.rule_id)
            )
        ).all()
    DEADLINES_OVERDUE.clear()
    for rule_id, count in counts:
        DEADLINES_OVERDUE.labels(service, rule_id).set(count)
    return len(rows)


async def count_failed_outbox_rows(runtime: ServiceRuntime) -> int:
    """Refresh govproj_outbox_failed_rows (it falls back to 0 once an operator has retried the rows)."""
    return await runtime.relay.count_failed()


async def runtime_of(request: Request) -> ServiceRuntime:
    # async: FastAPI would run a plain function in its thread pool, a thread hop on every request
    return request.app.state.runtime


Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]


class ClockChange(BaseModel):
    """Either an absolute `now` or a relative `advance_days` / `advance_seconds`."""

    now: datetime | None = None
    advance_days: int = 0
    advance_seconds: int = 0


def _admin_router() -> APIRouter:
    router = APIRouter(prefix="/_admin", tags=["admin (test and demo only)"])

    @router.post("/clock")
    async def set_clock(change: ClockChange) -> dict[str, Any]:
        if change.now is not None:
            clock.travel_to(change.now)
        clock.advance(timedelta(days=change.advance_days, seconds=change.advance_seconds))
        return {"now": clock.now().isoformat(), "offset_seconds": clock.offset().total_seconds()}

    @router.get("/clock")
    async def get_clock() -> dict[str, Any]:
        return {"now": clock.now().isoformat(), "offset_seconds": clock.offset().total_seconds()}

    @router.post("/sweep")
    async def sweep(runtime: Runtime) -> dict[str, int]:
        return await runtime.sweep_once()

    return router


def _history_router(service: str, scope: ProjectScope) -> APIRouter:
    router = APIRouter(prefix=f"/api/{service}", tags=["history"])

    @router.get("/projects/{project_id}/history", summary="Decisions, deadlines and audit trail of a project")
    async def history(
        project_id: str,
        request: Request,
        runtime: Runtime,
        principal: CurrentPrincipal,
        include: Annotated[Literal["state"] | None, Query(description=INCLUDE_STATE_DESCRIPTION)] = None,
    ) -> dict[str, Any]:
        schema = runtime.schema
        async with runtime.reading() as uow:
            await scope.ensure(uow, principal, project_id, what="history")
            decisions = (
                (
                    await uow.session.execute(
                        sa.select(schema.decisions)
                        .where(schema.decisions.c.subject == project_id)
                        .order_by(schema.decisions.c.id)
                    )
                )
                .mappings()
                .all()
            )
            deadlines = (
                (
                    await uow.session.execute(
                        sa.select(schema.deadlines)
                        .where(schema.deadlines.c.subject == project_id)
                        .order_by(schema.deadlines.c.id)
                    )
                )
                .mappings()
                .all()
            )
            audit = (
                (
                    await uow.session.execute(
                        sa.select(schema.audit)
                        # the project's trail, not who read it: reads of a secret project are an access log
                        # for the secrecy office (shared.scope), and listing them here would add rows at
                        # every view of the timeline
                        .where(schema.audit.c.subject == project_id, schema.audit.c.action != SECRET_READ)
                        .order_by(schema.audit.c.id)
                    )
                )
                .mappings()
                .all()
            )
        return {
            "service": service,
            "project_id": project_id,
            "decisions": [dict(row) for row in decisions],
            "deadlines": [dict(row) for row in deadlines],
            "audit": [dict(row) for row in audit],
        } | ({"state": await own_stage_view(request, service, project_id)} if include == "state" else {})

    return router


INCLUDE_STATE_DESCRIPTION = (
    "`state`: add the project's stage view (what `GET /projects/{project_id}` answers this caller, or null "
    "when that route refuses or does not know the project), so a composed view costs one request per service."
)


async def own_stage_view(request: Request, service: str, project_id: str) -> Any:
    """This service's own `GET /api/<service>/projects/{project_id}` answered in-process for the same
    caller: the stage route's own checks apply unchanged, and the gateway's timeline needs one request
    per service instead of two. None unless it answers 200."""
    path = f"/api/{service}/projects/{project_id}"
    scope = {
        "type": "http",
        "asgi": request.scope.get("asgi", {"version": "3.0"}),
        "http_version": request.scope.get("http_version", "1.1"),
        "method": "GET",
        "scheme": request.scope.get("scheme", "http"),
        "path": path,
        "raw_path": f"/api/{service}/projects/{quote(project_id, safe='')}".encode(),
        "root_path": request.scope.get("root_path", ""),
        "query_string": b"",
        # Only who is asking: no Prefer: wait, no If-None-Match, so the answer is immediate and whole.
        "headers": [(key, value) for key, value in request.scope["headers"] if key == b"authorization"],
        "client": request.scope.get("client"),
        "server": request.scope.get("server"),
        "state": dict(request.scope.get("state") or {}),
    }
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await request.app(scope, receive, send)
    except Exception:  # the app's error handler has logged it; the history itself still answers
        return None
    if status != 200:
        return None
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        return None


def create_service_app(
    service: str,
    schema: ServiceSchema,
    subscriptions: Subscriptions,
    routers: Sequence[APIRouter],
    *,
    title: str,
    description: str = "",
    sweepers: Sequence[Sweeper] = (),
    scope: ProjectScope,
    settings: Settings | None = None,
    body_limits: Mapping[str, int] | None = None,
) -> FastAPI:
    """`body_limits`: paths whose requests may be larger than settings.max_request_bytes (bulk imports)."""
    settings = settings or load_settings(service)
    logs.configure()
    tracing.configure(service)  # off unless OTEL_EXPORTER_OTLP_ENDPOINT is set
    runtime = ServiceRuntime(settings, schema, subscriptions)
    runtime.sweepers.extend(sweepers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from shared.policy import packs

        packs.load_all()  # a broken pack stops the service here, naming the file, rule and field
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()
            tracing.shutdown()

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.runtime = runtime
    install_problem_handlers(app, settings.database_retry_after_seconds)
    openapi.install(app, principal_dependency=current_principal, oidc_issuer=settings.oidc_issuer, database=True)
    install_body_limit(app, settings.max_request_bytes, body_limits)
    app.add_middleware(RequestLineGuard)  # outside the body limit, inside the metrics (refusals are counted)
    app.add_middleware(HttpMetricsMiddleware, service=service)
    app.add_middleware(logs.RequestIdMiddleware)  # outermost of ours: every line of the request carries the id
    tracing.instrument_app(app)  # outside everything: the server span covers the whole request
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)

    @app.get("/healthz", tags=["health"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get(
        "/readyz",
        tags=["health"],
        summary="Ready when the database and Kafka answer, the consumer consumes and the relay keeps up",
    )
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ready = all(checks.values())
        body = {"ready": ready, "service": service, "checks": checks}
        if runtime.runs_events:
            body["consumer"] = {
                "state": runtime.consumer.state,
                "restarts": runtime.consumer.restarts,
                "lag": runtime.consumer.total_lag,
            }
        return JSONResponse(body, status_code=200 if ready else 503)

    for router in routers:
        app.include_router(router)
    # Every service names its project scope: the history route (and the service's own reads) go through it.
    app.state.scope = scope
    app.include_router(_history_router(service, scope))
    if settings.clock_control:
        app.include_router(_admin_router())
    return app


__all__ = ["Runtime", "ServiceRuntime", "create_service_app", "runtime_of", "sweep_deadlines"]
