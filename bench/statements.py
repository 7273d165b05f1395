"""Benchmark (not a test): SQL statements per project, per service, through the whole lifecycle (issue 21).

SQLAlchemy and asyncpg are most of each service's CPU at saturation, and every statement also costs
PostgreSQL, so the statements a project costs drive both. This runs the seven service processes on the
real broker and a PostgreSQL cluster with `pg_stat_statements` loaded, drives `bench/lifecycle.py`'s
projects ONE AT A TIME (the counts are deterministic, so a busy machine does not matter), and reads
the statistics of each service's database: statements per project (BEGIN/COMMIT included), and the
top statements (normalised text) by calls and by total execution time.

The relays' idle sweeps (one SELECT every poll, whatever the load) are not a project's cost: their rate
is measured in an idle window first and subtracted, statement by statement, for the driving time.

    .venv/bin/python bench/statements.py --projects 3

Writes bench/results/<--result>.json (default `statements`)."""

from __future__ import annotations

import argparse
import asyncio
import collections
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench.lifecycle as lifecycle
from deploy.local.launcher import ALL_SERVICES, Platform
from shared.db import make_engine
from shared.settings import STAGE_SERVICES
from tests.support import infra

STATS = sa.text(
    "SELECT d.datname AS service, s.queryid, s.query, s.calls, s.total_exec_time "
    "FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
)


async def snapshot(engine: Any) -> dict[tuple[str, int], tuple[str, int, float]]:
    async with engine.connect() as connection:
        rows = (await connection.execute(STATS)).all()
    return {(r.service, r.queryid): (" ".join(r.query.split()), r.calls, r.total_exec_time) for r in rows}


async def reset(engine: Any) -> None:
    async with engine.connect() as connection:
        await connection.execute(sa.text("SELECT pg_stat_statements_reset()"))
        await connection.commit()


def start_postgres_with_statements(pg_dir: Path, port: int, dbs: list[str]) -> dict[str, str]:
    """The benchmark's cluster, restarted once with pg_stat_statements preloaded (ALTER SYSTEM)."""
    infra.start_postgres(pg_dir, port, dbs)
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    subprocess.run(
        [str(bindir / "psql"), "-h", str(pg_dir), "-p", str(port), "-U", "postgres", "-d", "postgres", "-Xq"],
        input="ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';\n",
        text=True,
        check=True,
    )
    infra.stop_postgres(pg_dir)
    urls = infra.start_postgres(pg_dir, port, dbs)
    subprocess.run(
        [str(bindir / "psql"), "-h", str(pg_dir), "-p", str(port), "-U", "postgres", "-d", "postgres", "-Xq"],
        input="CREATE EXTENSION IF NOT EXISTS pg_stat_statements;\n",
        text=True,
        check=True,
    )
    return urls


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=3)
    parser.add_argument("--idle", type=float, default=3.0, help="seconds of the idle window (the relays' sweeps)")
    parser.add_argument("--top", type=int, default=8, help="statements listed per service")
    parser.add_argument("--result", default="statements", help="name of the bench/results/<name>.json written")
    args = parser.parse_args()

    kafka_port = infra.free_port()
    bootstrap = infra.start_kafka(kafka_port)
    pg_dir = Path(infra.new_pg_dir("govproj-stmts-"))
    pg_port = infra.free_port()
    services = list(STAGE_SERVICES)
    try:
        database_urls = start_postgres_with_statements(pg_dir, pg_port, services)
        platform = Platform(
            database_urls=database_urls,
            kafka_bootstrap=bootstrap,
            runtime_only=True,
            log_dir=Path(tempfile.mkdtemp(prefix="govproj-stmts-logs-")),
            ports={name: infra.free_port() for name in ALL_SERVICES},
            extra_env={"GOVPROJ_ENV": "test", "GOVPROJ_SWEEP_SECONDS": "3600"},
        )
        admin = make_engine(database_urls[services[0]].rsplit("/", 1)[0] + "/postgres", null_pool=True)
        try:
            platform.start(STAGE_SERVICES)
            platform.wait_ready(timeout=180)
            driver = lifecycle.Driver(platform.urls, 0.01)
            for n in range(2):  # connections, topics, consumer groups, statement caches
                await driver.project(-1 - n)
            await asyncio.sleep(1.0)  # the warm-up's last events settle
            await reset(admin)
            await asyncio.sleep(args.idle)
            idle = await snapshot(admin)
            await reset(admin)
            started = time.perf_counter()
            for n in range(args.projects):
                await driver.project(n)
            await asyncio.sleep(1.0)  # the last project's trailing events (after catalog's) settle
            elapsed = time.perf_counter() - started
            busy = await snapshot(admin)
            await driver.client.close()
        finally:
            await admin.dispose()
            platform.stop()
    finally:
        infra.stop_postgres(pg_dir, remove=True)
        infra.stop_kafka(kafka_port, remove_data=True)

    per_service: dict[str, dict[str, Any]] = {}
    idle_per_s: dict[str, float] = collections.defaultdict(float)
    for (service, _), (_, calls, _) in idle.items():
        if service in services:
            idle_per_s[service] += calls / args.idle
    for service in services:
        statements: list[dict[str, Any]] = []
        for (db, queryid), (query, calls, total_ms) in busy.items():
            if db != service or "pg_stat_statements" in query:
                continue
            idle_calls = idle.get((db, queryid), ("", 0, 0.0))[1] / args.idle * elapsed
            project_calls = max(0.0, calls - idle_calls) / args.projects
            if project_calls < 0.05:
                continue
            statements.append(
                {"query": query, "calls": round(project_calls, 2), "ms": round(total_ms / args.projects, 3)}
            )
        per_service[service] = {
            "statements_per_project": round(sum(s["calls"] for s in statements), 1),
            "exec_ms_per_project": round(sum(s["ms"] for s in statements), 2),
            "idle_statements_per_s": round(idle_per_s[service], 2),
            "top_by_calls": sorted(statements, key=lambda s: -s["calls"])[: args.top],
            "top_by_time": sorted(statements, key=lambda s: -s["ms"])[: args.top],
            "statements": sorted(statements, key=lambda s: (-s["calls"], s["query"])),
        }

    total = sum(v["statements_per_project"] for v in per_service.values())
    print(f"{args.projects} projects one at a time; statements per project (idle relay sweeps subtracted)")
    print(f"{'service':12} {'stmts':>7} {'exec ms':>8} {'idle/s':>7}")
    for service, figures in per_service.items():
        print(
            f"{service:12} {figures['statements_per_project']:7.1f} {figures['exec_ms_per_project']:8.2f} "
            f"{figures['idle_statements_per_s']:7.2f}"
        )
    print(f"{'all':12} {total:7.1f}")
    for service, figures in per_service.items():
        print(f"\n{service}: top statements by calls per project")
        for s in figures["top_by_calls"]:
            print(f"  {s['calls']:6.1f}  {s['ms']:7.3f} ms  {s['query'][:150]}")
        print(f"{service}: top statements by execution time per project")
        for s in figures["top_by_time"][:3]:
            print(f"  {s['calls']:6.1f}  {s['ms']:7.3f} ms  {s['query'][:150]}")
    lifecycle.write_result(
        args.result,
        {
            "projects": args.projects,
            "statements_per_project": round(total, 1),
            "statements_per_project_by_service": {s: f["statements_per_project"] for s, f in per_service.items()},
            "by_service": per_service,
        },
    )


if __name__ == "__main__":
    asyncio.run(main())
