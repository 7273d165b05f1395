"""A project's timeline across the six services, composed by the gateway (no service reads another's data).

One request per service, all six at once: each service's `/projects/{id}/history?include=state` answers
its decisions, deadlines and audit with its stage view, under the caller's own token, so every
service applies its own scope. What a service refuses (403/404) the caller may not see: every project
starts in intake, so its refusal refuses the whole timeline (a 404 there is a project that does not
exist, or one hidden from this caller); another service's refusal leaves its part out (a 403 is
listed in `withheld`; a 404 reads as a stage not reached)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import httpx

from shared.errors import Problem
from shared.settings import STAGE_SERVICES

OWNER = "intake"  # where every project starts; its answer says whether the caller may see the project
REFUSED = {401, 403, 404}


async def _get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], patience: httpx.Timeout | None
) -> tuple[int, Any]:
    try:
        response = await client.get(url, headers=headers, params={"include": "state"}, timeout=patience)
    except httpx.HTTPError as exc:
        return 503, {"detail": f"unreachable: {type(exc).__name__} {exc}"}
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, None


def _refusal(status: int, body: Any, project_id: str) -> Problem:
    detail = body.get("detail") if isinstance(body, dict) else None
    if status == 404:
        return Problem(404, "not-found", "项目不存在 / Project not found", f"no project '{project_id}'")
    if status == 401:
        return Problem(401, "unauthorized", "需要有效的身份令牌 / A valid bearer token is required", detail)
    return Problem(403, "forbidden", "无权查看 / You may not see this project", detail or "intake refused")


async def compose(
    client: httpx.AsyncClient,
    urls: dict[str, str],
    project_id: str,
    authorization: str,
    *,
    patience: httpx.Timeout | None = None,
) -> dict[str, Any]:
    headers = {"authorization": authorization} if authorization else {}
    quoted = quote(project_id, safe="")  # an id is one path segment, whatever it holds
    results = await asyncio.gather(
        *(
            _get(client, f"{urls[service]}/api/{service}/projects/{quoted}/history", headers, patience)
            for service in STAGE_SERVICES
        )
    )
    answers = dict(zip(STAGE_SERVICES, results, strict=True))
    owner_status, owner_body = answers[OWNER]
    if owner_status in REFUSED:
        raise _refusal(owner_status, owner_body, project_id)
    stages: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    unavailable: list[str] = []
    withheld: list[str] = []
    for service, (status, history) in answers.items():
        if status >= 500:
            unavailable.append(service)
        elif status in {401, 403}:
            withheld.append(service)
        if status != 200 or not isinstance(history, dict):
            stages.append({"service": service, "reached": False, "state": None})
            continue
        state = history.get("state")
        # Reached when the service answers for the project or already has history for it (state and
        # history are read a moment apart, so one may lead the other by an event).
        has_history = any(history.get(part) for part in ("audit", "decisions", "deadlines"))
        stages.append({"service": service, "reached": state is not None or has_history, "state": state})
        entries.extend(_entries(service, history))
    if not any(stage["reached"] for stage in stages) and not unavailable:
        raise _refusal(404, None, project_id)
    entries.sort(key=lambda entry: entry["at"])
    current = None
    # The project is at the last stage that holds a state for it. A later stage may already have history
    # without one (catalog opens its monitoring deadline when the contract is signed), which made the strip
    # say 系统目录 while the project waited for its trial run.
    with_state = [s for s in stages if s["state"] is not None] or [s for s in stages if s["reached"]]
    if with_state:
        last = with_state[-1]
        state = last["state"] or {}
        current = {"service": last["service"], "stage": state.get("stage") or state.get("status")}
    return {
        "project_id": project_id,
        "current": current,
        "stages": stages,
        "entries": entries,
        "unavailable": unavailable,
        "withheld": withheld,
    }


def _entries(service: str, history: dict[str, Any]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
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
    return entries
