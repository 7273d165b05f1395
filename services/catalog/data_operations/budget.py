"""Paying a task through budget (`POST /api/budget/data-operation-payments`), the one HTTP call catalog
makes; budget's answers become catalog's problems (never a 500; budget unreachable is a 503)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from shared.errors import Problem

PATH = "/api/budget/data-operation-payments"
TIMEOUT = httpx.Timeout(10.0)
#: tests route the call to an in-process budget app (httpx.ASGITransport); None: the network
TRANSPORT: httpx.AsyncBaseTransport | None = None


@dataclass(frozen=True)
class Paid:
    status: int  # 201 paid now | 409 paid before
    body: dict[str, Any]


async def pay(base_url: str, authorization: str, idempotency_key: str, body: dict[str, Any]) -> Paid:
    headers = {"authorization": authorization, "idempotency-key": idempotency_key}
    try:
        async with httpx.AsyncClient(base_url=base_url, transport=TRANSPORT, timeout=TIMEOUT) as client:
            response = await client.post(PATH, json=body, headers=headers)
    except httpx.HTTPError as error:
        raise unavailable(f"budget did not answer: {type(error).__name__}") from None
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code in (200, 201, 409):
        return Paid(response.status_code, answer)
    if response.status_code in (400, 403, 404, 422):
        extensions = {k: v for k, v in answer.items() if k not in ("type", "title", "status", "detail", "instance")}
        kind = str(answer.get("type", "")).rsplit("/", 1)[-1] or "budget-refused"
        raise Problem(
            response.status_code,
            kind,
            answer.get("title", "budget refused the payment"),
            answer.get("detail"),
            upstream="budget",
            **extensions,
        )
    raise unavailable(f"budget answered {response.status_code}")


def unavailable(detail: str) -> Problem:
    return Problem(503, "dependency-unavailable", "预算服务暂不可用 / Budget is unavailable", detail, upstream="budget")
