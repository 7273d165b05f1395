"""Benchmark (not a test): the CPU one HTTP request costs a service process, for a few kinds of
request, on the real broker and PostgreSQL with the six services started here.

    .venv/bin/python bench/request_cost.py --requests 1500 --concurrency 10

Drives three projects through the whole path (as bench/lifecycle.py does), then sends each request
kind `--requests` times and prints the service's CPU per request (user + system, from /proc) and
the rate the client reached. It shows the floor under bench/lifecycle.py's figures: what the
framework alone costs (/healthz), what authentication and one query cost (a 404), and what a
stage view costs."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lifecycle import Driver, cpu_seconds

from deploy.local.launcher import ALL_SERVICES, Platform
from shared.settings import STAGE_SERVICES
from tests.support import infra


async def hammer(url: str, headers: dict[str, str], count: int, concurrency: int) -> int:
    """Send `count` GETs, `concurrency` at a time; returns the status of the last one."""
    status = 0
    semaphore = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession() as session:

        async def one() -> None:
            nonlocal status
            async with semaphore, session.get(url, headers=headers) as response:
                await response.read()
                status = response.status

        await asyncio.gather(*(one() for _ in range(count)))
    return status


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()

    kafka_port = infra.free_port()
    bootstrap = infra.start_kafka(kafka_port)
    pg_dir = infra.new_pg_dir("govproj-bench-")
    database_urls = infra.start_postgres(pg_dir, infra.free_port(), STAGE_SERVICES)
    platform = Platform(
        database_urls=database_urls,
        kafka_bootstrap=bootstrap,
        runtime_only=True,  # only what the image installs (bench/runtime_only/sitecustomize.py)
        log_dir=Path(tempfile.mkdtemp(prefix="govproj-bench-logs-")),
        ports={name: infra.free_port() for name in ALL_SERVICES},
        extra_env={"GOVPROJ_ENV": "test", "GOVPROJ_SWEEP_SECONDS": "3600"},
    )
    try:
        platform.start(STAGE_SERVICES)
        platform.wait_ready(timeout=180)
        driver = Driver(platform.urls, poll=0.01)
        for n in range(3):
            await driver.project(-1 - n)
        async with driver.client.get(
            f"{platform.urls['budget']}/api/budget/projects", headers=driver.auth["finance"]
        ) as response:
            pid = (await response.json())["items"][0]["project_id"]
        await driver.client.close()
        kinds = [
            ("GET /healthz (framework only)", "budget", "/healthz", None),
            (
                "GET an unknown project: token, one query, a 404 problem",
                "budget",
                "/api/budget/projects/P-none",
                "finance",
            ),
            ("GET intake's stage view", "intake", f"/api/intake/projects/{pid}", "bureau"),
            ("GET review's stage view", "review", f"/api/review/projects/{pid}", "bureau"),
            ("GET budget's stage view", "budget", f"/api/budget/projects/{pid}", "finance"),
        ]
        for label, service, path, user in kinds:
            process = platform.processes[service]
            cpu_before, started = cpu_seconds(process.pid), time.perf_counter()
            headers = driver.auth[user] if user else {}
            status = await hammer(platform.urls[service] + path, headers, args.requests, args.concurrency)
            cpu = cpu_seconds(process.pid) - cpu_before
            rate = args.requests / (time.perf_counter() - started)
            print(f"{label}: {status}, {cpu / args.requests * 1e6:.0f} µs CPU per request, {rate:.0f} requests/s")
    finally:
        platform.stop()
        infra.stop_postgres(pg_dir, remove=True)
        infra.stop_kafka(kafka_port, remove_data=True)


if __name__ == "__main__":
    asyncio.run(main())
