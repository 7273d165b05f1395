"""`Idempotency-Key` on creating POSTs: a retried request gets the first answer, never a second effect."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from fastapi.responses import JSONResponse

from shared import clock
from shared.errors import Problem, bad_request, conflict
from shared.uow import UnitOfWork

if TYPE_CHECKING:
    from shared.auth import Principal
    from shared.service import ServiceRuntime


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


async def replay(uow: UnitOfWork, key: str | None, principal: str, body: Any) -> tuple[int, Any] | None:
    """The stored (status, response) for this key, or None when the key is new (or absent).
    The same key with a different body is a 422: keys name one request."""
    if not key:
        return None
    table = uow.schema.idempotency_keys
    row = (
        await uow.session.execute(
            sa.select(table.c.request_hash, table.c.status_code, table.c.response).where(
                table.c.key == key, table.c.principal == principal
            )
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != request_hash(body):
        raise Problem(
            422,
            "idempotency-key-reused",
            "幂等键已用于另一个请求 / Idempotency-Key reused with a different request",
            f"Idempotency-Key '{key}' was first used with a different body",
        )
    return row.status_code, json.loads(row.response)


async def remember(uow: UnitOfWork, key: str | None, principal: str, body: Any, status: int, response: Any) -> None:
    if not key:
        return
    await uow.session.execute(
        uow.schema.idempotency_keys.insert().values(
            key=key,
            principal=principal,
            request_hash=request_hash(body),
            status_code=status,
            response=json.dumps(response, default=str, ensure_ascii=False),
            created_at=clock.now(),
        )
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
    """Run a creating command once per Idempotency-Key: a retry gets the first answer, never a second
    effect. `action` runs after the replay check in the same transaction and returns the JSON result."""
    if key_required and not key:
        raise bad_request(
            "this request needs an Idempotency-Key header so a retry never acts twice", field="Idempotency-Key"
        )
    try:
        async with runtime.unit_of_work() as uow:
            replayed = await replay(uow, key, principal.subject, body)
            if replayed is not None:
                return JSONResponse(replayed[1], status_code=replayed[0])
            result = await action(uow)
            await remember(uow, key, principal.subject, body, status, result)
    except sa.exc.IntegrityError:
        # A concurrent twin with the same key committed first: answer as it did.
        async with runtime.unit_of_work() as uow:
            replayed = await replay(uow, key, principal.subject, body)
        if replayed is not None:
            return JSONResponse(replayed[1], status_code=replayed[0])
        raise conflict("a concurrent request created the same thing first") from None
    return JSONResponse(result, status_code=status)
