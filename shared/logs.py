"""Structured logs for every process: one JSON object per line, with plain tracebacks, and on every line
logged while handling a request or an event the ids that tie it to the rest of its path: `request_id` (the
`X-Request-ID` the gateway accepted or generated and passed on), `trace_id`/`span_id` (OpenTelemetry, while
tracing is on, see shared/tracing.py) and `event_id` in a consumer.

structlog renders its own lines; the standard library's loggers (uvicorn, aiokafka, SQLAlchemy, ours) go
through structlog's ProcessorFormatter on the root handler, so they are the same JSON with the same ids.

Plain tracebacks, because a pretty traceback renderer prints every frame's local variables (request bodies,
tokens) and takes seconds per error under load; JSON, because operators ship these lines."""

from __future__ import annotations

import itertools
import logging
import os
import re
import sys
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx
import structlog
from structlog.typing import EventDict, WrappedLogger

from shared import tracing

REQUEST_ID_HEADER = "x-request-id"
#: A caller's request id is kept when it looks like one (a UUID, a ULID, a proxy's token); anything else
#: (too long, spaces, control characters a log line should not carry) is replaced by a fresh one.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=@-]{1,128}")
#: uvicorn's own loggers: uvicorn installs handlers on them that print plain text; ours replace them.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")

_configured = False


def add_trace_ids(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """trace_id and span_id of the active span (nothing when tracing is off or no span is active)."""
    for key, value in tracing.current_ids().items():
        event_dict.setdefault(key, value)
    return event_dict


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def configure(level: int = logging.INFO) -> None:
    global _configured
    if _configured:
        return
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *_shared_processors()],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(ensure_ascii=False),
            ],
        )
    )
    # The root keeps its level (WARNING) unless GOVPROJ_LOG_LEVEL says otherwise: the standard library's INFO
    # lines (httpx logs one per request, aiokafka every rebalance) stay out, as they did when Python's
    # last-resort handler printed warnings only. INFO shows the consumer group's partition assignments.
    root = logging.getLogger()
    root.addHandler(handler)  # added, not replacing: a test harness's capturing handler stays
    if os.environ.get("GOVPROJ_LOG_LEVEL"):
        root.setLevel(os.environ["GOVPROJ_LOG_LEVEL"].upper())
    # uvicorn configured its loggers (levels from --log-level, text handlers) before importing the app: keep
    # the levels, send their lines to the JSON handler above. A logger uvicorn switched off (the access log
    # under --no-access-log: no handler, no propagation) stays off.
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        if logger.handlers:
            logger.handlers = []
            logger.propagate = True
    _configured = True


#: Request ids made here: a random per-process prefix and a counter, 32 hex characters like a UUID's, unique
#: across processes in practice, and without a urandom call per request (uuid4 cost ~10 µs of ~1 ms per request).
_PROCESS_PREFIX = uuid.uuid4().hex[:16]
_made = itertools.count()


def valid_request_id(value: str | None) -> str:
    if value is not None and _REQUEST_ID.fullmatch(value):
        return value
    return f"{_PROCESS_PREFIX}{next(_made) & 0xFFFFFFFFFFFFFFFF:016x}"


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


class RequestIdMiddleware:
    """Accept the caller's `X-Request-ID` or make one; bind it to every log line of the request, put it on
    the request (so the gateway's proxy passes it to the service) and on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self, scope: Scope, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = REQUEST_ID_HEADER.encode()
        incoming = next((value for key, value in scope["headers"] if key == header), None)
        request_id = valid_request_id(incoming.decode("latin-1") if incoming is not None else None)
        if incoming is None or incoming.decode("latin-1") != request_id:
            scope = dict(scope)
            scope["headers"] = [(k, v) for k, v in scope["headers"] if k != header] + [(header, request_id.encode())]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != header]
                message["headers"] = [*headers, (header, request_id.encode())]
            await send(message)

        # bind/reset rather than bound_contextvars(), which copies the whole context twice per request.
        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.reset_contextvars(**tokens)


def current_request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) else None


async def _pass_request_id(request: httpx.Request) -> None:
    request_id = current_request_id()
    if request_id is not None and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = request_id


def pass_request_id(client: httpx.AsyncClient) -> None:
    """Every request `client` sends while handling a request carries that request's `X-Request-ID`."""
    hooks = client.event_hooks
    hooks["request"] = [*hooks.get("request", []), _pass_request_id]
    client.event_hooks = hooks


__all__ = ["RequestIdMiddleware", "configure", "current_request_id", "pass_request_id", "valid_request_id"]
