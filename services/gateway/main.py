"""The gateway: the one door for people and platforms. Dev token issuer, a reverse proxy to the six
services, the policy API, project timelines and the web front end. It owns no business data.

What it forwards and refuses is in `routing.py`; how much it admits (in flight, rate) in `admission.py`.

`uvicorn services.gateway.main:app`"""

from __future__ import annotations

import importlib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from services.gateway import apidocs, oidc, open_data, routing, timeline
from services.gateway.admission import Bulkhead, RateLimits, all_admitted
from services.gateway.users import DEV_PASSWORD, DEV_USERS
from services.gateway.webapp_serving import mount_front_ends
from shared import logs, tracing
from shared.auth import CurrentPrincipal, Principal, bearer_token, current_principal, issue_token
from shared.errors import Problem, install_problem_handlers
from shared.limits import install_body_limit, multipart_body_limit
from shared.metrics import HttpMetricsMiddleware, metrics_endpoint
from shared.policy.api import router as policy_router
from shared.settings import STAGE_SERVICES, Settings, load_settings
from shared.watch import requested_wait

UPSTREAM_CONNECT_SECONDS = 2.0
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
#: Paths whose upstream takes a larger body than GOVPROJ_MAX_REQUEST_BYTES (catalog's stock import).
PROXIED_BODY_LIMITS = {"/api/catalog/systems/import": 8 * 1024 * 1024}
#: intake's attachment upload: a whole file (settings.attachment_max_bytes) in a multipart body
ATTACHMENT_UPLOAD_PATH = "/api/intake/applications/{project_id}/attachments"


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)


def create_app(settings: Settings | None = None, upstream: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """`upstream`: how to reach the services (tests hand in a mock transport); HTTP by default."""
    settings = settings or load_settings("gateway")
    logs.configure()
    tracing.configure("gateway")  # off unless OTEL_EXPORTER_OTLP_ENDPOINT is set

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from shared.policy import packs

        packs.load_all()
        remember_sniffio_absent()
        timeout = httpx.Timeout(settings.upstream_timeout_seconds, connect=UPSTREAM_CONNECT_SECONDS, pool=1.0)

        def client(connections: int, keepalive: int) -> httpx.AsyncClient:
            # Keep-alive below the services' 75 s so the gateway never reuses a closing connection.
            limits = httpx.Limits(
                max_connections=connections, max_keepalive_connections=keepalive, keepalive_expiry=30.0
            )
            made = httpx.AsyncClient(timeout=timeout, limits=limits, transport=upstream)
            # Each call to a service carries the request's X-Request-ID and (tracing on) its traceparent.
            logs.pass_request_id(made)
            tracing.instrument_client(made)
            return made

        async with AsyncExitStack() as clients:
            # The timelines and /readyz, which call every service. One connection per admitted request at
            # most, so the pool never queues what the bulkheads let through.
            shared = settings.upstream_concurrency * len(STAGE_SERVICES) + settings.waiting_concurrency + 8
            app.state.http = await clients.enter_async_context(client(shared, shared))
            # The proxy: a pool per service. httpcore checks every pooled connection on each request (and
            # each idle one against all the others), so one pool for all six upstreams made every read pay
            # for the connections to the other five (docs/benchmarks.md, "perf-reads").
            per_service = settings.upstream_concurrency + settings.waiting_concurrency + 2
            app.state.upstreams = {
                service: await clients.enter_async_context(client(per_service, settings.upstream_concurrency + 2))
                for service in STAGE_SERVICES
            }
            yield
        tracing.shutdown()

    app = FastAPI(
        title="govproj gateway 政府投资信息化项目管理平台",
        description="The one door to the platform: sign-in, the six stage services, the policy packs and timelines.",
        version="1.0.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.bulkheads = {service: Bulkhead(service, settings.upstream_concurrency) for service in STAGE_SERVICES}
    app.state.timelines = Bulkhead("timeline", settings.timeline_concurrency)
    app.state.waiting = Bulkhead("waiting", settings.waiting_concurrency)
    app.state.rate_limits = RateLimits(
        settings.failed_sign_in_per_address,
        settings.failed_sign_in_per_user,
        settings.writes_per_principal,
        settings.rate_limit_storage,
    )
    install_problem_handlers(app)
    # The services refuse a body over their limit too; refusing it here keeps it out of this process's memory.
    body_limits = {**PROXIED_BODY_LIMITS, ATTACHMENT_UPLOAD_PATH: multipart_body_limit(settings.attachment_max_bytes)}
    install_body_limit(app, settings.max_request_bytes, body_limits)
    app.add_middleware(routing.PathGuard)  # before routing: a refused path reaches no route, file or upstream
    app.add_middleware(HttpMetricsMiddleware, service="gateway")
    app.add_middleware(logs.RequestIdMiddleware)  # accepts or makes the X-Request-ID the services then see
    tracing.instrument_app(app)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    app.include_router(policy_router)
    app.include_router(oidc.router)
    app.include_router(open_data.router)  # public OCDS releases of jurisdictions that publish open data

    install_health_routes(app, settings)
    install_dev_sign_in(app, settings)
    apidocs.install(app, settings)  # /api/openapi.json + /api/docs: every forwarded operation, merged

    @app.get("/api/me", tags=["auth"])
    async def me(principal: CurrentPrincipal) -> Principal:
        return principal

    install_timeline_route(app, settings)
    install_proxy_routes(app, settings)
    mount_front_ends(app)
    return app


def remember_sniffio_absent() -> None:
    """httpcore runs `import sniffio` for every lock, event and shield it sets up, several per proxied
    request; the runtime image does not install sniffio, so each was a failed import that searched
    sys.path again (18% of the gateway's CPU on a read). A None entry in sys.modules turns that failed
    import into a dictionary lookup; httpcore then picks asyncio as it did."""
    try:
        importlib.import_module("sniffio")
    except ImportError:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def install_dev_sign_in(app: FastAPI, settings: Settings) -> None:
    """The seeded users' sign-in, for dev and test only (`Settings.dev_sign_in_enabled`): in production
    it answers 404, saying why."""
    rate_limits: RateLimits = app.state.rate_limits

    def ensure_enabled() -> None:
        if not settings.dev_sign_in_enabled:
            raise Problem(404, "not-found", "Not found", "the dev token issuer is off in production")

    @app.post("/api/auth/token", tags=["auth"], summary="开发环境登录 Dev sign-in (seeded users, not in prod)")
    async def token(body: TokenRequest, request: Request) -> dict[str, Any]:
        ensure_enabled()
        await rate_limits.sign_in_allowed(client_address(request), body.username)
        user = DEV_USERS.get(body.username)
        if user is None or body.password != DEV_PASSWORD:
            await rate_limits.sign_in_failed(client_address(request), body.username)
            raise Problem(401, "unauthorized", "用户名或密码错误 / Wrong username or password", "sign-in failed")
        access_token = issue_token(
            settings.jwt_secret,
            user.username,
            user.roles,
            unit=user.unit,
            name=user.name,
            cleared=user.cleared,
            issuer=settings.jwt_issuer,
        )
        return {
            "access_token": access_token,
            "token_type": "bearer",
            "user": {"username": user.username, "name": user.name, "roles": list(user.roles), "unit": user.unit},
        }

    @app.get("/api/auth/users", tags=["auth"], summary="Seeded dev users (dev only)")
    async def users() -> list[dict[str, Any]]:
        ensure_enabled()
        return [
            {"username": u.username, "name": u.name, "roles": list(u.roles), "unit": u.unit} for u in DEV_USERS.values()
        ]


def client_address(request: Request) -> str:
    # uvicorn has already replaced it with X-Forwarded-For's when the peer is a trusted proxy
    return request.client.host if request.client else "unknown"


def install_health_routes(app: FastAPI, settings: Settings) -> None:
    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    @app.get("/readyz", tags=["health"], summary="Ready when every stage service is ready")
    async def readyz(request: Request) -> JSONResponse:
        client: httpx.AsyncClient = request.app.state.http
        checks: dict[str, bool] = {}
        for service in STAGE_SERVICES:
            try:
                response = await client.get(f"{settings.service_urls[service]}/readyz", timeout=2.0)
                checks[service] = response.status_code == 200
            except httpx.HTTPError:
                checks[service] = False
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "service": "gateway", "checks": checks}, status_code=200 if ready else 503)


def install_timeline_route(app: FastAPI, settings: Settings) -> None:
    @app.get("/api/projects/{project_id}/timeline", tags=["projects"], summary="项目全生命周期时间线")
    async def project_timeline(project_id: str, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
        bulkheads: dict[str, Bulkhead] = request.app.state.bulkheads
        with all_admitted([request.app.state.timelines, *(bulkheads[service] for service in STAGE_SERVICES)]):
            return await timeline.compose(
                request.app.state.http,
                settings.service_urls,
                project_id,
                request.headers.get("authorization", ""),
                patience=upstream_timeout(request, settings),
            )


def install_proxy_routes(app: FastAPI, settings: Settings) -> None:
    """`/api/<service>/<route>` for each stage service, through its bulkhead; writes rate-limited per caller."""
    rate_limits: RateLimits = app.state.rate_limits

    async def proxy(service: str, request: Request) -> Response:
        if "authorization" in request.headers:
            bearer_token(request.headers["authorization"])  # a malformed header is the caller's 401, not a 503
        if request.method not in SAFE_METHODS:
            await rate_limits.write(await writer_key(request))
        waits = requested_wait(request) > 0
        bulkhead: Bulkhead = request.app.state.waiting if waits else request.app.state.bulkheads[service]
        with bulkhead.admitted():
            return await routing.forward(
                request.app.state.upstreams[service],
                settings.service_urls[service],
                service,
                request,
                upstream_timeout(request, settings),
            )

    for service in STAGE_SERVICES:

        def make(service: str = service) -> Callable[[str, Request], Awaitable[Response]]:
            async def forward(path: str, request: Request) -> Response:
                return await proxy(service, request)

            forward.__name__ = f"proxy_{service}"
            return forward

        app.add_api_route(
            f"/api/{service}/{{path:path}}",
            make(),
            methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            include_in_schema=False,
        )


async def writer_key(request: Request) -> str:
    """Whom a write counts against: the token's subject, or the client address for a caller the
    services will refuse anyway (it still costs them a request)."""
    try:
        principal = await current_principal(request)
    except Problem:
        return f"address:{client_address(request)}"
    return f"subject:{principal.subject}"


def upstream_timeout(request: Request, settings: Settings) -> httpx.Timeout:
    """The upstream read timeout, shorter than a client's so the gateway gives up first, lengthened by
    the wait a client asked for (Prefer: wait=N)."""
    return httpx.Timeout(
        settings.upstream_timeout_seconds + requested_wait(request), connect=UPSTREAM_CONNECT_SECONDS, pool=1.0
    )


app = create_app()

__all__ = ["app", "create_app"]
