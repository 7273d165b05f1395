"""Experts for an acceptance panel, drawn from review's expert pool over HTTP (fengxian:第二十五条)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from shared.errors import Problem

PURPOSE = "acceptance"


@dataclass(frozen=True)
class DrawRequest:
    project_id: str
    unit: str
    vendors: list[str]
    fields: list[str]
    count: int
    idempotency_key: str


@dataclass(frozen=True)
class Draw:
    draw_id: str
    seed: Any
    experts: list[dict[str, Any]] = field(default_factory=list)


class ExpertPool(Protocol):
    async def draw(self, request: DrawRequest) -> Draw: ...


def unavailable(detail: str) -> Problem:
    return Problem(
        503,
        "expert-pool-unavailable",
        "专家库暂不可用 / The expert pool is unavailable",
        detail,
        dependency="review",
    )


class ReviewExpertPool:
    """`POST {review}/api/review/expert-draws` with the caller's bearer token."""

    def __init__(self, base_url: str, authorization: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.authorization = authorization
        self.transport = transport

    async def draw(self, request: DrawRequest) -> Draw:
        body = {
            "project_id": request.project_id,
            "unit": request.unit,
            "vendors": request.vendors,
            "fields": request.fields,
            "count": request.count,
            "purpose": PURPOSE,
        }
        headers = {"authorization": self.authorization, "Idempotency-Key": request.idempotency_key}
        try:
            async with httpx.AsyncClient(base_url=self.base_url, timeout=10, transport=self.transport) as client:
                response = await client.post("/api/review/expert-draws", json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise unavailable(f"review did not answer the expert draw: {exc.__class__.__name__}") from exc
        if response.status_code in (404, 405, 501) or response.status_code >= 500:
            raise unavailable(f"review answered the expert draw with {response.status_code}")
        if response.status_code >= 400:
            # review refused (e.g. too few experts outside the unit and vendors): pass its reason on
            try:
                reason = response.json()
            except ValueError:
                reason = {"detail": response.text[:500]}
            raise Problem(
                422,
                "expert-draw-refused",
                "专家抽取未成功 / The expert draw was refused",
                str(reason.get("detail") or reason.get("title") or response.status_code),
                review=reason,
            )
        try:
            data = response.json()
            return Draw(draw_id=str(data["draw_id"]), seed=data.get("seed"), experts=list(data.get("experts") or []))
        except (ValueError, KeyError, TypeError) as exc:
            raise unavailable("review's expert draw answer was not understood") from exc


def expert_member(expert: dict[str, Any]) -> dict[str, Any]:
    """A drawn expert as a panel member (review's shape is read tolerantly)."""
    name = expert.get("name") or expert.get("display_name") or str(expert.get("id") or expert.get("expert_id") or "")
    return {
        "role": "expert",
        "name": name,
        "expert_id": str(expert.get("id") or expert.get("expert_id") or name),
        "field": expert.get("field") or expert.get("fields"),
    }
