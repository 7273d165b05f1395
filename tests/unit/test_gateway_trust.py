"""The gateway against hostile paths and load, in-process with a mock upstream: traversal and control
characters refused before proxying, only /api/<service>/ public routes forwarded, bounded requests in
flight (503 + Retry-After at once), the timeline in one parallel call per service, 401 with
WWW-Authenticate, and the sign-in and write rate limits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

import httpx
import pytest

from services.gateway.main import create_app
from shared.auth import Role, issue_token
from shared.settings import STAGE_SERVICES, Settings

SECRET = "gateway-unit-test-secret-32-bytes-long"
URLS = {name: f"http://{name}.upstream" for name in ("gateway", *STAGE_SERVICES)}

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


@dataclass
class Upstream:
    """A mock of the six services: records every request, answers with `handler`."""

    handler: Handler | None = None
    seen: list[httpx.Request] = field(default_factory=list)

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if self.handler is not None:
            return await self.handler(request)
        return httpx.Response(200, json={"path": request.url.raw_path.decode()})

    def service_of(self, request: httpx.Request) -> str:
        return request.url.host.removesuffix(".upstream")


@dataclass
class Gateway:
    app: object
    upstream: Upstream
    client: httpx.AsyncClient

    async def raw(self, method: str, raw_path: bytes, headers: dict[str, str] | None = None, body: bytes = b""):
        """Call the app with exactly `raw_path`, as uvicorn would hand it over (httpx would normalise
        `..` and re-encode on the way)."""
        path_part, _, query = raw_path.partition(b"?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": unquote_to_bytes(path_part).decode("utf-8", "surrogateescape"),
            "raw_path": path_part,
            "root_path": "",
            "query_string": query,
            "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
            "client": ("127.0.0.1", 50000),
            "server": ("gateway", 80),
        }
        sent: dict = {"status": 0, "headers": [], "body": b""}

        async def receive() -> dict:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                sent["status"], sent["headers"] = message["status"], message.get("headers", [])
            elif message["type"] == "http.response.body":
                sent["body"] += message.get("body", b"")

        await self.app(scope, receive, send)
        headers_out = {k.decode().lower(): v.decode() for k, v in sent["headers"]}
        return sent["status"], headers_out, sent["body"]


def token(role: Role = Role.DATA_BUREAU, subject: str = "bureau", unit: str | None = None) -> str:
    return issue_token(SECRET, subject, [role], unit=unit)


def bearer(role: Role = Role.DATA_BUREAU, subject: str = "bureau") -> dict[str, str]:
    return {"authorization": f"Bearer {token(role, subject)}"}


@pytest.fixture
def make_gateway():
    @asynccontextmanager
    async def make(**overrides) -> AsyncIterator[Gateway]:
        upstream = Upstream()
        settings = Settings(service="gateway", jwt_secret=SECRET, service_urls=URLS, **overrides)
        app = create_app(settings, upstream=httpx.MockTransport(upstream))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("10.0.0.7", 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
                yield Gateway(app, upstream, client)

    return make


@pytest.fixture
async def gateway(make_gateway) -> AsyncIterator[Gateway]:
    async with make_gateway() as made:
        yield made


# --- paths ---------------------------------------------------------------------------------------

TRAVERSALS = [
    b"/api/intake/..%2F..%2Fmetrics",
    b"/api/intake/..%2f..%2fopenapi.json",
    b"/api/intake/%2e%2e/%2e%2e/metrics",
    b"/api/intake/%2E%2E%2F_admin/clock",
    b"/api/intake/../../metrics",
    b"/api/intake/./applications",
    b"/api/intake/applications/..",
    b"/api/intake/%252e%252e%252fmetrics",
    b"/api/intake/..%5c..%5cmetrics",
    b"/api/intake/..\\..\\metrics",
    b"/api/intake/applications/P-1%00",
    b"/api/intake/applications/P-1%0d%0aX-Injected:%201",
    b"/api/intake/applications/P-1%0a",
    b"/api/projects/P-1%00/timeline",
    b"/api/projects/P-1%0D%0A/timeline",
    b"/api/projects/..%2F..%2Fmetrics/timeline",
    b"/api/intake/applications/%2500",
    b"/%2e%2e/etc/passwd",
]


@pytest.mark.parametrize("raw_path", TRAVERSALS, ids=lambda p: p.decode("latin-1"))
async def test_traversal_and_control_characters_are_a_400_problem_before_any_upstream_call(gateway, raw_path):
    for headers in ({}, bearer()):
        status, response_headers, body = await gateway.raw("GET", raw_path, headers)
        assert status == 400, (raw_path, status, body)
        assert response_headers["content-type"] == "application/problem+json"
        problem = json.loads(body)
        assert problem["type"].endswith("/bad-path") and problem["detail"]
    assert gateway.upstream.seen == []


@pytest.mark.parametrize("segment", ["metrics", "openapi.json", "docs", "redoc", "_admin/clock", "healthz", "readyz"])
async def test_an_upstreams_private_routes_are_never_forwarded(gateway, segment):
    for method in ("GET", "POST"):
        status, _, body = await gateway.raw(method, f"/api/intake/{segment}".encode(), bearer())
        assert status == 404, body
    assert gateway.upstream.seen == []


async def test_a_public_route_is_forwarded_with_its_raw_path_and_query(gateway):
    status, _, body = await gateway.raw("GET", b"/api/budget/projects/P-1%3Fx/history?include=state&a=%20b", bearer())
    assert status == 200, body
    (request,) = gateway.upstream.seen
    assert request.url.host == "budget.upstream"
    # %3F stays inside the id (decoded it would have started a query string of the gateway's making)
    assert request.url.raw_path == b"/api/budget/projects/P-1%3Fx/history?include=state&a=%20b"


async def test_an_upstream_that_times_out_is_a_503_with_retry_after_and_the_read_timeout_is_the_settings(
    make_gateway,
):
    async with make_gateway(upstream_timeout_seconds=2.5) as gateway:

        async def slow(request: httpx.Request) -> httpx.Response:
            assert request.extensions["timeout"]["read"] == 2.5
            raise httpx.ReadTimeout("upstream too slow", request=request)

        gateway.upstream.handler = slow
        response = await gateway.client.get("/api/review/projects/P-1", headers=bearer())
        assert response.status_code == 503 and response.headers["retry-after"] == "1"
        assert response.json()["type"].endswith("/service-unavailable")
        assert len(gateway.upstream.seen) == 1


# --- load ----------------------------------------------------------------------------------------


async def test_a_saturated_upstream_sheds_at_once_with_503_and_retry_after(make_gateway):
    async with make_gateway(upstream_concurrency=3) as gateway:
        release = asyncio.Event()
        arrived = asyncio.Semaphore(0)

        async def held(request: httpx.Request) -> httpx.Response:
            arrived.release()
            await release.wait()
            return httpx.Response(200, json={})

        gateway.upstream.handler = held
        holders = [
            asyncio.create_task(gateway.client.get(f"/api/review/projects/P-{i}", headers=bearer())) for i in range(3)
        ]
        async with asyncio.timeout(5):
            for _ in range(3):
                await arrived.acquire()
        # the fourth is refused while the three are still held: no queueing behind them
        async with asyncio.timeout(2):
            shed = await gateway.client.get("/api/review/projects/P-9", headers=bearer())
        assert shed.status_code == 503 and shed.headers["retry-after"] == "1"
        assert shed.json()["type"].endswith("/overloaded") and shed.json()["upstream"] == "review"
        # another service's slots are its own
        other = asyncio.create_task(gateway.client.get("/api/budget/projects/P-1", headers=bearer()))
        async with asyncio.timeout(5):
            await arrived.acquire()
        # a timeline needs all six services: refused at once too
        async with asyncio.timeout(2):
            timeline = await gateway.client.get("/api/projects/P-1/timeline", headers=bearer())
        assert timeline.status_code == 503
        release.set()
        assert [r.status_code for r in await asyncio.gather(*holders, other)] == [200] * 4
        assert len(gateway.upstream.seen) == 4
        assert (await gateway.client.get("/api/review/projects/P-9", headers=bearer())).status_code == 200
        assert all(b.in_flight == 0 for b in gateway.app.state.bulkheads.values())


def history(service: str, state: dict | None, *, audit: int = 1) -> dict:
    return {
        "service": service,
        "project_id": "P-1",
        "decisions": [],
        "deadlines": [],
        "audit": [
            {"at": f"2026-01-0{i + 1}T00:00:00", "action": f"{service}.step{i}", "actor": "x"} for i in range(audit)
        ],
        "state": state,
    }


async def test_the_timeline_is_one_history_call_per_service_all_in_flight_together(gateway):
    everyone_arrived = asyncio.Barrier(len(STAGE_SERVICES))

    async def answer(request: httpx.Request) -> httpx.Response:
        # Sequential calls would never fill the barrier: the timeout fails the test.
        async with asyncio.timeout(5):
            await everyone_arrived.wait()
        service = gateway.upstream.service_of(request)
        reached = service in ("intake", "review")
        body = history(service, {"stage": f"{service}-stage"} if reached else None, audit=1 if reached else 0)
        return httpx.Response(200, json=body)

    gateway.upstream.handler = answer
    response = await gateway.client.get("/api/projects/P-1/timeline", headers=bearer())
    assert response.status_code == 200, response.text
    calls = sorted(
        (gateway.upstream.service_of(r), r.url.path, r.url.params.get("include")) for r in gateway.upstream.seen
    )
    assert calls == sorted((s, f"/api/{s}/projects/P-1/history", "state") for s in STAGE_SERVICES)
    body = response.json()
    assert [s["reached"] for s in body["stages"]] == [True, True, False, False, False, False]
    assert body["stages"][1]["state"] == {"stage": "review-stage"}
    assert body["current"] == {"service": "review", "stage": "review-stage"}
    assert [e["action"] for e in body["entries"]] == ["intake.step0", "review.step0"]


@pytest.mark.parametrize("refusal", [403, 404])
async def test_the_timeline_is_refused_when_intake_refuses_the_caller(gateway, refusal):
    async def answer(request: httpx.Request) -> httpx.Response:
        service = gateway.upstream.service_of(request)
        if service == "intake":
            return httpx.Response(refusal, json={"detail": "not yours"})
        return httpx.Response(200, json=history(service, {"stage": "leaked"}))

    gateway.upstream.handler = answer
    response = await gateway.client.get("/api/projects/P-1/timeline", headers=bearer(Role.UNIT, "health"))
    assert response.status_code == refusal
    assert response.headers["content-type"] == "application/problem+json"
    assert "leaked" not in response.text and "step0" not in response.text


async def test_the_timeline_leaves_out_what_another_service_refuses(gateway):
    async def answer(request: httpx.Request) -> httpx.Response:
        service = gateway.upstream.service_of(request)
        if service == "budget":
            return httpx.Response(403, json={"detail": "not yours"})
        return httpx.Response(200, json=history(service, {"stage": service}))

    gateway.upstream.handler = answer
    body = (await gateway.client.get("/api/projects/P-1/timeline", headers=bearer())).json()
    budget = next(s for s in body["stages"] if s["service"] == "budget")
    assert budget == {"service": "budget", "reached": False, "state": None}
    assert body["withheld"] == ["budget"] and body["unavailable"] == []
    assert not any(e["service"] == "budget" for e in body["entries"])


async def test_the_timeline_quotes_the_id_into_one_path_segment(gateway):
    response = await gateway.client.get("/api/projects/P-1%3Fx=1%23y/timeline", headers=bearer())
    assert response.status_code in (200, 404)
    assert {r.url.raw_path for r in gateway.upstream.seen} == {
        f"/api/{s}/projects/P-1%3Fx%3D1%23y/history?include=state".encode() for s in STAGE_SERVICES
    }


# --- authentication and rate limits ---------------------------------------------------------------


async def test_every_401_carries_www_authenticate_bearer(gateway):
    for response in (
        await gateway.client.get("/api/me"),
        await gateway.client.get("/api/me", headers={"authorization": "Bearer not-a-token"}),
        await gateway.client.get("/api/projects/P-1/timeline"),
        await gateway.client.post("/api/auth/token", json={"username": "edu", "password": "wrong"}),
    ):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["content-type"] == "application/problem+json"


async def test_failed_sign_ins_per_username_are_limited_then_429_with_retry_after(make_gateway):
    async with make_gateway(failed_sign_in_per_user="3/minute") as gateway:
        for _ in range(3):
            wrong = await gateway.client.post("/api/auth/token", json={"username": "edu", "password": "guess"})
            assert wrong.status_code == 401
        limited = await gateway.client.post("/api/auth/token", json={"username": "edu", "password": "govproj"})
        assert limited.status_code == 429, "the right password does not get through a limited username"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.json()["type"].endswith("/rate-limited") and limited.json()["limit"] == "sign-in-user"
        other = await gateway.client.post("/api/auth/token", json={"username": "bureau", "password": "govproj"})
        assert other.status_code == 200, "another username is not locked out"


async def test_failed_sign_ins_per_address_are_limited_whatever_the_username(make_gateway):
    async with make_gateway(failed_sign_in_per_address="4/minute") as gateway:
        for _ in range(3):  # successful sign-ins do not count: an office shares one address
            assert (
                await gateway.client.post("/api/auth/token", json={"username": "edu", "password": "govproj"})
            ).status_code == 200
        answers = [
            (await gateway.client.post("/api/auth/token", json={"username": name, "password": "guess"})).status_code
            for name in ("edu", "health", "bureau", "finance", "drc")
        ]
        assert answers == [401, 401, 401, 401, 429]
        refused = await gateway.client.post("/api/auth/token", json={"username": "mayor", "password": "govproj"})
        assert refused.status_code == 429 and refused.json()["limit"] == "sign-in-address"


async def test_writes_are_limited_per_principal_and_reads_are_not(make_gateway):
    async with make_gateway(writes_per_principal="2/minute") as gateway:
        edu = bearer(Role.UNIT, "edu")
        writes = [
            (await gateway.client.post("/api/intake/applications", json={}, headers=edu)).status_code for _ in range(3)
        ]
        assert writes == [200, 200, 429]
        assert len(gateway.upstream.seen) == 2, "the refused write never reached the service"
        assert (await gateway.client.get("/api/intake/applications", headers=edu)).status_code == 200
        health = bearer(Role.UNIT, "health")
        assert (await gateway.client.post("/api/intake/applications", json={}, headers=health)).status_code == 200


async def test_timelines_in_flight_have_their_own_smaller_bound(make_gateway):
    async with make_gateway(timeline_concurrency=2, upstream_concurrency=50) as gateway:
        release = asyncio.Event()
        arrived = asyncio.Semaphore(0)

        async def held(request: httpx.Request) -> httpx.Response:
            if not request.url.path.endswith("/history"):
                return httpx.Response(200, json={})
            arrived.release()
            await release.wait()
            return httpx.Response(200, json=history(gateway.upstream.service_of(request), {"stage": "x"}))

        gateway.upstream.handler = held
        running = [
            asyncio.create_task(gateway.client.get(f"/api/projects/P-{i}/timeline", headers=bearer())) for i in range(2)
        ]
        async with asyncio.timeout(5):
            for _ in range(2 * len(STAGE_SERVICES)):
                await arrived.acquire()
        async with asyncio.timeout(2):
            shed = await gateway.client.get("/api/projects/P-9/timeline", headers=bearer())
            # a plain proxied read still has room in the services' own bounds
            plain = await gateway.client.get("/api/intake/applications", headers=bearer())
        assert shed.status_code == 503 and shed.json()["upstream"] == "timeline"
        assert shed.headers["retry-after"] == "1"
        assert plain.status_code == 200
        release.set()
        assert [r.status_code for r in await asyncio.gather(*running)] == [200, 200]


async def test_long_polls_have_their_own_bound_and_never_take_the_working_slots(make_gateway):
    async with make_gateway(upstream_concurrency=1, waiting_concurrency=1) as gateway:
        release = asyncio.Event()
        arrived = asyncio.Event()

        async def answer(request: httpx.Request) -> httpx.Response:
            if "prefer" in request.headers:
                assert request.extensions["timeout"]["read"] == 4.0 + 20
                arrived.set()
                await release.wait()
            return httpx.Response(200, json={})

        gateway.upstream.handler = answer
        waiting = {**bearer(), "prefer": "wait=20"}
        poll = asyncio.create_task(gateway.client.get("/api/budget/projects/P-1", headers=waiting))
        async with asyncio.timeout(5):
            await arrived.wait()
            working = await gateway.client.get("/api/budget/projects/P-2", headers=bearer())
            second_poll = await gateway.client.get("/api/budget/projects/P-3", headers=waiting)
        assert working.status_code == 200
        assert second_poll.status_code == 503 and second_poll.json()["upstream"] == "waiting"
        release.set()
        assert (await poll).status_code == 200


async def test_a_body_over_the_limit_is_a_413_problem_and_never_forwarded(make_gateway):
    async with make_gateway(max_request_bytes=1000) as gateway:
        big = b"x" * 1001
        declared = await gateway.client.post("/api/intake/applications", content=big, headers=bearer())
        assert declared.status_code == 413 and declared.json()["type"].endswith("/payload-too-large")

        async def chunks():
            for _ in range(4):
                yield b"y" * 400

        streamed = await gateway.client.post("/api/intake/applications", content=chunks(), headers=bearer())
        assert streamed.status_code == 413
        assert gateway.upstream.seen == []
        fits = await gateway.client.post("/api/intake/applications", content=b"{}", headers=bearer())
        assert fits.status_code == 200 and len(gateway.upstream.seen) == 1


async def test_an_attachment_upload_is_forwarded_as_multipart_up_to_the_file_cap(make_gateway):
    async with make_gateway(max_request_bytes=1000, attachment_max_bytes=5000) as gateway:
        upload = "/api/intake/applications/P2026ABC/attachments"
        pdf = b"%PDF-1.4\n" + b"0" * 3000
        sent = await gateway.client.post(
            upload, files={"file": ("报告.pdf", pdf, "application/pdf")}, headers=bearer(Role.UNIT)
        )
        assert sent.status_code == 200
        forwarded = gateway.upstream.seen[-1]
        assert forwarded.headers["content-type"].startswith("multipart/form-data; boundary=")
        assert pdf in forwarded.content
        # over the cap and its multipart framing (64 KiB): refused here, never forwarded
        over = await gateway.client.post(
            upload, files={"file": ("报告.pdf", b"0" * 80_000, "application/pdf")}, headers=bearer(Role.UNIT)
        )
        assert over.status_code == 413 and len(gateway.upstream.seen) == 1
        other = await gateway.client.post("/api/intake/applications", content=b"x" * 3000, headers=bearer())
        assert other.status_code == 413  # the other routes keep the ordinary limit
