"""The gateway: the one door for people and platforms. Dev token issuer, a reverse proxy to the six
services, the policy API, project timelines and the web front end. It owns no business data.

`uvicorn services.gateway.main:app`"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from services.gateway import oidc, timeline
from services.gateway.users import DEV_PASSWORD, DEV_USERS
from shared import logs
from shared.auth import CurrentPrincipal, Principal, bearer_token, issue_token
from shared.errors import Problem, install_problem_handlers
from shared.metrics import HttpMetricsMiddleware, metrics_endpoint
from shared.policy.api import router as policy_router
from shared.settings import STAGE_SERVICES, Settings, load_settings
from shared.watch import requested_wait

WEB_ROOT = Path(__file__).parent / "web"
UPSTREAM_READ_SECONDS = 15.0
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host", "content-length"}


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings("gateway")
    logs.configure()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from shared.policy import packs

        packs.load_all()
        limits = httpx.Limits(max_connections=200, keepalive_expiry=30.0)  # below the services' 75 s keep-alive
        async with httpx.AsyncClient(
            timeout=httpx.Timeout(UPSTREAM_READ_SECONDS, connect=3.0), limits=limits
        ) as client:
            app.state.http = client
            yield

    app = FastAPI(
        title="govproj gateway 政府投资信息化项目管理平台",
        description="The one door to the platform: sign-in, the six stage services, the policy packs and timelines.",
        version="1.0.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.add_middleware(HttpMetricsMiddleware, service="gateway")
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    app.include_router(policy_router)
    app.include_router(oidc.router)

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

    @app.post("/api/auth/token", tags=["auth"], summary="开发环境登录 Dev sign-in (seeded users, not in prod)")
    async def token(body: TokenRequest) -> dict[str, Any]:
        if settings.env == "prod":
            raise Problem(404, "not-found", "Not found", "the dev token issuer is off in production")
        user = DEV_USERS.get(body.username)
        if user is None or body.password != DEV_PASSWORD:
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
        if settings.env == "prod":
            raise Problem(404, "not-found", "Not found", "the dev users are off in production")
        return [
            {"username": u.username, "name": u.name, "roles": list(u.roles), "unit": u.unit} for u in DEV_USERS.values()
        ]

    @app.get("/api/me", tags=["auth"])
    async def me(principal: CurrentPrincipal) -> Principal:
        return principal

    @app.get("/api/projects/{project_id}/timeline", tags=["projects"], summary="项目全生命周期时间线")
    async def project_timeline(project_id: str, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
        composed = await timeline.compose(
            request.app.state.http, settings.service_urls, project_id, request.headers.get("authorization", "")
        )
        if not any(stage["reached"] for stage in composed["stages"]) and not composed["unavailable"]:
            raise Problem(
                404, "not-found", "项目不存在 / Project not found", f"no service knows project '{project_id}'"
            )
        return composed

    async def proxy(service: str, path: str, request: Request) -> Response:
        if "authorization" in request.headers:
            bearer_token(request.headers["authorization"])  # a malformed header is the caller's 401, not a 503
        client: httpx.AsyncClient = request.app.state.http
        url = f"{settings.service_urls[service]}/api/{service}/{path}"
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        try:
            upstream = await client.request(
                request.method,
                url,
                params=request.query_params,
                headers=headers,
                content=await request.body(),
                timeout=upstream_timeout(request),
            )
        except httpx.HTTPError as exc:
            raise Problem(
                503, "service-unavailable", f"{service} 服务暂不可用 / {service} is unavailable", str(exc)
            ) from exc
        passed = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP | {"content-encoding"}}
        return Response(upstream.content, status_code=upstream.status_code, headers=passed)

    for service in STAGE_SERVICES:

        def make(service: str = service):
            async def forward(path: str, request: Request) -> Response:
                return await proxy(service, path, request)

            forward.__name__ = f"proxy_{service}"
            return forward

        app.add_api_route(
            f"/api/{service}/{{path:path}}",
            make(),
            methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            include_in_schema=False,
        )

    if WEB_ROOT.is_dir():
        app.mount("/", StaticFiles(directory=WEB_ROOT, html=True), name="web")
    return app


def upstream_timeout(request: Request) -> httpx.Timeout:
    """The proxy's usual read timeout, lengthened by the wait a client asked for (Prefer: wait=N)."""
    return httpx.Timeout(UPSTREAM_READ_SECONDS + requested_wait(request), connect=3.0)


app = create_app()

__all__ = ["app", "create_app"]
