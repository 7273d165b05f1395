"""How big and what shape any input may be: request bodies at every service's door, events before they enter
the outbox, the sizes and bounded types of every request model (JSON depth, control characters), and the
guard on a request's path and query."""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import PROBLEM_BASE, PROBLEM_MEDIA_TYPE, Problem, problem_response

# --- bodies and events ------------------------------------------------------------------------------


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

    def _limit_of(self, path: str) -> int:
        """An override's key is a path, or a route template whose `{name}` parts match one segment each."""
        if path in self.overrides:
            return self.overrides[path]
        parts = path.split("/")
        for template, limit in self.overrides.items():
            keys = template.split("/")
            if "{" not in template or len(keys) != len(parts):
                continue
            if all(k == p or (k.startswith("{") and k.endswith("}") and p) for k, p in zip(keys, parts, strict=True)):
                return limit
        return self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_of(scope.get("path", ""))
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
    `overrides` gives a few named paths (a bulk import) or route templates (an upload, whose path holds
    an id: "/api/intake/applications/{project_id}/attachments") a limit of their own."""

    async def _too_large(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(body_too_large(getattr(exc, "limit", limit)), request)

    app.add_exception_handler(BodyTooLarge, _too_large)
    app.add_middleware(BodyLimitMiddleware, limit=limit, overrides=overrides)


def multipart_body_limit(max_bytes: int) -> int:
    """The body a file upload of `max_bytes` may need: the file plus the multipart framing."""
    return max_bytes + 64 * 1024


# --- sizes (one place: change a limit here, and every schema and test follows) ------------------------

#: A code or identifier (project id, rule id, tag, kind).
IDENTIFIER_MAX = 100
#: A person's, unit's, system's or document's name, a title.
NAME_MAX = 200
#: A note, reason, comment or description a person types.
TEXT_MAX = 4000
#: A URI of an attached file.
URI_MAX = 2000
#: Items in a list field unless the field says less (materials, findings, documents, tags…).
LIST_MAX = 200
#: A query-string filter value (unit, jurisdiction, status…).
FILTER_MAX = NAME_MAX
#: A pagination cursor as this API hands it out (they are far shorter).
CURSOR_MAX = 512

#: Free-form JSON (an application's `details`): nesting, keys per object, values in all, text in all.
#: 32 levels is far beyond any form a department fills in and far below where parsers and serialisers
#: recurse into trouble (orjson stops at 254, Python's json near 1000).
JSON_DEPTH_MAX = 32
JSON_KEYS_MAX = 200
JSON_NODES_MAX = 5000
#: Characters in all keys and strings together: the document must fit an event well under the
#: broker's 1 MB message limit even in 3-byte UTF-8 (64k characters ≤ 192 kB).
JSON_TEXT_MAX = 64_000

#: The request line: a path and a query string longer than these are not a client of this API.
PATH_MAX = 2048
QUERY_MAX = 8192

# --- characters -------------------------------------------------------------------------------------

# C0 controls, DEL, C1 controls and lone surrogates: they break logs, headers, CSV exports and
# PostgreSQL (NUL), and no department types them. Free text keeps tab, newline and carriage return.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _describe(match: re.Match[str]) -> str:
    return f"U+{ord(match.group()):04X} at position {match.start()}"


def refuse_control(value: str) -> str:
    """A name or identifier: no control character at all (not even a newline)."""
    found = _CONTROL.search(value)
    if found:
        raise ValueError(
            f"不能包含控制字符（含换行）/ "
            f"control characters are not allowed here ({_describe(found)})"
        )
    return value


def refuse_control_in_text(value: str) -> str:
    """Free text: tab, newline and carriage return are fine, any other control character is not."""
    found = _CONTROL_IN_TEXT.search(value)
    if found:
        raise ValueError(
            f"除制表符和换行外不能包含控制字符 / "
            f"control characters other than tab and newline are not allowed ({_describe(found)})"
        )
    return value


class _FreeText:
    """Marks a field whose strings are free text (newlines allowed); see RequestModel."""

    def __repr__(self) -> str:
        return "FREE_TEXT"


FREE_TEXT = _FreeText()


# --- bounded JSON -----------------------------------------------------------------------------------


def check_json(value: Any) -> Any:
    """Refuse a JSON document nested too deep, too wide or too large, or with control characters.

    Iterative on purpose: a recursive walk is exactly what a deeply nested document is built to break."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    nodes = text = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > JSON_NODES_MAX:
            raise ValueError(
                f"内容过多（最多 {JSON_NODES_MAX} 项）/ "
                f"more than {JSON_NODES_MAX} values in all"
            )
        if isinstance(node, dict | list):
            if depth > JSON_DEPTH_MAX:
                raise ValueError(
                    f"嵌套层级过深（最多 {JSON_DEPTH_MAX} 层）/ "
                    f"nested deeper than {JSON_DEPTH_MAX} levels"
                )
            if isinstance(node, dict):
                if len(node) > JSON_KEYS_MAX:
                    raise ValueError(
                        f"字段过多（最多 {JSON_KEYS_MAX} 个）/ "
                        f"an object has more than {JSON_KEYS_MAX} keys"
                    )
                for key, item in node.items():
                    if not isinstance(key, str):
                        raise ValueError("object keys must be strings")
                    text += len(key)
                    refuse_control(key)
                    stack.append((item, depth + 1))
            else:
                if len(node) > JSON_NODES_MAX:
                    raise ValueError(
                        f"列表过长（最多 {JSON_NODES_MAX} 项）/ "
                        f"a list has more than {JSON_NODES_MAX} items"
                    )
                stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, str):
            text += len(node)
            refuse_control_in_text(node)
        elif not (node is None or isinstance(node, bool | int | float)):
            raise ValueError(f"not a JSON value: {type(node).__name__}")
        if text > JSON_TEXT_MAX:
            raise ValueError(
                f"文字过长（合计最多 {JSON_TEXT_MAX} 字）/ "
                f"more than {JSON_TEXT_MAX} characters of text in all"
            )
    return value


#: A free-form JSON object (an application's 申报材料 `details`): bounded in depth, keys, values and text.
Details = Annotated[
    dict[str, Any],
    Field(
        max_length=JSON_KEYS_MAX,
        json_schema_extra={"x-max-depth": JSON_DEPTH_MAX, "x-max-text": JSON_TEXT_MAX},
    ),
    AfterValidator(check_json),
    FREE_TEXT,
]

# --- bounded strings --------------------------------------------------------------------------------

Identifier = Annotated[str, StringConstraints(min_length=1, max_length=IDENTIFIER_MAX), AfterValidator(refuse_control)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX), AfterValidator(refuse_control)]
Uri = Annotated[str, StringConstraints(min_length=1, max_length=URI_MAX), AfterValidator(refuse_control)]
#: Free text (newlines allowed). It carries no bound of its own, because a bound in the type would
#: override the field's: always write `Field(max_length=TEXT_MAX)` or the field's own smaller (or, for a
#: description, larger) bound. tests/unit/test_input_limits.py fails on a string left unbounded.
Text = Annotated[str, AfterValidator(refuse_control_in_text), FREE_TEXT]
#: Free text as an item of a list or a value of a dict, where no Field can bound it: TEXT_MAX.
Paragraph = Annotated[
    str, StringConstraints(max_length=TEXT_MAX), AfterValidator(refuse_control_in_text), FREE_TEXT
]


def _mentions(annotation: Any, marker: object) -> bool:
    """Whether `marker` appears anywhere in a (possibly nested, Annotated, Optional) annotation."""
    pending = [annotation]
    while pending:
        current = pending.pop()
        if current is marker:
            return True
        pending.extend(typing.get_args(current))
        pending.extend(getattr(current, "__metadata__", ()))
    return False


class RequestModel(BaseModel):
    """The base of every request body model: unknown fields are refused, and so is any control character
    in any string of any field, a newline included, unless the field is free text (`Text`, `Details`).
    Sizes are the fields' own (`max_length` on every string, list and dict)."""

    model_config = ConfigDict(extra="forbid")

    _free_text_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._free_text_fields = frozenset(
            name
            for name, field in cls.model_fields.items()
            if FREE_TEXT in field.metadata or _mentions(field.annotation, FREE_TEXT)
        )

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: Any) -> Any:
        check = refuse_control_in_text if info.field_name in cls._free_text_fields else refuse_control
        pending = [value]
        while pending:
            current = pending.pop()
            if isinstance(current, str):
                check(current)
            elif isinstance(current, list | tuple | set | frozenset):
                pending.extend(current)
            elif isinstance(current, dict):
                pending.extend(current.keys())
                pending.extend(current.values())
            # nested models check their own fields; numbers, dates and enums cannot hold a control character
        return value


# --- query parameters -------------------------------------------------------------------------------

#: A filter in the query string (`?unit=…&status=…`).
Filter = Annotated[str | None, Query(max_length=FILTER_MAX)]


# --- the request line -------------------------------------------------------------------------------

class RequestLineGuard:
    """ASGI middleware: a path or query string that is absurdly long (414), or that carries a control
    character, encoded (%00, %0D%0A) or not (400), is refused with a problem before any route sees it.
    Such a value can only be an attack or a broken client, and left through it ends in a log line split
    in two, a header injected into a proxied call or a NUL PostgreSQL cannot store."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = self.refusal(scope)
            if problem is not None:
                body = _json(problem)
                await send(
                    {
                        "type": "http.response.start",
                        "status": problem["status"],
                        "headers": [
                            (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    @staticmethod
    def refusal(scope: Scope) -> dict[str, Any] | None:
        raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
        query = scope.get("query_string", b"")
        for part, raw, limit in (("path", raw_path, PATH_MAX), ("query", query, QUERY_MAX)):
            if len(raw) > limit:
                return {
                    "type": PROBLEM_BASE + "uri-too-long",
                    "title": "请求地址过长 / The request URI is too long",
                    "status": 414,
                    "detail": f"the {part} is {len(raw)} bytes; at most {limit} are accepted",
                    "field": part,
                    "instance": scope.get("path", "")[:200],
                }
            decoded = unquote_to_bytes(raw.replace(b"+", b" ") if part == "query" else raw)
            found = re.search(rb"[\x00-\x1f\x7f]", decoded)
            if found:
                return {
                    "type": PROBLEM_BASE + "control-character",
                    "title": "请求地址含控制字符 / The request URI contains a control character",
                    "status": 400,
                    "detail": f"the {part} contains U+{found.group()[0]:04X}, which no identifier or filter may hold",
                    "field": part,
                }
        return None


def _json(document: dict[str, Any]) -> bytes:
    import json

    return json.dumps(document, ensure_ascii=False).encode()


__all__ = [
    "CURSOR_MAX",
    "FILTER_MAX",
    "FREE_TEXT",
    "IDENTIFIER_MAX",
    "JSON_DEPTH_MAX",
    "JSON_KEYS_MAX",
    "JSON_NODES_MAX",
    "JSON_TEXT_MAX",
    "LIST_MAX",
    "NAME_MAX",
    "PATH_MAX",
    "QUERY_MAX",
    "TEXT_MAX",
    "URI_MAX",
    "BodyLimitMiddleware",
    "BodyTooLarge",
    "Details",
    "Filter",
    "Identifier",
    "Name",
    "RequestLineGuard",
    "RequestModel",
    "Text",
    "Uri",
    "body_too_large",
    "check_json",
    "event_too_large",
    "install_body_limit",
    "multipart_body_limit",
    "refuse_control",
    "refuse_control_in_text",
]
