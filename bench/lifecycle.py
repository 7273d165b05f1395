"""Benchmark (not a test): N projects travel the whole path concurrently on the real broker and
PostgreSQL, with the seven service processes started here.

    .venv/bin/python bench/lifecycle.py --projects 200 --concurrency 40

Prints projects/s end to end; the per-hop event latency (the producer's outbox commit → the
consumer's handled commit, read from every service's inbox) p50/p99; and, in the same run on the
same broker, the raw aiokafka produce→consume round trip p50/p99, with the ratio ours/raw."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.local.launcher import ALL_SERVICES, WORKER_SUFFIX, Platform
from shared import clock
from shared.auth import issue_token
from shared.db import make_engine
from shared.settings import DEV_JWT_SECRET, STAGE_SERVICES
from tests.support import infra
from tests.support.api import passed_acceptance_items, required_materials

WAN = 1_000_000
LEADERS = {
    "vice_mayor_unit": "vm_unit",
    "vice_mayor_digital": "vm_digital",
    "vice_mayor_finance": "vm_finance",
    "mayor": "mayor",
    "executive_meeting": "exec",
    "standing_committee": "standing",
}
UNIT = "达州市教育局"
MATERIALS = required_materials()
ITEMS = passed_acceptance_items()


def tokens() -> dict[str, dict[str, str]]:
    def bearer(name: str, roles: list[str], unit: str | None = None) -> dict[str, str]:
        return {"authorization": f"Bearer {issue_token(DEV_JWT_SECRET, name, roles, unit=unit)}"}

    made = {
        "edu": bearer("edu", ["unit"], UNIT),
        "bureau": bearer("bureau", ["data_bureau"]),
        "finance": bearer("finance", ["finance"]),
    }
    for role, user in LEADERS.items():
        made[user] = bearer(user, [role])
    return made


class Driver:
    def __init__(self, urls: dict[str, str], poll: float, wait: bool = True) -> None:
        self.urls = urls
        self.poll = poll
        self.wait = wait
        self.auth = tokens()
        self.polls = 0
        self.writes = 0
        self.client = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=60),
            connector=aiohttp.TCPConnector(limit=400, keepalive_timeout=30),
        )

    async def call(self, user: str, method: str, service: str, path: str, body=None, expect=(200, 201), headers=None):
        self.writes += method != "GET"
        async with self.client.request(
            method,
            f"{self.urls[service]}/api/{service}{path}",
            json=body,
            headers={**self.auth[user], **(headers or {})},
        ) as response:
            if response.status not in expect:
                raise RuntimeError(f"{method} {service}{path} → {response.status}: {await response.text()}")
            return await response.json()

    async def arrived(self, user: str, service: str, path: str, check=lambda body: True):
        """Wait until an event has reached `service` (its GET answers and passes `check`). With
        `--wait` the service holds the request (Prefer: wait, If-None-Match) until the project arrives
        or changes; otherwise poll, backing off from `--poll`."""
        deadline = time.monotonic() + 60
        interval = self.poll
        url = f"{self.urls[service]}/api/{service}{path}"
        etag = None
        while time.monotonic() < deadline:
            headers = dict(self.auth[user])
            if self.wait:
                headers["Prefer"] = "wait=20"
                if etag:
                    headers["If-None-Match"] = etag
            async with self.client.get(url, headers=headers) as response:
                self.polls += 1
                if response.status == 200:
                    etag = response.headers.get("ETag")
                    body = await response.json()
                    if check(body):
                        return body
            if not self.wait:
                await asyncio.sleep(interval)  # polling interval while the event travels
                interval = min(interval * 2, 0.5)
        raise TimeoutError(f"{service}{path} never arrived")

    async def release_when_contract_known(self, pid: str, contract_id: str) -> None:
        """Procurement's contract event and acceptance's event travel on different topics, so budget
        may learn of the acceptance first: until the contract arrives the release answers 404."""
        interval = self.poll
        for _ in range(60):
            self.writes += 1
            async with self.client.post(
                f"{self.urls['budget']}/api/budget/projects/{pid}/releases",
                json={"contract_id": contract_id, "amount_fen": WAN},
                headers={**self.auth["finance"], "Idempotency-Key": f"pay-{pid}"},
            ) as response:
                if response.status in (200, 201):
                    return
                self.writes -= 1  # refused before the contract arrived: counted as a poll below
                if response.status != 404:
                    raise RuntimeError(f"release of {pid} → {response.status}: {await response.text()}")
            self.polls += 1
            await asyncio.sleep(interval)  # the contract event is still travelling
            interval = min(interval * 2, 0.5)
        raise TimeoutError(f"budget never learnt of contract {contract_id}")

    async def project(self, n: int, until_catalog: bool = True) -> None:
        today = clock.today()
        investment = (100 + (n % 13) * 100) * WAN
        draft = await self.call(
            "edu",
            "POST",
            "intake",
            "/applications",
            {
                "unit": UNIT,
                "jurisdiction": "dazhou",
                "title": f"基准项目{n}",
                "category": "application",
                "construction_type": "new",
                "total_investment_fen": investment,
                "plan_year": today.year + 1,
                "materials": MATERIALS,
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        pid = draft["id"]
        await self.call("edu", "POST", "intake", f"/applications/{pid}/submit")
        await self.call("bureau", "POST", "intake", f"/applications/{pid}/admit")
        await self.arrived("bureau", "review", f"/projects/{pid}")
        case = await self.call("bureau", "POST", "review", f"/projects/{pid}/scheme-review", {"passed": True})
        for step in case["steps"]:
            await self.call(LEADERS[step["role"]], "POST", "review", f"/projects/{pid}/approval", {"approve": True})
        await self.arrived("finance", "budget", f"/projects/{pid}")
        estimate = investment - WAN
        await self.call("bureau", "POST", "budget", f"/projects/{pid}/estimate", {"estimate_fen": estimate})
        await self.arrived("edu", "procurement", f"/projects/{pid}")
        signed = today - timedelta(days=60)
        contract = await self.call(
            "edu",
            "POST",
            "procurement",
            f"/projects/{pid}/contracts",
            {
                "supplier": "某公司",
                "amount_fen": estimate,
                "signed_on": signed.isoformat(),
                "planned_completion": (signed + timedelta(days=200)).isoformat(),
            },
        )
        await self.arrived("edu", "acceptance", f"/projects/{pid}")
        await self.call(
            "edu",
            "POST",
            "acceptance",
            f"/projects/{pid}/trial-run",
            {"started_on": (today - timedelta(days=40)).isoformat()},
        )
        await self.call("bureau", "POST", "acceptance", f"/projects/{pid}/pre-acceptance")
        await self.call(
            "edu",
            "POST",
            "acceptance",
            f"/projects/{pid}/acceptance",
            {"passed": True, "system_name": f"基准系统{n}", "items": ITEMS},
        )
        await self.arrived("finance", "budget", f"/projects/{pid}", lambda body: body["accepted"])
        await self.release_when_contract_known(pid, contract["id"])
        if until_catalog:
            await self.arrived("bureau", "catalog", f"/projects/{pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_pids(pg_dir: Path | str) -> tuple[set[int], set[int]]:
    """The postmaster(s) of the PostgreSQL cluster in `pg_dir` and their live backends. Only this cluster's:
    on a machine shared with other runs, `postgres:` names every cluster's backends."""
    postmasters: set[int] = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if str(pg_dir) in (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                if (proc / "comm").read_text().strip() == "postgres":
                    postmasters.add(int(proc.name))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    backends: set[int] = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if parent in postmasters:
            backends.add(int(proc.name))
    return postmasters, backends


def cpu_of_postgres(pg_dir: Path | str) -> float:
    """CPU seconds of the PostgreSQL cluster in `pg_dir`: its postmaster (with the backends it has
    reaped, cutime/cstime) and its live backends."""
    postmasters, backends = postgres_pids(pg_dir)
    total = 0.0
    for pid in postmasters | backends:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        counted = fields[11:15] if pid in postmasters else fields[11:13]
        total += sum(int(v) for v in counted) / os.sysconf("SC_CLK_TCK")
    return total


def cpu_of_kafka(port: int) -> float:
    """CPU seconds of this run's broker (its command line names its own var dir, kafka-PORT)."""
    return cpu_of_matching(f"{infra.kafka_var_dir(port)}/")


#: Where the JSON results go (the suite's smoke runs point it elsewhere, leaving the committed ones alone).
RESULTS = Path(os.environ.get("GOVPROJ_BENCH_RESULTS") or Path(__file__).resolve().parent / "results")


def write_result(name: str, figures: dict) -> None:
    """The benchmark's headline figures as one JSON object in bench/results/<name>.json (issue 21)."""
    RESULTS.mkdir(exist_ok=True)
    figures = {"benchmark": name, "measured_at": datetime.now(UTC).isoformat(timespec="seconds"), **figures}
    figures["load_average_at_start"] = LOAD_AT_START
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {RESULTS / f'{name}.json'}")


#: The machine is shared: what else ran is part of every figure (1-minute load average at start).
LOAD_AT_START = os.getloadavg()[0]


def pids_matching(*patterns: str) -> set[int]:
    """Every live process whose command line contains one of `patterns` (the broker's JVM names its var dir)."""
    found: set[int] = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if any(pattern in command for pattern in patterns):
            found.add(int(proc.name))
    return found


def cpu_of_matching(*patterns: str) -> float:
    """CPU seconds of every live process whose command line contains one of `patterns`."""
    total = 0.0
    for pid in pids_matching(*patterns):
        try:
            total += cpu_seconds(pid)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def pss_mib(pids: set[int]) -> float:
    """Proportional resident memory of these processes together (MiB): shared pages — PostgreSQL's shared
    buffers in every backend — counted once across them, which a sum of RSS would count per process."""
    total_kib = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kib += int(line.split()[1])
                    break
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total_kib / 1024


def rss_mib(pid: int) -> float:
    """Resident memory of a process now (MiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory_sample(platform: Platform, kafka_port: int, pg_dir: Path, started: float) -> dict:
    """Every service's RSS and the whole platform's PSS (services, broker, PostgreSQL) now."""
    services = {service: round(rss_mib(process.pid), 1) for service, process in platform.processes.items()}
    postmasters, backends = postgres_pids(pg_dir)
    parts = {
        "services": pss_mib({process.pid for process in platform.processes.values()}),
        "broker": pss_mib(pids_matching(f"{infra.kafka_var_dir(kafka_port)}/")),
        "postgres": pss_mib(postmasters | backends),
    }
    return {
        "at_s": round(time.perf_counter() - started, 1),
        "service_rss_mib": services,
        "platform_pss_mib": round(sum(parts.values()), 1),
        "platform_pss_mib_by_part": {part: round(mib, 1) for part, mib in parts.items()},
    }


async def sample_memory(
    platform: Platform, kafka_port: int, pg_dir: Path, started: float, every: float, into: list[dict]
) -> None:
    """A soak's memory, sampled on a fixed period until cancelled (the period is the measurement's, not a
    wait for a condition)."""
    while True:
        into.append(await asyncio.to_thread(memory_sample, platform, kafka_port, pg_dir, started))
        await asyncio.sleep(every)


def soak_figures(samples: list[dict]) -> dict:
    """Growth over the second half of a soak (the first half holds the warm-up: pools, caches, the JIT):
    each service's RSS at the end minus at the sample nearest the middle, and the platform's memory."""
    middle = min(samples, key=lambda sample: abs(sample["at_s"] - samples[-1]["at_s"] / 2))
    last = samples[-1]
    growth = {
        service: round(last["service_rss_mib"][service] - middle["service_rss_mib"][service], 1)
        for service in last["service_rss_mib"]
    }
    print(
        f"soak, {len(samples)} memory samples over {last['at_s']:.0f} s; RSS growth over the second half (MiB): "
        + ", ".join(f"{service} {mib:+.1f}" for service, mib in sorted(growth.items()))
        + f"; platform (PSS, services + broker + PostgreSQL) {middle['platform_pss_mib']:.0f} → "
        + f"{last['platform_pss_mib']:.0f} MiB, most {max(s['platform_pss_mib'] for s in samples):.0f} (first → last: "
        + ", ".join(
            f"{part} {samples[0]['platform_pss_mib_by_part'][part]:.0f} → {mib:.0f}"
            for part, mib in last["platform_pss_mib_by_part"].items()
        )
        + ")"
    )
    return {
        "soak_seconds": last["at_s"],
        "service_rss_growth_second_half_mib": growth,
        "service_rss_growth_second_half_mib_max": max(growth.values()),
        "platform_pss_mib_max": max(sample["platform_pss_mib"] for sample in samples),
        "memory_samples": samples,
    }


def machine_busy_seconds() -> float:
    """Busy CPU seconds of the whole machine so far (all cores), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Hops:
    """Latencies (seconds) of the timed run's events, read from every inbox and outbox."""

    hops: list[float] = field(default_factory=list)  # event time → handled (every inbox row)
    relays: list[float] = field(default_factory=list)  # outbox row written → published
    relay_by_service: dict[str, list[float]] = field(default_factory=dict)
    # The parts of each hop: the event staged → its outbox row written (the rest of the producer's
    # transaction), → published (the relay), → handled (the broker, the consumer's fetch and parse).
    #: events each service consumed in the timed run, by type (what a project's hops are)
    consumed: dict[str, dict[str, int]] = field(default_factory=dict)
    parts: dict[str, list[float]] = field(
        default_factory=lambda: {"staged→written": [], "→published": [], "→handled": []}
    )


async def hop_latencies(database_urls: dict[str, str], since: datetime) -> Hops:
    found = Hops()
    outbox: dict[str, tuple[datetime, datetime]] = {}
    inbox: list[tuple[str, datetime, datetime]] = []
    for service in STAGE_SERVICES:
        engine = make_engine(database_urls[service], null_pool=True)
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.text("SELECT event_id, type, event_time, handled_at FROM inbox WHERE event_time >= :since"),
                {"since": since},
            )
            for row in rows:
                inbox.append((row.event_id, row.event_time, row.handled_at))
                heard = found.consumed.setdefault(service, {})
                heard[row.type] = heard.get(row.type, 0) + 1
            rows = await conn.execute(
                sa.text(
                    "SELECT id, created_at, published_at FROM outbox"
                    " WHERE published_at IS NOT NULL AND created_at >= :since"
                ),
                {"since": since},
            )
            written = {row.id: (row.created_at, row.published_at) for row in rows}
            outbox.update(written)
            found.relay_by_service[service] = [(out - at).total_seconds() for at, out in written.values()]
            found.relays += found.relay_by_service[service]
        await engine.dispose()
    for event_id, event_time, handled_at in inbox:
        found.hops.append((handled_at - event_time).total_seconds())
        if event_id in outbox:
            created_at, published_at = outbox[event_id]
            found.parts["staged→written"].append((created_at - event_time).total_seconds())
            found.parts["→published"].append((published_at - created_at).total_seconds())
            found.parts["→handled"].append((handled_at - published_at).total_seconds())
    return found


async def raw_round_trips(bootstrap: str, count: int) -> list[float]:
    """One message at a time: produce (acks=all) and wait until a consumer has it."""
    topic = f"bench-raw-{uuid.uuid4().hex[:6]}"
    await infra.create_topics(bootstrap, [topic], partitions=1)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=0)
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"raw-{topic}", auto_offset_reset="earliest", fetch_max_wait_ms=100
    )
    await producer.start()
    await consumer.start()
    try:
        await producer.send_and_wait(topic, b"warm-up")
        await consumer.getone()
        times = []
        for n in range(count):
            started = time.perf_counter()
            await producer.send(topic, f"{n}".encode())
            await consumer.getone()
            times.append(time.perf_counter() - started)
        return times
    finally:
        await consumer.stop()
        await producer.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="open loop: start projects at this many per second whatever is in flight (latency at a "
        "given load), instead of keeping --concurrency in flight (throughput at saturation)",
    )
    parser.add_argument(
        "--poll",
        type=float,
        default=0.01,
        help="first wait between polls while an event travels (then doubling, up to 0.5 s)",
    )
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help="poll the next service (backing off from --poll) instead of waiting with Prefer: wait",
    )
    parser.add_argument("--raw", type=int, default=500, help="raw aiokafka round trips to measure")
    parser.add_argument(
        "--warm-up",
        type=int,
        default=40,
        help="projects driven (at the same concurrency) before the timed run: the broker's JIT, the "
        "services' caches and pools warm up, as on a platform that has been running",
    )
    parser.add_argument(
        "--split-workers",
        action="store_true",
        help="run each service as an API process and a worker process (relay, consumer, sweeper)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="then drive bench/floor.py's bare services (same broker and PostgreSQL, same writes, reads and "
        "hops per project) and report the platform's CPU per project over the floor's",
    )
    parser.add_argument(
        "--memory-every",
        type=float,
        default=0.0,
        help="a soak: sample every service's RSS and the whole platform's memory (services, broker, PostgreSQL; "
        "PSS) this often during the timed run, and report the growth over its second half",
    )
    parser.add_argument("--result", default="lifecycle", help="name of the bench/results/<name>.json written")
    args = parser.parse_args()

    kafka_port = infra.free_port()
    bootstrap = infra.start_kafka(kafka_port)
    pg_dir = infra.new_pg_dir("govproj-bench-")
    pg_port = infra.free_port()
    database_urls = infra.start_postgres(pg_dir, pg_port, [*STAGE_SERVICES, "floor"])
    platform = Platform(
        database_urls=database_urls,
        kafka_bootstrap=bootstrap,
        runtime_only=True,  # only what the image installs (bench/runtime_only/sitecustomize.py)
        log_dir=Path(tempfile.mkdtemp(prefix="govproj-bench-logs-")),
        ports={name: infra.free_port() for name in (*ALL_SERVICES, *(s + WORKER_SUFFIX for s in STAGE_SERVICES))},
        extra_env={"GOVPROJ_ENV": "test", "GOVPROJ_SWEEP_SECONDS": "3600"},
        split=STAGE_SERVICES if args.split_workers else (),
    )

    def postgres_cpu() -> float:
        return cpu_of_postgres(pg_dir)

    floor = None

    try:
        platform.start(STAGE_SERVICES)
        platform.wait_ready(timeout=180)
        rss_at_start = {service: rss_mib(process.pid) for service, process in platform.processes.items()}
        driver = Driver(platform.urls, args.poll, wait=not args.no_wait)
        await driver.project(-1)  # first: connections, topics, consumer groups
        semaphore = asyncio.Semaphore(args.concurrency)

        async def one(n: int) -> None:
            async with semaphore:
                await driver.project(n)

        async def at_rate(n: int) -> None:
            await asyncio.sleep(n / args.rate)  # the open-loop schedule: project n starts at n/rate s
            await driver.project(n)

        await asyncio.gather(*(one(-2 - n) for n in range(args.warm_up)))
        driver.polls = driver.writes = 0
        timed_from = datetime.now(UTC)

        before = {service: cpu_seconds(process.pid) for service, process in platform.processes.items()}
        others_before = {"kafka": cpu_of_kafka(kafka_port), "postgres": postgres_cpu()}
        client_before, busy_before = sum(os.times()[:2]), machine_busy_seconds()
        started = time.perf_counter()
        samples: list[dict] = []
        sampler = (
            asyncio.create_task(sample_memory(platform, kafka_port, pg_dir, started, args.memory_every, samples))
            if args.memory_every
            else None
        )
        if args.rate:
            await asyncio.gather(*(at_rate(n) for n in range(args.projects)))
        else:
            await asyncio.gather(*(one(n) for n in range(args.projects)))
        elapsed = time.perf_counter() - started
        if sampler is not None:
            sampler.cancel()
            samples.append(memory_sample(platform, kafka_port, pg_dir, started))
        busy = machine_busy_seconds() - busy_before
        cpu = {service: cpu_seconds(process.pid) - before[service] for service, process in platform.processes.items()}
        cpu["broker"] = cpu_of_kafka(kafka_port) - others_before["kafka"]
        cpu["postgres"] = postgres_cpu() - others_before["postgres"]
        cpu["bench client"] = sum(os.times()[:2]) - client_before
        rss = {service: rss_mib(process.pid) for service, process in platform.processes.items()}
        await driver.client.close()
        found = await hop_latencies(database_urls, timed_from)
        hops, relays, relay_by_service = found.hops, found.relays, found.relay_by_service
        raw = await raw_round_trips(bootstrap, args.raw)
        if args.floor:
            from bench.floor import drive_floor

            floor = await drive_floor(
                bootstrap,
                pg_port,
                projects=args.projects,
                concurrency=args.concurrency,
                writes=driver.writes / args.projects,
                reads=driver.polls / args.projects,
                hops=len(hops) / args.projects,
                cpu_of_others=lambda: {"broker": cpu_of_kafka(kafka_port), "postgres": postgres_cpu()},
            )
    finally:
        platform.stop()
        infra.stop_postgres(pg_dir, remove=True)
        infra.stop_kafka(kafka_port, remove_data=True)

    ms = 1000
    hop50, hop99 = percentile(hops, 0.5) * ms, percentile(hops, 0.99) * ms
    raw50, raw99 = percentile(raw, 0.5) * ms, percentile(raw, 0.99) * ms
    print(
        f"machine: {os.cpu_count()} cores; projects={args.projects} "
        + (f"started at {args.rate}/s; " if args.rate else f"concurrency={args.concurrency}; ")
        + f"{'API and worker processes' if args.split_workers else 'one process'} per service"
    )
    print(f"end to end: {args.projects / elapsed:.1f} projects/s ({elapsed:.1f} s for {args.projects} projects)")
    print(
        f"hop latency (outbox commit → consumer handled), {len(hops)} hops: "
        f"p50 {hop50:.1f} ms, p99 {hop99:.1f} ms, mean {statistics.mean(hops) * ms:.1f} ms"
    )
    print(
        f"  of which outbox commit → published (relay): p50 {percentile(relays, 0.5) * ms:.1f} ms, "
        f"p99 {percentile(relays, 0.99) * ms:.1f} ms"
    )
    print(
        "  relay p50/p99 by publisher (ms): "
        + ", ".join(
            f"{s} {percentile(v, 0.5) * ms:.0f}/{percentile(v, 0.99) * ms:.0f}"
            for s, v in relay_by_service.items()
            if v
        )
    )
    print(
        "  a hop's parts, p50/p99 (ms): "
        + ", ".join(
            f"{name} {percentile(values, 0.5) * ms:.1f}/{percentile(values, 0.99) * ms:.1f}"
            for name, values in found.parts.items()
            if values
        )
    )
    print(
        "events consumed per project, by consumer: "
        + ", ".join(
            f"{service} {sum(types.values()) / args.projects:.1f}" for service, types in sorted(found.consumed.items())
        )
    )
    print(f"raw aiokafka produce→consume, {len(raw)} round trips: p50 {raw50:.1f} ms, p99 {raw99:.1f} ms")
    print(
        f"{'polls' if args.no_wait else 'waiting GETs (Prefer: wait)'} while events travelled: "
        f"{driver.polls} ({driver.polls / args.projects:.1f} per project)"
    )
    print(
        "CPU per project during the timed run (ms): "
        + ", ".join(f"{s} {cpu[s] / args.projects * ms:.0f}" for s in sorted(cpu))
        + f"; whole machine {busy / args.projects * ms:.0f} of {os.cpu_count() * elapsed / args.projects * ms:.0f}"
    )
    print(
        "RSS (MiB) when ready → after the run: "
        + ", ".join(f"{s} {rss_at_start[s]:.0f} → {rss[s]:.0f}" for s in sorted(rss) if s in rss_at_start)
    )
    print(f"ratio ours/raw: p50 {hop50 / raw50:.2f}x, p99 {hop99 / raw99:.2f}x")
    # The platform's own processes (services, broker, PostgreSQL, client): the machine's busy time also
    # counts whatever else runs on a shared machine.
    ours = sum(cpu.values()) / args.projects * ms
    print(
        f"per project: {driver.writes / args.projects:.1f} HTTP writes, {driver.polls / args.projects:.1f} waiting "
        f"reads, {len(hops) / args.projects:.1f} hops; CPU of the platform's processes {ours:.0f} ms"
    )
    figures = {
        "projects": args.projects,
        "concurrency": None if args.rate else args.concurrency,
        "rate_per_s": args.rate or None,
        "projects_per_s": round(args.projects / elapsed, 2),
        "hop_p50_ms": round(hop50, 2),
        "hop_p99_ms": round(hop99, 2),
        "raw_p50_ms": round(raw50, 2),
        "raw_p99_ms": round(raw99, 2),
        "hop_p50_over_raw": round(hop50 / raw50, 2),
        "hops_per_project": round(len(hops) / args.projects, 1),
        "consumed_per_project": {
            service: {kind: round(n / args.projects, 2) for kind, n in sorted(types.items())}
            for service, types in sorted(found.consumed.items())
        },
        "writes_per_project": round(driver.writes / args.projects, 1),
        "reads_per_project": round(driver.polls / args.projects, 1),
        "cpu_ms_per_project": round(ours, 1),
        "cpu_ms_per_project_by_process": {k: round(v / args.projects * ms, 1) for k, v in sorted(cpu.items())},
        "machine_busy_ms_per_project": round(busy / args.projects * ms, 1),
        "service_rss_mib_max": round(max(rss.values()), 1) if rss else None,
        "service_rss_mib": {k: round(v, 1) for k, v in sorted(rss.items())},
        "service_rss_mib_when_ready": {k: round(v, 1) for k, v in sorted(rss_at_start.items())},
    }
    if args.rate:
        figures["hop_p99_ms_at_rate"] = round(hop99, 2)
        if args.rate == 5:
            figures["hop_p99_ms_at_5"] = round(hop99, 2)
    if samples:
        figures.update(soak_figures(samples))
    if floor is not None:
        from bench.floor import print_floor

        print_floor(floor)
        print(f"CPU per project over the floor's: {ours / floor.total_ms_per_project:.2f}x")
        figures["floor_cpu_ms_per_project"] = round(floor.total_ms_per_project, 1)
        figures["floor_projects_per_s"] = round(floor.projects / floor.elapsed, 2)
        figures["cpu_per_project_over_floor"] = round(ours / floor.total_ms_per_project, 2)
    write_result(args.result, figures)


if __name__ == "__main__":
    asyncio.run(main())
