"""Fixtures shared by the integration and browser tests (unit tests never request them): one real
Kafka broker, one throwaway PostgreSQL (a database per service) and the seven service processes,
started once per test session."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import settings

from deploy.local.launcher import ALL_SERVICES, Platform
from shared.settings import STAGE_SERVICES
from tests.support import infra
from tests.support.api import Api

# Property tests assert outcomes, not speed (speed is the benchmarks' job): a first example that pays for
# loading the policy packs on a busy 2-core machine took 4.7 s and failed Hypothesis's 200 ms deadline.
settings.register_profile("govproj", deadline=None)
settings.load_profile("govproj")


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    port = infra.free_port()
    bootstrap = infra.start_kafka(port)
    try:
        yield bootstrap
    finally:
        infra.stop_kafka(port, remove_data=True)


@pytest.fixture(scope="session")
def pg_urls() -> Iterator[dict[str, str]]:
    pg_dir = infra.new_pg_dir()
    try:
        yield infra.start_postgres(pg_dir, infra.free_port(), [*STAGE_SERVICES, "crashtest", "bench"])
    finally:
        infra.stop_postgres(pg_dir, remove=True)


@pytest.fixture(scope="session")
def platform(kafka_bootstrap: str, pg_urls: dict[str, str], tmp_path_factory) -> Iterator[Platform]:
    log_dir = Path(os.environ.get("GOVPROJ_TEST_LOGS") or tmp_path_factory.mktemp("service-logs"))
    platform = Platform(
        database_urls=pg_urls,
        kafka_bootstrap=kafka_bootstrap,
        log_dir=log_dir,
        ports={service: infra.free_port() for service in ALL_SERVICES},
        extra_env={
            "GOVPROJ_ENV": "test",
            "GOVPROJ_CLOCK_CONTROL": "true",
            "GOVPROJ_SWEEP_SECONDS": "3600",  # tests sweep on demand through /_admin/sweep
            "GOVPROJ_OUTBOX_POLL_SECONDS": "0.5",
        },
    )
    try:
        platform.start()
        platform.wait_ready(timeout=180)
        yield platform
    finally:
        platform.stop()


@pytest.fixture(scope="session")
async def api(platform: Platform) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=platform.urls["gateway"], timeout=30) as client:
        yield Api(client)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The API fuzzer writes odd (if harmless) data into the shared platform: run it last."""
    items.sort(key=lambda item: "test_api_fuzz" in item.nodeid)
