"""The composed timeline's current stage: the last service holding a state for the project, not the last one
with history (issue 17: after a contract the strip said 系统目录 while the project was 待试运行)."""

from __future__ import annotations

import httpx

from services.gateway import timeline
from shared.settings import STAGE_SERVICES

URLS = {service: f"http://{service}" for service in STAGE_SERVICES}
DEADLINE = {
    "created_at": "2026-11-02T08:00:00",
    "rule_id": "catalog.monitoring_report",
    "citation": "dazhou:第五十一条",
    "due_on": "2026-12-31",
    "status": "open",
}


def upstream(states: dict[str, dict], histories: dict[str, dict]) -> httpx.AsyncClient:
    """Each service's `/projects/{id}/history?include=state`: its history with its stage view (None when the
    service holds no state for the project); a service that knows nothing of the project answers 404."""

    def answer(request: httpx.Request) -> httpx.Response:
        service = request.url.host
        if service not in states and service not in histories:
            return httpx.Response(404, json={"title": "not found"})
        history = {"audit": [], "decisions": [], "deadlines": [], **histories.get(service, {})}
        return httpx.Response(200, json={**history, "state": states.get(service)})

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


async def test_a_contracted_project_is_waiting_for_its_trial_run_even_when_catalog_has_a_deadline():
    states = {
        "intake": {"status": "admitted", "stage": "library"},
        "review": {"stage": "approved"},
        "budget": {"stage": "estimate_approved"},
        "procurement": {"stage": "contracted"},
        "acceptance": {"stage": "contracted"},
    }
    histories = {"catalog": {"audit": [], "decisions": [], "deadlines": [DEADLINE]}}
    async with upstream(states, histories) as client:
        composed = await timeline.compose(client, URLS, "P-1", "Bearer x")
    assert composed["current"] == {"service": "acceptance", "stage": "contracted"}
    catalog = next(stage for stage in composed["stages"] if stage["service"] == "catalog")
    assert catalog["reached"] is True and catalog["state"] is None  # its deadline is still shown in the timeline
    assert any(entry["service"] == "catalog" and entry["kind"] == "deadline" for entry in composed["entries"])


async def test_a_project_known_only_by_history_still_has_a_current_stage():
    histories = {"intake": {"audit": [{"at": "2026-11-01T00:00:00", "action": "application.created", "actor": "edu"}]}}
    async with upstream({}, histories) as client:
        composed = await timeline.compose(client, URLS, "P-2", "")
    assert composed["current"] == {"service": "intake", "stage": None}
