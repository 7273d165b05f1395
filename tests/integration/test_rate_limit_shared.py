"""Several gateway replicas share their rate-limit windows in a real Redis (issue 15: "rate-limit
counters shared across gateway replicas"), and a replica whose Redis is gone keeps answering,
counting in its own memory until it is back.

Two gateway apps stand for two replicas behind a load balancer: they share nothing but the Redis
URI, as two pods would. A password guesser whose attempts alternate between them is stopped at the
limit, not at twice the limit."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import pytest
import redis

from services.gateway.admission import RATE_LIMIT_STORAGE_ERRORS
from services.gateway.main import create_app
from shared.auth import Role
from shared.settings import Settings
from tests.support.infra import free_port
from tests.unit.test_gateway_trust import SECRET, URLS, Upstream, bearer

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def redis_uri() -> Iterator[str]:
    """A real redis-server (Debian's package, installed by scripts/bootstrap.sh) on a free port, with
    no persistence: rate-limit windows are minutes long and need not survive a restart."""
    server = shutil.which("redis-server")
    assert server, "redis-server is missing: run scripts/bootstrap.sh --test (it installs Debian's redis-server)"
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2)
    try:
        # Ready when it answers PING; a server that exited is reported at once.
        for _attempt in range(200):
            assert process.poll() is None, "redis-server exited at start"
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                try:  # the pause between PINGs also notices a server that exits
                    process.wait(timeout=0.05)
                except subprocess.TimeoutExpired:
                    pass
        else:
            raise AssertionError("redis-server did not answer PING within 10 s")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


@asynccontextmanager
async def replica(storage: str, **overrides: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        service="gateway", jwt_secret=SECRET, service_urls=URLS, rate_limit_storage=storage, **overrides
    )
    app = create_app(settings, upstream=httpx.MockTransport(Upstream()))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("10.0.0.7", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


async def guesses(replicas: list[httpx.AsyncClient], attempts: int) -> list[int]:
    """Wrong passwords for one username, round robin over the replicas (a load balancer's way)."""
    answers = []
    for attempt in range(attempts):
        response = await replicas[attempt % len(replicas)].post(
            "/api/auth/token", json={"username": "edu", "password": f"guess-{attempt}"}
        )
        answers.append(response.status_code)
    return answers


async def test_two_replicas_sharing_redis_stop_a_guesser_at_the_limit_not_twice_it(redis_uri):
    async with AsyncExitStack() as stack:
        replicas = [
            await stack.enter_async_context(replica(redis_uri, failed_sign_in_per_user="3/minute")) for _ in range(2)
        ]
        assert await guesses(replicas, 6) == [401, 401, 401, 429, 429, 429]
        # Neither replica lets the right password through for the limited username.
        for client in replicas:
            limited = await client.post("/api/auth/token", json={"username": "edu", "password": "govproj"})
            assert limited.status_code == 429 and limited.json()["limit"] == "sign-in-user"


async def test_replicas_counting_in_their_own_memory_would_allow_twice_the_limit():
    """What the shared storage is for: the same guesses against two memory-only replicas."""
    async with AsyncExitStack() as stack:
        replicas = [
            await stack.enter_async_context(replica("memory://", failed_sign_in_per_user="3/minute")) for _ in range(2)
        ]
        assert await guesses(replicas, 7) == [401] * 6 + [429]


async def test_writes_per_principal_are_counted_across_replicas(redis_uri):
    async with AsyncExitStack() as stack:
        replicas = [
            await stack.enter_async_context(replica(redis_uri, writes_per_principal="3/minute")) for _ in range(2)
        ]
        edu = bearer(Role.UNIT, "edu")
        answers = [
            (await replicas[i % 2].post("/api/intake/applications", json={}, headers=edu)).status_code for i in range(5)
        ]
        assert answers == [200, 200, 200, 429, 429]


async def test_a_replica_whose_redis_is_down_keeps_answering_and_counts_locally():
    unreachable = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    before = RATE_LIMIT_STORAGE_ERRORS._value.get()
    async with replica(unreachable, failed_sign_in_per_user="2/minute") as client:
        assert await guesses([client], 3) == [401, 401, 429], "the limit still holds, in this replica"
        signed_in = await client.post("/api/auth/token", json={"username": "bureau", "password": "govproj"})
        assert signed_in.status_code == 200, "a right password for another user is not refused"
    assert RATE_LIMIT_STORAGE_ERRORS._value.get() > before, "the fallback is counted for the alert"


def test_a_rate_limit_storage_that_is_not_redis_is_refused_at_start():
    with pytest.raises(ValueError, match="rate_limit_storage"):
        Settings(service="gateway", jwt_secret=SECRET, rate_limit_storage="mongodb://127.0.0.1:27017")
