"""A project's timeline across the six services, composed by the gateway (no service reads another's data)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from shared.settings import STAGE_SERVICES


async def _get(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> tuple[int, Any]:
    try:
        response = await client.get(url, headers=headers)
    except httpx.HTTPError as exc:
        return 503, {"detail": f"unreachable: {exc}"}
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, None


async def compose(
    client: httpx.AsyncClient, urls: dict[str, str], project_id: str, authorization: str
) -> dict[str, Any]:
    headers = {"authorization": authorization} if authorization else {}
    calls = []
    for service in STAGE_SERVICES:
        base = f"{urls[service]}/api/{service}/projects/{project_id}"
        calls.append(_get(client, base, headers))
        calls.append(_get(client, f"{base}/history", headers))
    results = await asyncio.gather(*calls)
    stages: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    unavailable: list[str] = []
    for index, service in enumerate(STAGE_SERVICES):
        (state_status, state), (history_status, history) = results[2 * index], results[2 * index + 1]
        if state_status >= 500 or history_status >= 500:
            unavailable.append(service)
        # Reached when the service answers for the project or already has history for it (state and
        # history are read at the same moment, so one may lead the other by an event).
        has_history = (
            history_status == 200
            and isinstance(history, dict)
            and any(history.get(part) for part in ("audit", "decisions", "deadlines"))
        )
        reached = state_status == 200 or has_history
        stages.append({"service": service, "reached": reached, "state": state if state_status == 200 else None})
        if history_status != 200 or not isinstance(history, dict):
            continue
        for row in history.get("audit", []):
            entries.append(
                {"at": row["at"], "service": service, "kind": "action", "action": row["action"], "actor": row["actor"]}
            )
        for row in history.get("decisions", []):
            entries.append(
                {
                    "at": row["decided_at"],
                    "service": service,
                    "kind": "decision",
                    "action": row["action"],
                    "rule_id": row["rule_id"],
                    "citation": row["citation"],
                    "outcome": row["outcome"],
                    "message_zh": row.get("message_zh"),
                    "message_en": row.get("message_en"),
                    "value": row.get("value"),
                    "actor": row["actor"],
                }
            )
        for row in history.get("deadlines", []):
            entries.append(
                {
                    "at": row["created_at"],
                    "service": service,
                    "kind": "deadline",
                    "rule_id": row["rule_id"],
                    "citation": row["citation"],
                    "due_on": row["due_on"],
                    "status": row["status"],
                }
            )
    entries.sort(key=lambda entry: entry["at"])
    reached = [s for s in stages if s["reached"]]
    current = None
    if reached:
        last = reached[-1]
        state = last["state"] or {}
        current = {"service": last["service"], "stage": state.get("stage") or state.get("status")}
    return {
        "project_id": project_id,
        "current": current,
        "stages": stages,
        "entries": entries,
        "unavailable": unavailable,
    }
