"""Waiting instead of polling (Prefer: wait + If-None-Match) on a small app over an in-memory store."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI, Request

from shared.errors import install_problem_handlers, not_found
from shared.watch import Arrivals, watched

store: dict[str, dict] = {}
# A recheck longer than any wait below: only a notification can end a wait early.
arrivals = Arrivals(recheck=60)
app = FastAPI()
install_problem_handlers(app)


@app.get("/projects/{project_id}")
async def get_project(project_id: str, request: Request):
    async def read() -> dict:
        if project_id not in store:
            raise not_found("project", project_id)
        return store[project_id]

    return await watched(request, arrivals, project_id, read)


@pytest.fixture
async def client():
    store.clear()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield client


def arrive_later(project_id: str, body: dict) -> asyncio.Task:
    async def later() -> None:
        await asyncio.sleep(0.05)  # lets the request start waiting first
        store[project_id] = body
        arrivals.notify(project_id)

    return asyncio.create_task(later())


async def test_a_plain_get_is_a_conditional_get_with_an_etag(client):
    assert (await client.get("/projects/P-1")).status_code == 404
    store["P-1"] = {"stage": "library"}
    first = await client.get("/projects/P-1")
    assert first.status_code == 200 and first.json() == {"stage": "library"}
    again = await client.get("/projects/P-1", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == first.headers["etag"]


async def test_a_waiting_get_answers_when_the_project_arrives(client):
    task = arrive_later("P-2", {"stage": "review"})
    response = await client.get("/projects/P-2", headers={"Prefer": "wait=10"})
    await task
    assert response.status_code == 200 and response.json() == {"stage": "review"}
    assert response.headers["preference-applied"] == "wait=10"


async def test_a_waiting_get_answers_when_the_project_changes_from_the_given_etag(client):
    store["P-3"] = {"accepted": False}
    etag = (await client.get("/projects/P-3")).headers["etag"]
    task = arrive_later("P-3", {"accepted": True})
    response = await client.get("/projects/P-3", headers={"Prefer": "wait=10", "If-None-Match": etag})
    await task
    assert response.status_code == 200 and response.json() == {"accepted": True}
    assert response.headers["etag"] != etag


async def test_waits_end_with_304_or_404_when_nothing_happens(client):
    store["P-4"] = {"stage": "budget"}
    etag = (await client.get("/projects/P-4")).headers["etag"]
    unchanged = await client.get("/projects/P-4", headers={"Prefer": "wait=0.2", "If-None-Match": etag})
    assert unchanged.status_code == 304
    unknown = await client.get("/projects/P-never", headers={"Prefer": "wait=0.2"})
    assert unknown.status_code == 404 and unknown.json()["status"] == 404


@pytest.mark.parametrize("prefer", ["wait=abc", "wait=-1", "respond-async", "wait"])
async def test_a_malformed_or_other_preference_does_not_wait(client, prefer):
    response = await client.get("/projects/P-none", headers={"Prefer": prefer})
    assert response.status_code == 404 and "preference-applied" not in response.headers


async def test_the_wait_is_capped():
    from starlette.requests import Request as Plain

    from shared.watch import MAX_WAIT_SECONDS, requested_wait

    request = Plain({"type": "http", "headers": [(b"prefer", b"return=minimal, wait=3600")]})
    assert requested_wait(request) == MAX_WAIT_SECONDS
