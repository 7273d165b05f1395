"""`Idempotency-Key` on commands: a retried or racing request gets the first answer, never a second effect.

The one path, for every service (draft-ietf-httpapi-idempotency-key-header):
1. `claim` inserts the key row FIRST in the command's own transaction. A twin with the same key that
   arrives while the first is still running blocks on that insert (PostgreSQL waits on the uncommitted
   unique entry; SQLite on its single write lock) until the first commits or rolls back.
2. The command runs; `settle` writes its answer into the key row in the same transaction, so a key
   row is never visible without its answer.
3. A twin that finds the committed row gets that answer replayed: the same status and body, with the
   header `Idempotency-Replayed: true`. The same key with a different body is a 422 problem.
   If the first one failed (a problem, nothing written) its claim rolled back with it and the twin
   runs the command itself, so it gets the same refusal or, if the state changed meanwhile, the
   answer that state gives.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from fastapi.responses import JSONResponse
from sqlalchemy.dialects import postgresql, sqlite

from shared import clock
from shared.errors import Problem, bad_request, conflict
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from shared.auth import Principal
    from shared.service import ServiceRuntime

#: Set on an answer that was replayed from an earlier request with the same key.
REPLAYED_HEADER = "Idempotency-Replayed"
#: status_code of a claimed key whose command has not settled yet (never committed: see `settle`).
_PENDING = 0


@dataclass(frozen=True)
class Answer:
    """What a command answered; an action returns one when its status is not the route's usual one
    (e.g. a refusal committed on purpose)."""

    status: int
    body: Any

    def response(self, *, replayed: bool = False) -> JSONResponse:
        media_type = "application/problem+json" if self.status >= 400 else "application/json"
        headers = {REPLAYED_HEADER: "true"} if replayed else None
        return JSONResponse(self.body, status_code=self.status, media_type=media_type, headers=headers)


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _reused(key: str) -> Problem:
    return Problem(
        422,
        "idempotency-key-reused",
        "幂等键已用于另一个请求 / Idempotency-Key reused with a different request",
        f"Idempotency-Key '{key}' was first used with a different body",
        field="Idempotency-Key",
    )


async def _stored(uow: UnitOfWork, key: str, principal: str, body: Any) -> Answer | None:
    table = uow.schema.idempotency_keys
    row = (
        await uow.session.execute(
            sa.select(table.c.request_hash, table.c.status_code, table.c.response).where(
                table.c.key == key, table.c.principal == principal
            )
        )
    ).first()
    if row is None or row.status_code == _PENDING:
        return None
    if row.request_hash != request_hash(body):
        raise _reused(key)
    return Answer(row.status_code, json.loads(row.response))


async def replay(uow: UnitOfWork, key: str | None, principal: str, body: Any) -> JSONResponse | None:
    """The first answer for this key if one was committed, without claiming the key. Only for a
    command that must do slow work (an HTTP call) before its own transaction, to skip that work on a
    plain retry; the transaction itself still starts with `claim`."""
    if not key:
        return None
    answer = await _stored(uow, key, principal, body)
    return None if answer is None else answer.response(replayed=True)


async def claim(uow: UnitOfWork, key: str | None, principal: str, body: Any) -> JSONResponse | None:
    """Claim `key` for this unit of work (call it before anything else in it), or the replayed first
    answer when a twin already settled it. Waits while a twin holding the key is still running."""
    if not key:
        return None
    table = uow.schema.idempotency_keys
    insert = (postgresql.insert if uow.dialect == "postgresql" else sqlite.insert)(table)
    result = await uow.session.execute(
        insert.values(
            key=key,
            principal=principal,
            request_hash=request_hash(body),
            status_code=_PENDING,
            response="",
            created_at=clock.now(),
        ).on_conflict_do_nothing(index_elements=["key", "principal"])
    )
    # An INSERT answers with a CursorResult (the one that has rowcount); execute() is typed for any statement.
    if cast(sa.CursorResult[Any], result).rowcount == 1:
        return None
    answer = await _stored(uow, key, principal, body)
    if answer is None:  # unreachable while claims commit only settled; kept as a clear refusal
        raise conflict(f"a request with Idempotency-Key '{key}' is still in progress")
    return answer.response(replayed=True)


async def settle(uow: UnitOfWork, key: str | None, principal: str, answer: Answer) -> None:
    """Store the answer in the claimed key row, in the same transaction as the command's effects."""
    if not key:
        return
    table = uow.schema.idempotency_keys
    await uow.session.execute(
        table.update()
        .where(table.c.key == key, table.c.principal == principal)
        .values(status_code=answer.status, response=json.dumps(answer.body, default=str, ensure_ascii=False))
    )


async def run_once(
    runtime: ServiceRuntime,
    key: str | None,
    principal: Principal,
    body: Any,
    action: Callable[[UnitOfWork], Awaitable[Any]],
    *,
    status: int = 201,
    key_required: bool = False,
) -> JSONResponse:
    """Run a command once per Idempotency-Key in one unit of work: claim the key, run `action`,
    settle its answer (its JSON result with `status`, or an `Answer`). A retry or a racing twin gets
    the first answer replayed."""
    if key_required and not key:
        raise bad_request(
            "this request needs an Idempotency-Key header so a retry never acts twice", field="Idempotency-Key"
        )
    try:
        async with runtime.unit_of_work() as uow:
            if (replayed := await claim(uow, key, principal.subject, body)) is not None:
                return replayed
            result = await action(uow)
            answer = result if isinstance(result, Answer) else Answer(status, result)
            await settle(uow, key, principal.subject, answer)
    except sa.exc.IntegrityError:
        # Not a twin (those wait on the key): another request created the same thing first.
        raise conflict("a concurrent request created the same thing first") from None
    return answer.response()
