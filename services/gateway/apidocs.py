"""The integrator's API reference: one OpenAPI at `/api/openapi.json` (and a Swagger UI at `/api/docs`) with
every operation the gateway forwards, merged from the stage services' own documents.

Each service's document is fetched from the upstream (never proxied: the upstream `/openapi.json` also
lists `/healthz`, `/readyz`, `/_admin`, which the gateway does not forward) and cached for a while; only its
public `/api/<service>/` operations are kept, the same rule `routing.upstream_path` applies to requests."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Mapping
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from services.gateway.routing import PRIVATE_SEGMENTS
from shared import openapi
from shared.auth import current_principal
from shared.settings import STAGE_SERVICES, Settings

#: How long a fetched service document is reused; a deploy changes it at most that late in the merged one.
CACHE_SECONDS = 300.0
#: A service that did not answer is asked again after this long rather than at every page view.
RETRY_SECONDS = 10.0
FETCH_TIMEOUT = httpx.Timeout(5.0, connect=2.0, pool=1.0)
OWN_DOCS = ("/api/openapi.json", "/api/docs")
GATEWAY = "gateway"
_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
_REF = "#/components/schemas/"


def forwarded(service: str, path: str) -> bool:
    """Whether the gateway forwards requests for this documented path of `service` (routing.upstream_path)."""
    prefix = f"/api/{service}/"
    if not path.startswith(prefix) or len(path) == len(prefix):
        return False
    return path[len(prefix) :].split("/", 1)[0].lower() not in PRIVATE_SEGMENTS


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {key: _rewrite_refs(value, renames) for key, value in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF) and ref[len(_REF) :] in renames:
            out["$ref"] = _REF + renames[ref[len(_REF) :]]
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _canonical(node: Any) -> str:
    return json.dumps(node, sort_keys=True, ensure_ascii=False)


def _unique_schemas(sources: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Per source, component renames so that a name two services define differently is prefixed with the
    service, while the shared ones (Problem, ProblemViolation…) stay single. Repeated until stable, since
    renaming a schema changes every schema that refers to it."""
    renames: dict[str, dict[str, str]] = {source: {} for source in sources}
    for _ in range(20):
        seen: dict[str, set[str]] = {}
        for source, spec in sources.items():
            for name, schema in spec.get("components", {}).get("schemas", {}).items():
                final = renames[source].get(name, name)
                seen.setdefault(final, set()).add(_canonical(_rewrite_refs(schema, renames[source])))
        clashes = {name for name, bodies in seen.items() if len(bodies) > 1}
        if not clashes:
            return renames
        for source, spec in sources.items():
            for name in spec.get("components", {}).get("schemas", {}):
                if renames[source].get(name, name) in clashes:
                    renames[source][name] = f"{source}_{name}"
    raise RuntimeError("component names of the services could not be made unique")


def merge(sources: Mapping[str, dict[str, Any]], *, title: str, description: str) -> dict[str, Any]:
    """One OpenAPI 3.1 document from the gateway's own (`gateway` key) and the services' documents: the
    gateway's `/api/` operations and each service's forwarded ones, tagged by service."""
    kept: dict[str, dict[str, Any]] = {}
    for source, spec in sources.items():
        paths = {
            path: item
            for path, item in spec.get("paths", {}).items()
            if (path.startswith("/api/") and path not in OWN_DOCS if source == GATEWAY else forwarded(source, path))
        }
        kept[source] = {**spec, "paths": paths}
    renames = _unique_schemas(kept)

    merged: dict[str, Any] = {
        "openapi": next(iter(sources.values())).get("openapi", "3.1.0"),
        "info": {"title": title, "version": "1.0.0", "description": description},
        "paths": {},
        "components": {"schemas": {}, "responses": {}, "securitySchemes": {}},
        "tags": [],
    }
    operation_ids: set[str] = set()
    for source, spec in kept.items():
        components = spec.get("components", {})
        for name, schema in components.get("schemas", {}).items():
            merged["components"]["schemas"][renames[source].get(name, name)] = _rewrite_refs(schema, renames[source])
        merged["components"]["securitySchemes"].update(components.get("securitySchemes", {}))
        merged["components"]["responses"].update(components.get("responses", {}))  # the same shared ones
        for path, item in spec["paths"].items():
            item = _rewrite_refs(copy.deepcopy(item), renames[source])
            for method, operation in item.items():
                if method not in _METHODS:
                    continue
                operation["tags"] = [f"{source} · {tag}" for tag in operation.get("tags") or ["api"]]
                op_id = operation.get("operationId") or f"{method}_{path}"
                if op_id in operation_ids:
                    op_id = f"{source}_{op_id}"
                operation["operationId"] = op_id
                operation_ids.add(op_id)
                if source != GATEWAY:
                    # What the gateway itself adds in front of a service: write rate limits and overload.
                    responses = operation.setdefault("responses", {})
                    if method in {"post", "put", "patch", "delete"}:
                        responses.setdefault("429", openapi.response_ref(429))
                    responses.setdefault("503", openapi.response_ref(503))
            merged["paths"][path] = item
    tags = sorted(
        {
            tag
            for item in merged["paths"].values()
            for op in item.values()
            if isinstance(op, dict)
            for tag in op.get("tags", [])
        }
    )
    merged["tags"] = [{"name": tag} for tag in tags]
    return merged


class ServiceDocs:
    """The services' documents as last fetched, per service."""

    def __init__(self, urls: Mapping[str, str]) -> None:
        self.urls = dict(urls)
        self.fetched: dict[str, tuple[float, dict[str, Any]]] = {}
        self.failed: dict[str, tuple[float, str]] = {}
        self.lock = asyncio.Lock()

    async def _fetch(self, client: httpx.AsyncClient, service: str) -> None:
        try:
            response = await client.get(f"{self.urls[service]}/openapi.json", timeout=FETCH_TIMEOUT)
            response.raise_for_status()
            spec = response.json()
            if not isinstance(spec, dict) or not isinstance(spec.get("paths"), dict):
                raise ValueError("not an OpenAPI document")
        except (httpx.HTTPError, ValueError) as exc:
            self.failed[service] = (time.monotonic(), f"{type(exc).__name__}: {exc}")
            return
        self.fetched[service] = (time.monotonic(), spec)
        self.failed.pop(service, None)

    def _due(self) -> list[str]:
        now = time.monotonic()
        return [
            service
            for service in self.urls
            if (service not in self.fetched or now - self.fetched[service][0] > CACHE_SECONDS)
            and (service not in self.failed or now - self.failed[service][0] > RETRY_SECONDS)
        ]

    async def current(self, client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
        if self._due():
            async with self.lock:  # one refresh at a time; who waited finds it done and fetches nothing
                await asyncio.gather(*(self._fetch(client, service) for service in self._due()))
        # A stale document beats none while its service is away.
        return {service: self.fetched[service][1] for service in self.urls if service in self.fetched}


def install(app: FastAPI, settings: Settings) -> None:
    """The gateway's own document in the platform's shape, and the merged reference at /api/openapi.json."""
    openapi.install(app, principal_dependency=current_principal, oidc_issuer=settings.oidc_issuer, database=False)
    docs = app.state.service_docs = ServiceDocs({s: settings.service_urls[s] for s in STAGE_SERVICES})
    router = APIRouter()

    @router.get("/api/openapi.json", include_in_schema=False)
    async def merged_openapi(request: Request) -> JSONResponse:
        services = await docs.current(request.app.state.http)
        missing = [service for service in STAGE_SERVICES if service not in services]
        description = (
            "Every operation the gateway forwards to the stage services (`/api/<service>/…`) and the gateway's "
            "own (sign-in, policy packs, timelines). Errors are RFC 9457 `application/problem+json`; "
            "authenticate with `Authorization: Bearer <token>`."
        )
        if missing:
            description += f"\n\n**Not listed right now (service unreachable): {', '.join(missing)}.**"
        spec = merge(
            {GATEWAY: request.app.openapi(), **services},
            title="govproj API 政府投资信息化项目管理平台",
            description=description,
        )
        if missing:
            spec["info"]["x-unavailable-services"] = missing
        return JSONResponse(spec)

    @router.get("/api/docs", include_in_schema=False)
    async def merged_docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/api/openapi.json", title="govproj API 接口文档")

    app.include_router(router)


__all__ = ["ServiceDocs", "forwarded", "install", "merge"]
