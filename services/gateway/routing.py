"""What the gateway forwards: raw paths checked before any routing, and only `/api/<service>/…` proxied.

A stage service answers its public API under `/api/<service>/`; its `/metrics`, `/docs`,
`/openapi.json`, `/healthz` and `/_admin` live beside that prefix. The gateway forwards the caller's
raw path, which it has checked holds no way out of the prefix: no `.`/`..` segment, no encoded `/`,
`\\` or `.`, no control character, also not double-encoded. It never rebuilds a URL from the decoded
path, where `%2F` became a separator and `%3F` a query (issue 15, defect 6)."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

import httpx
from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.errors import Problem, problem_response

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host", "content-length"}

# In the raw path: an encoded '.', '/' or '\' (also as %25xx, decoded twice by some servers).
_ENCODED_SEPARATOR = re.compile(rb"%(?:25)*(?:2e|2f|5c)", re.IGNORECASE)
_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")
#: Names an upstream serves beside its API; refused even as the first segment after the prefix, so
#: a service that one day mounts one of them under /api/<service>/ does not expose it by accident.
PRIVATE_SEGMENTS = frozenset({"metrics", "docs", "redoc", "openapi.json", "_admin", "healthz", "readyz"})


def path_refusal(raw_path: bytes) -> str | None:
    """Why a raw request path is refused, or None. Checks the raw bytes and the path decoded once
    and twice, so neither `%2e%2e` nor `%252e%252e` nor `%00` reaches a route."""
    if b"\\" in raw_path:
        return "a backslash in the path"
    if _ENCODED_SEPARATOR.search(raw_path):
        return "an encoded '.', '/' or '\\' (%2E, %2F, %5C) in the path"
    decoded = raw_path
    for _ in range(3):
        if _CONTROL.search(decoded):
            return "a control character (NUL, CR, LF, …) in the path"
        if b"\\" in decoded:
            return "a backslash in the path"
        if any(segment in (b".", b"..") for segment in decoded.split(b"/")):
            return "a '.' or '..' segment in the path"
        once = unquote_to_bytes(decoded)
        if once == decoded:
            return None
        decoded = once
    return "a path encoded more than twice"


def bad_path(reason: str) -> Problem:
    return Problem(400, "bad-path", "请求路径无效 / The request path is not allowed", reason, rule="path")


class PathGuard:
    """Pure ASGI middleware: a 400 problem for a refused path before routing, static files or proxying."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
            reason = path_refusal(raw)
            if reason is not None:
                await problem_response(bad_path(reason))(scope, receive, send)
                return
        await self.app(scope, receive, send)


def upstream_path(service: str, request: Request) -> str:
    """The path to ask `service` for: the caller's raw path, which must stay under /api/<service>/."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    prefix = f"/api/{service}/".encode()
    reason = path_refusal(raw)
    if reason is not None:
        raise bad_path(reason)
    if not raw.startswith(prefix) or len(raw) == len(prefix):
        raise bad_path(f"only /api/{service}/<route> is forwarded")
    first = unquote_to_bytes(raw[len(prefix) :].split(b"/", 1)[0]).decode("utf-8", "replace").lower()
    if first in PRIVATE_SEGMENTS:
        raise Problem(404, "not-found", "Not found", f"/api/{service}/{first} is not a public route")
    return raw.decode("ascii", "strict") if raw.isascii() else raw.decode("utf-8")


async def forward(
    client: httpx.AsyncClient, base_url: str, service: str, request: Request, patience: httpx.Timeout
) -> Response:
    """Send the request on to `service` and hand back its answer; an unreachable or slow service is a
    503 problem, never a 500."""
    url = base_url + upstream_path(service, request)
    raw_query = request.scope.get("query_string", b"")
    if raw_query:
        url = f"{url}?{raw_query.decode('latin-1')}"
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    try:
        upstream = await client.request(
            request.method, url, headers=headers, content=await request.body(), timeout=patience
        )
    except httpx.InvalidURL as exc:
        raise bad_path(f"the path cannot be forwarded: {exc}") from exc
    except httpx.HTTPError as exc:
        raise Problem(
            503,
            "service-unavailable",
            f"{service} 服务暂不可用 / {service} is unavailable",
            f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
            headers={"Retry-After": "1"},
        ) from exc
    passed = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP | {"content-encoding"}}
    return Response(upstream.content, status_code=upstream.status_code, headers=passed)
