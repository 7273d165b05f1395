"""Size limits: request bodies at every service's door, and events before they enter the outbox."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import Problem, problem_response


def body_too_large(limit: int) -> Problem:
    return Problem(
        413,
        "payload-too-large",
        "请求体过大 / Request body too large",
        f"the request body exceeds the limit of {limit} bytes; nothing was saved",
        limit_bytes=limit,
    )


def event_too_large(event_type: str, size: int, limit: int) -> Problem:
    """The command would publish an event the bus cannot carry: refused before anything is written."""
    return Problem(
        413,
        "event-too-large",
        "内容过大，无法发布事件 / The change is too large to publish as an event",
        f"the {event_type} event would be {size} bytes, over the bus limit of {limit} bytes; "
        "shorten the text or attach fewer materials; nothing was saved",
        event_type=event_type,
        size_bytes=size,
        limit_bytes=limit,
    )


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a streamed body passes the limit. A FastAPI HTTPException, because
    FastAPI re-raises those from body parsing (anything else it turns into a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body exceeds {limit} bytes")
        self.limit = limit


class BodyLimitMiddleware:
    """Pure ASGI: refuses a declared Content-Length over the limit before reading anything, and counts
    the bytes of a body that declares none (chunked), stopping the read at the limit, so a client
    cannot make a service hold more than `limit` bytes of one request in memory."""

    def __init__(self, app: ASGIApp, limit: int, overrides: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.overrides = dict(overrides or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.overrides.get(scope.get("path", ""), self.limit)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await problem_response(body_too_large(limit))(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # Code that reads the body outside FastAPI's parsing (a raw stream) lets it escape.
            if started:
                raise
            await problem_response(body_too_large(limit))(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server (h11/httptools) refuses a malformed length itself
    return None


def install_body_limit(app: FastAPI, limit: int, overrides: Mapping[str, int] | None = None) -> None:
    """The middleware, and the handler that turns a streamed body's overflow into the same problem.
    `overrides` gives a few named paths (a bulk import) a limit of their own."""

    async def _too_large(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(body_too_large(getattr(exc, "limit", limit)), request)

    app.add_exception_handler(BodyTooLarge, _too_large)
    app.add_middleware(BodyLimitMiddleware, limit=limit, overrides=overrides)


__all__ = ["BodyLimitMiddleware", "BodyTooLarge", "body_too_large", "event_too_large", "install_body_limit"]
