"""Waiting for a project to arrive or change, instead of polling: a GET may carry RFC 7240's
`Prefer: wait=N` (seconds, at most MAX_WAIT_SECONDS). With `If-None-Match: <ETag>` the answer comes
when the project's representation differs from that ETag, or as 304 when N seconds pass; without it,
a project this service has not heard of yet is awaited for up to N seconds before the 404.

A platform integrating with govproj learns in one request that, say, budget has received an approved
project. The process that handles the project's events wakes the waiting requests when it commits;
every answer is read afresh from the database, so a missed wake-up costs time, never a wrong answer."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.requests import Request

from shared.errors import Problem

MAX_WAIT_SECONDS = 30.0

#: The OpenAPI description of every GET that waits this way.
WATCH_DESCRIPTION = (
    "Answers with an `ETag`. Send `Prefer: wait=N` (seconds, at most 30, RFC 7240) to wait instead of "
    "polling: with `If-None-Match` the answer comes when the project differs from that ETag, or as 304 "
    "after N seconds; without it, a project this service has not received yet is awaited for up to N "
    "seconds before the 404. 可用 `Prefer: wait=N` 等待项目到达或变化，无需轮询。"
)
_WAIT = re.compile(r"(?:^|[,;\s])wait\s*=\s*\"?(\d+(?:\.\d+)?)\"?", re.IGNORECASE)


def requested_wait(request: Request) -> float:
    """Seconds from `Prefer: wait=N`, capped; 0 when absent or malformed (a preference, not a demand)."""
    match = _WAIT.search(",".join(request.headers.getlist("prefer")))
    return min(float(match.group(1)), MAX_WAIT_SECONDS) if match else 0.0


class Arrivals:
    """Requests waiting on a subject (project id), woken when this process commits a change to it.
    `recheck` bounds each wait for changes committed elsewhere (an API process beside its worker)."""

    def __init__(self, recheck: float) -> None:
        self.recheck = recheck
        self._waiting: dict[str, set[asyncio.Future[None]]] = {}

    def expect(self, subject: str) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(subject, set()).add(future)
        return future

    def forget(self, subject: str, future: asyncio.Future[None]) -> None:
        waiting = self._waiting.get(subject)
        if waiting is not None:
            waiting.discard(future)
            if not waiting:
                del self._waiting[subject]

    def notify(self, subject: str) -> None:
        for future in self._waiting.pop(subject, ()):
            if not future.done():
                future.set_result(None)


def _etag(body: Any) -> str:
    digest = hashlib.blake2b(json.dumps(body, sort_keys=True, ensure_ascii=False).encode(), digest_size=12)
    return f'"{digest.hexdigest()}"'


async def watched(request: Request, arrivals: Arrivals, subject: str, read: Callable[[], Awaitable[Any]]) -> Response:
    """Answer a GET with `read()` (which raises the 404 problem while the subject is unknown), an
    ETag, and the waiting described above. Without `Prefer: wait` it is a plain conditional GET."""
    wait = requested_wait(request)
    known = request.headers.get("if-none-match")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    applied = {"Preference-Applied": f"wait={wait:g}"} if wait else {}
    while True:
        # Registered before the read: a change committed between the read and the wait still wakes it.
        arrival = arrivals.expect(subject) if wait else None
        try:
            missing: Problem | None = None
            try:
                result = await read()
            except Problem as problem:
                if problem.status != 404 or not wait:
                    raise
                missing = problem
            if missing is None:
                body = result.model_dump(mode="json") if isinstance(result, BaseModel) else jsonable_encoder(result)
                etag = _etag(body)
                if etag != known:
                    return JSONResponse(body, headers={"ETag": etag, **applied})
            remaining = deadline - loop.time()
            if remaining <= 0:
                if missing is not None:
                    raise missing
                return Response(status_code=304, headers={"ETag": etag, **applied})
            # Only reached with a wait (without one the deadline has passed), so `arrival` was registered.
            assert arrival is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(arrival), timeout=min(remaining, arrivals.recheck))
        finally:
            if arrival is not None:
                arrivals.forget(subject, arrival)
