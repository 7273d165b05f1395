"""Benchmark (not a test): the bare floor under the lifecycle benchmark (issue 21, target 3).

Six bare services (FastAPI + asyncpg + aiokafka: no ORM, no policy engine, no outbox, no inbox table)
do per project the same number of HTTP writes, reads and Kafka hops as `bench/lifecycle.py` does
through the platform: a write is one transaction (a row upserted) then its events sent (acks=all) to
the next services; a hop is one record consumed and one row written; a read is one indexed SELECT.
The CPU all of it costs per project (the six processes, the broker, PostgreSQL, the client) is the
floor that the platform's CPU per project is measured against.

    .venv/bin/python bench/floor.py --projects 200 --concurrency 40          # on its own
    .venv/bin/python bench/lifecycle.py --floor                             # in the same run as the platform

On its own it starts its own broker and PostgreSQL and writes bench/results/floor.json."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import BaseModel, Field

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVICES = ("intake", "review", "budget", "procurement", "acceptance", "catalog")
#: Per project, as the lifecycle benchmark measures them (its figures override these when run together).
DEFAULT_WRITES, DEFAULT_READS, DEFAULT_HOPS = 15, 7, 26


# --- the bare service (one process each; `uvicorn --factory bench.floor:make_app`) ----------------------


class Write(BaseModel):
    """What a command carries, and the services its events go to."""

    title: str = Field(max_length=200)
    amount_fen: int = Field(ge=0)
    to: list[str] = Field(default_factory=list, max_length=20)


def make_app() -> Any:
    import asyncpg
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from fastapi import FastAPI, HTTPException

    service = os.environ["FLOOR_SERVICE"]
    bootstrap = os.environ["FLOOR_KAFKA"]
    dsn = os.environ["FLOOR_DSN"]
    state: dict[str, Any] = {"consumed": 0}

    async def consume() -> None:
        consumer: AIOKafkaConsumer = state["consumer"]
        pool: asyncpg.Pool = state["pool"]
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            for records in batches.values():
                for record in records:
                    event = json.loads(record.value)
                    async with pool.acquire() as conn:
                        await conn.execute(
                            "INSERT INTO project (id, title, amount_fen, version) VALUES ($1, $2, $3, 1)"
                            " ON CONFLICT (id) DO UPDATE SET version = project.version + 1",
                            event["project_id"],
                            event["title"],
                            event["amount_fen"],
                        )
                    state["consumed"] += 1
            if batches:
                await consumer.commit()

    async def lifespan(_app: FastAPI):
        pool = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
        async with pool.acquire() as conn:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS project (id text PRIMARY KEY, title text NOT NULL,"
                " amount_fen bigint NOT NULL, version integer NOT NULL)"
            )
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=0)
        consumer = AIOKafkaConsumer(
            f"floor.{service}",
            bootstrap_servers=bootstrap,
            group_id=f"floor.{service}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=500,
        )
        await producer.start()
        await consumer.start()
        state.update(pool=pool, producer=producer, consumer=consumer)
        task = asyncio.create_task(consume())
        yield
        task.cancel()
        await consumer.stop()
        await producer.stop()
        await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/projects/{project_id}", status_code=201)
    async def write(project_id: str, body: Write) -> dict[str, Any]:
        async with state["pool"].acquire() as conn, conn.transaction():
            version = await conn.fetchval(
                "INSERT INTO project (id, title, amount_fen, version) VALUES ($1, $2, $3, 1)"
                " ON CONFLICT (id) DO UPDATE SET version = project.version + 1 RETURNING version",
                project_id,
                body.title,
                body.amount_fen,
            )
        event = json.dumps({"project_id": project_id, "title": body.title, "amount_fen": body.amount_fen}).encode()
        acks = [await state["producer"].send(f"floor.{to}", event, key=project_id.encode()) for to in body.to]
        await asyncio.gather(*acks)
        return {"id": project_id, "version": version}

    @app.get("/projects/{project_id}")
    async def read(project_id: str) -> dict[str, Any]:
        async with state["pool"].acquire() as conn:
            row = await conn.fetchrow("SELECT id, title, amount_fen, version FROM project WHERE id = $1", project_id)
        if row is None:
            raise HTTPException(404, "unknown project")
        return dict(row)

    @app.get("/stats")
    async def stats() -> dict[str, int]:
        return {"consumed": state["consumed"]}

    return app


# --- the driver ---------------------------------------------------------------------------------------


def start_services(bootstrap: str, pg_port: int, ports: dict[str, int]) -> dict[str, subprocess.Popen]:
    log_dir = Path(tempfile.mkdtemp(prefix="govproj-floor-logs-"))
    env = {
        **os.environ,
        "FLOOR_KAFKA": bootstrap,
        "FLOOR_DSN": f"postgresql://postgres@127.0.0.1:{pg_port}/floor",
        "PYTHONPATH": str(ROOT),
    }
    processes: dict[str, subprocess.Popen] = {}
    for service in SERVICES:
        with open(log_dir / f"{service}.log", "ab") as log:
            processes[service] = subprocess.Popen(
                [
                    *(sys.executable, "-m", "uvicorn", "--factory", "bench.floor:make_app"),
                    *("--host", "127.0.0.1", "--port", str(ports[service])),
                    *("--no-access-log", "--log-level", "warning"),
                ],
                env={**env, "FLOOR_SERVICE": service},
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
    return processes


@dataclass
class Floor:
    projects: int
    elapsed: float
    cpu_ms_per_project: dict[str, float]

    @property
    def total_ms_per_project(self) -> float:
        return sum(self.cpu_ms_per_project.values())


def plan(writes: int, hops: int) -> list[tuple[str, list[str]]]:
    """Which service each write goes to and where its events go: `hops` events over `writes` writes,
    each to the next services in turn (never to itself)."""
    steps: list[tuple[str, list[str]]] = []
    for n in range(writes):
        service = SERVICES[n % len(SERVICES)]
        count = hops // writes + (1 if n < hops % writes else 0)
        others = [s for s in SERVICES if s != service]
        steps.append((service, [others[(n + k) % len(others)] for k in range(count)]))
    return steps


async def drive_floor(
    bootstrap: str,
    pg_port: int,
    *,
    projects: int,
    concurrency: int,
    writes: float,
    reads: float,
    hops: float,
    cpu_of_others: Any,
) -> Floor:
    """Start the six bare services on this broker and PostgreSQL (database `floor`), drive `projects`
    projects through them and measure the CPU it took. `cpu_of_others()` returns the CPU seconds so
    far of the broker and PostgreSQL (the caller knows which processes are its own)."""
    from bench.lifecycle import cpu_seconds
    from tests.support import infra

    await infra.create_topics(bootstrap, [f"floor.{s}" for s in SERVICES], partitions=6)
    ports = {s: infra.free_port() for s in SERVICES}
    processes = start_services(bootstrap, pg_port, ports)
    client = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=400), timeout=aiohttp.ClientTimeout(total=60))
    urls = {s: f"http://127.0.0.1:{p}" for s, p in ports.items()}
    try:

        async def up(service: str) -> bool:
            try:
                async with client.get(f"{urls[service]}/stats") as response:
                    return response.status == 200
            except aiohttp.ClientError:
                return False

        for service in SERVICES:
            await infra.wait_for(lambda s=service: up(s), timeout=120, interval=0.2, message=f"floor {service} up")

        async def consumed() -> int:
            total = 0
            for service in SERVICES:
                async with client.get(f"{urls[service]}/stats") as response:
                    total += (await response.json())["consumed"]
            return total

        async def project(n: int, steps: list[tuple[str, list[str]]], read_count: int) -> None:
            pid = f"floor-{uuid.uuid4().hex[:12]}"
            for service, to in steps:
                body = {"title": f"基准项目{n}", "amount_fen": 1_000_000 * (n % 13 + 1), "to": to}
                async with client.post(f"{urls[service]}/projects/{pid}", json=body) as response:
                    if response.status != 201:
                        raise RuntimeError(f"floor write → {response.status}")
            for k in range(read_count):
                async with client.get(f"{urls[SERVICES[k % len(SERVICES)]]}/projects/{pid}") as response:
                    if response.status != 200:
                        raise RuntimeError(f"floor read → {response.status}")

        # Fractional per-project counts (the lifecycle's averages) are met over the run, not per project.
        write_plan = [round(writes * (n + 1)) - round(writes * n) for n in range(projects)]
        hop_plan = [round(hops * (n + 1)) - round(hops * n) for n in range(projects)]
        read_plan = [round(reads * (n + 1)) - round(reads * n) for n in range(projects)]
        semaphore = asyncio.Semaphore(concurrency)

        async def one(n: int) -> None:
            async with semaphore:
                await project(n, plan(max(write_plan[n], 1), hop_plan[n]), read_plan[n])

        await asyncio.gather(*(one(n) for n in range(min(5, projects))))  # warm-up: connections, groups
        await infra.wait_for(consumed, timeout=60, message="the floor's warm-up events consumed")
        consumed_before = await consumed()
        before = {s: cpu_seconds(p.pid) for s, p in processes.items()}
        others_before = cpu_of_others()
        client_before = sum(os.times()[:2])
        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(projects)))
        expected = consumed_before + sum(hop_plan)

        async def all_consumed() -> bool:
            return await consumed() >= expected

        await infra.wait_for(all_consumed, timeout=300, interval=0.05, message="every floor event consumed")
        elapsed = time.perf_counter() - started
        cpu = {f"floor {s}": cpu_seconds(p.pid) - before[s] for s, p in processes.items()}
        for name, seconds in cpu_of_others().items():
            cpu[name] = seconds - others_before[name]
        cpu["bench client"] = sum(os.times()[:2]) - client_before
        return Floor(projects, elapsed, {name: s / projects * 1000 for name, s in cpu.items()})
    finally:
        await client.close()
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def print_floor(floor: Floor) -> None:
    print(
        f"floor (bare FastAPI + asyncpg + aiokafka): {floor.projects / floor.elapsed:.1f} projects/s; "
        f"CPU per project {floor.total_ms_per_project:.0f} ms ("
        + ", ".join(f"{name} {ms:.0f}" for name, ms in sorted(floor.cpu_ms_per_project.items()))
        + ")"
    )


async def main() -> None:
    from bench.lifecycle import cpu_of_matching, write_result
    from tests.support import infra

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument("--writes", type=float, default=DEFAULT_WRITES, help="HTTP writes per project")
    parser.add_argument("--reads", type=float, default=DEFAULT_READS, help="HTTP reads per project")
    parser.add_argument("--hops", type=float, default=DEFAULT_HOPS, help="Kafka hops per project")
    args = parser.parse_args()

    kafka_port = infra.free_port()
    bootstrap = infra.start_kafka(kafka_port)
    pg_dir = infra.new_pg_dir("govproj-floor-")
    pg_port = infra.free_port()
    infra.start_postgres(pg_dir, pg_port, ["floor"])
    try:
        floor = await drive_floor(
            bootstrap,
            pg_port,
            projects=args.projects,
            concurrency=args.concurrency,
            writes=args.writes,
            reads=args.reads,
            hops=args.hops,
            cpu_of_others=lambda: {
                "broker": cpu_of_matching("kafka.Kafka", f"{kafka_port}"),
                "postgres": cpu_of_matching(str(pg_dir), "postgres: "),
            },
        )
    finally:
        infra.stop_postgres(pg_dir, remove=True)
        infra.stop_kafka(kafka_port, remove_data=True)
    print_floor(floor)
    write_result(
        "floor",
        {
            "projects": args.projects,
            "concurrency": args.concurrency,
            "per_project": {"writes": args.writes, "reads": args.reads, "hops": args.hops},
            "floor_projects_per_s": round(floor.projects / floor.elapsed, 2),
            "floor_cpu_ms_per_project": round(floor.total_ms_per_project, 1),
            "floor_cpu_ms_per_project_by_process": {k: round(v, 1) for k, v in floor.cpu_ms_per_project.items()},
        },
    )


if __name__ == "__main__":
    asyncio.run(main())
