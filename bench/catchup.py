"""Benchmark (not a test): catch-up after an outage of one stage service (issue 21, target 4).

The platform runs on its own broker and PostgreSQL; one service (catalog by default: it consumes every
lifecycle event, for its portfolio read model) is stopped while projects keep being submitted and
admitted, so its events pile up on the broker. Then it is started again, and the benchmark follows its
consumer group's lag (end offsets minus committed offsets, every topic it consumes) down to zero.

    .venv/bin/python bench/catchup.py --projects 1000                 # catalog
    .venv/bin/python bench/catchup.py --projects 1000 --service review

Prints the events that accumulated, the time from the restart to zero lag, from the consumer's first
progress to zero lag, and the events drained per second; writes bench/results/catchup.json."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lifecycle import MATERIALS, UNIT, WAN, Driver, cpu_seconds, rss_mib, write_result
from deploy.local.launcher import ALL_SERVICES, WORKER_SUFFIX, Platform
from shared import clock
from shared.settings import STAGE_SERVICES
from tests.support import infra


def consumed_topics(service: str, prefix: str = "govproj") -> list[str]:
    """The topics the service's consumer subscribes to (from its own subscriptions)."""
    handlers = importlib.import_module(f"services.{service}.handlers")
    importlib.import_module(f"services.{service}.main")  # every room registers its consumers
    return handlers.subscriptions.topics(prefix)


class Lag:
    """The consumer group's lag, read from the broker as an outsider (no group membership)."""

    def __init__(self, bootstrap: str, service: str, topics: list[str]) -> None:
        self.topics = topics
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=f"govproj.{service}", enable_auto_commit=False
        )
        self.partitions: list[TopicPartition] = []

    async def start(self) -> None:
        await self.consumer.start()
        for topic in self.topics:
            parts = self.consumer.partitions_for_topic(topic) or await self._partitions(topic)
            self.partitions += [TopicPartition(topic, p) for p in sorted(parts)]

    async def _partitions(self, topic: str) -> set[int]:
        await self.consumer._client.force_metadata_update()  # the topic may be new to this client
        return self.consumer.partitions_for_topic(topic) or set()

    async def now(self) -> int:
        ends = await self.consumer.end_offsets(self.partitions)
        total = 0
        for tp in self.partitions:
            committed = await self.consumer.committed(tp)
            total += max(ends[tp] - (committed or 0), 0)
        return total

    async def stop(self) -> None:
        await self.consumer.stop()


async def submit_and_admit(driver: Driver, n: int) -> None:
    """The intake part of a project: its events travel to review, budget's and catalog's consumers."""
    draft = await driver.call(
        "edu",
        "POST",
        "intake",
        "/applications",
        {
            "unit": UNIT,
            "jurisdiction": "dazhou",
            "title": f"追赶项目{n}",
            "category": "application",
            "construction_type": "new",
            "total_investment_fen": (100 + (n % 13) * 100) * WAN,
            "plan_year": clock.today().year + 1,
            "materials": MATERIALS,
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    await driver.call("edu", "POST", "intake", f"/applications/{draft['id']}/submit")
    await driver.call("bureau", "POST", "intake", f"/applications/{draft['id']}/admit")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=1000, help="projects submitted and admitted while it is down")
    parser.add_argument("--service", default="catalog", choices=[s for s in STAGE_SERVICES if s != "intake"])
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--full",
        type=int,
        default=0,
        help="also drive this many whole lifecycles while it is down (their later events too; the "
        "stopped service must not be one the lifecycle waits for before its end, i.e. catalog)",
    )
    args = parser.parse_args()
    if args.full and args.service != "catalog":
        parser.error("--full needs --service catalog (the lifecycle waits on every other service)")

    kafka_port = infra.free_port()
    bootstrap = infra.start_kafka(kafka_port)
    pg_dir = infra.new_pg_dir("govproj-catchup-")
    database_urls = infra.start_postgres(pg_dir, infra.free_port(), STAGE_SERVICES)
    platform = Platform(
        database_urls=database_urls,
        kafka_bootstrap=bootstrap,
        runtime_only=True,  # only what the image installs (bench/runtime_only/sitecustomize.py)
        log_dir=Path(tempfile.mkdtemp(prefix="govproj-catchup-logs-")),
        ports={name: infra.free_port() for name in (*ALL_SERVICES, *(s + WORKER_SUFFIX for s in STAGE_SERVICES))},
        extra_env={"GOVPROJ_ENV": "test", "GOVPROJ_SWEEP_SECONDS": "3600"},
    )
    lag = Lag(bootstrap, args.service, consumed_topics(args.service))
    driver: Driver | None = None
    try:
        platform.start(STAGE_SERVICES)
        platform.wait_ready(timeout=180)
        driver = Driver(platform.urls, 0.01)
        await driver.project(-1)  # every topic and consumer group exists, every service warm
        await lag.start()
        await infra.wait_for(lambda: _zero(lag), timeout=60, message="no lag before the outage")

        platform.stop_one(args.service)
        semaphore = asyncio.Semaphore(args.concurrency)

        async def one(n: int) -> None:
            async with semaphore:
                await submit_and_admit(driver, n)

        async def whole(n: int) -> None:
            async with semaphore:
                await driver.project(n, until_catalog=False)

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(args.projects)), *(whole(-2 - n) for n in range(args.full)))
        driving = time.perf_counter() - started

        # The other consumers keep up; wait until the pile for the stopped service stops growing.
        async def settled() -> int | None:
            before = await lag.now()
            await asyncio.sleep(1.0)  # the interval over which the pile must not grow
            after = await lag.now()
            return after if after == before else None

        piled = await infra.wait_for(settled, timeout=300, interval=0.1, message="the pile to settle")
        print(f"while {args.service} was down: {args.projects} projects submitted and admitted in {driving:.1f} s")
        print(f"events waiting for {args.service}: {piled}")

        # A fresh port: on a shared machine another process may have taken the old one meanwhile.
        platform.ports[args.service] = infra.free_port()
        restarted = time.perf_counter()
        platform.start_one(args.service)
        first_progress: float | None = None
        last_full = 0.0
        # The service's CPU at the last sample before its offsets moved: what the drain itself cost is
        # the CPU after it, a figure the neighbours' load on a shared machine changes far less than the time.
        cpu_at_last_full = 0.0
        samples: list[tuple[float, int]] = []
        deadline = restarted + 900
        while time.perf_counter() < deadline:
            remaining = await lag.now()
            at = time.perf_counter() - restarted
            samples.append((at, remaining))
            if remaining >= piled:
                last_full = at  # the drain began after this sample: timed from here, it is not flattered
                cpu_at_last_full = cpu_seconds(platform.processes[args.service].pid)
            elif first_progress is None:
                first_progress = at
            if remaining == 0:
                break
            if platform.processes[args.service].poll() is not None:
                raise RuntimeError(f"{args.service} exited on restart:\n{platform.log_tail(args.service)}")
            await asyncio.sleep(0.2)  # the lag is sampled, not waited on: the drain is what is measured
        else:
            raise TimeoutError(f"{args.service} still {remaining} events behind after 900 s")
        to_zero = samples[-1][0]
        draining = to_zero - last_full
        process = platform.processes[args.service]
        cpu = cpu_seconds(process.pid)
        rss = rss_mib(process.pid)
    finally:
        if driver is not None:
            await driver.client.close()
        await lag.stop()
        platform.stop()
        infra.stop_postgres(pg_dir, remove=True)
        infra.stop_kafka(kafka_port, remove_data=True)

    rate = piled / draining if draining > 0 else float("nan")
    print(
        f"restart → zero lag: {to_zero:.1f} s (start-up until the first offsets moved: "
        f"{first_progress or to_zero:.1f} s; draining, from the last sample before they moved: {draining:.1f} s)"
    )
    drain_cpu = cpu - cpu_at_last_full
    print(f"drained: {rate:.0f} events/s; {args.service}'s CPU since its restart {cpu:.1f} s, RSS {rss:.0f} MiB")
    print(
        f"{args.service}'s CPU while draining: {drain_cpu:.2f} s, {drain_cpu / piled * 1000:.2f} ms per event "
        f"(at most {piled / drain_cpu if drain_cpu > 0 else float('nan'):.0f} events/s on one free core)"
    )
    write_result(
        "catchup",
        {
            "service": args.service,
            "projects": args.projects,
            "whole_lifecycles": args.full,
            "events_accumulated": piled,
            "time_to_zero_lag_s": round(to_zero, 1),
            "startup_s": round(first_progress or to_zero, 1),
            "draining_s": round(draining, 2),
            "catchup_events_per_s": round(rate, 1),
            "service_cpu_s": round(cpu, 1),
            "drain_cpu_s": round(drain_cpu, 2),
            "drain_cpu_ms_per_event": round(drain_cpu / piled * 1000, 2) if piled else None,
            "service_rss_mib": round(rss, 1),
            "cpu_count": os.cpu_count(),
        },
    )


async def _zero(lag: Lag) -> bool:
    return await lag.now() == 0


if __name__ == "__main__":
    asyncio.run(main())
