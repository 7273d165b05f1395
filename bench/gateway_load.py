"""Benchmark (not a test): many clients reading project timelines through the gateway at once, on the
real broker and PostgreSQL with the six services and the gateway started here.

    .venv/bin/python bench/gateway_load.py --readers 200 --seconds 30 --client-timeout 5
    .venv/bin/python bench/gateway_load.py --code-root /work/main --label before   # another checkout's code

Drives `--projects` projects through the whole path (as bench/lifecycle.py does), so each timeline
has parts in all six services, then runs `--readers` clients for `--seconds`, each reading one
timeline after another with a `--client-timeout` deadline. A client that gets 503 with `Retry-After`
waits that long before its next read, as the header asks. It reports good answers per second, their
latency, the shed answers (503), the client time-outs and the CPU of the gateway and the services, and
writes them under `--label` into bench/results/gateway_load.json."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lifecycle import Driver, cpu_seconds

from deploy.local import launcher
from deploy.local.launcher import ALL_SERVICES, Platform
from shared.settings import STAGE_SERVICES
from tests.support import infra

RESULTS = Path(__file__).resolve().parent / "results" / "gateway_load.json"


async def read_timelines(
    gateway: str, headers: dict[str, str], projects: list[str], readers: int, seconds: float, client_timeout: float
) -> dict:
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    timeout = aiohttp.ClientTimeout(total=client_timeout)
    connector = aiohttp.TCPConnector(limit=readers + 10, keepalive_timeout=30)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

        async def reader(index: int) -> None:
            n = index
            while time.monotonic() < deadline:
                url = f"{gateway}/api/projects/{projects[n % len(projects)]}/timeline"
                n += 1
                started = time.perf_counter()
                try:
                    async with session.get(url, headers=headers) as response:
                        await response.read()
                        elapsed = time.perf_counter() - started
                        if response.status == 200:
                            outcomes["ok"] += 1
                            latencies.append(elapsed)
                        elif response.status == 503:
                            outcomes["shed_503"] += 1
                            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                        else:
                            outcomes[f"status_{response.status}"] += 1
                except TimeoutError:
                    outcomes["client_timeout"] += 1
                except aiohttp.ClientError as exc:
                    outcomes[f"error_{type(exc).__name__}"] += 1

        started = time.perf_counter()
        await asyncio.gather(*(reader(i) for i in range(readers)))
        wall = time.perf_counter() - started
    answered = sum(outcomes.values())
    latencies.sort()

    def quantile(q: float) -> float | None:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 1) if latencies else None

    return {
        "wall_seconds": round(wall, 1),
        "outcomes": dict(outcomes),
        "good_per_second": round(outcomes["ok"] / wall, 1),
        "shed_per_second": round(outcomes["shed_503"] / wall, 1),
        "client_timeout_share": round(outcomes["client_timeout"] / answered, 3) if answered else None,
        "good_latency_ms": {
            "p50": quantile(0.5),
            "p95": quantile(0.95),
            "p99": quantile(0.99),
            "mean": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        },
    }


def commit_of(root: Path) -> str:
    done = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--client-timeout", type=float, default=5.0)
    parser.add_argument("--projects", type=int, default=12)
    parser.add_argument("--code-root", type=Path, default=None, help="run the services from this checkout")
    parser.add_argument("--label", default="now")
    args = parser.parse_args()

    extra_env = {"GOVPROJ_ENV": "test", "GOVPROJ_SWEEP_SECONDS": "3600"}
    if args.code_root is not None:
        # The launcher starts `uvicorn services.<name>.main:app` from its REPO_ROOT; point it elsewhere
        # and keep that checkout free of bytecode files.
        launcher.REPO_ROOT = args.code_root.resolve()
        extra_env["PYTHONDONTWRITEBYTECODE"] = "1"
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
        extra_env=extra_env,
    )
    try:
        platform.start(ALL_SERVICES)
        platform.wait_ready(timeout=180)
        driver = Driver(platform.urls, poll=0.01)
        await asyncio.gather(*(driver.project(-1 - n) for n in range(args.projects)))
        async with driver.client.get(
            f"{platform.urls['catalog']}/api/catalog/systems", headers=driver.auth["bureau"]
        ) as response:
            catalogued = {item["project_id"] for item in (await response.json())["items"]}
        async with driver.client.get(
            f"{platform.urls['intake']}/api/intake/applications", headers=driver.auth["bureau"]
        ) as response:
            projects = sorted(item["id"] for item in (await response.json())["items"])
        await driver.client.close()
        print(f"{len(projects)} projects, {len(catalogued)} in the catalog; {args.readers} readers for {args.seconds}s")
        processes = {name: platform.processes[name].pid for name in ALL_SERVICES}
        cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
        load_before = os.getloadavg()[0]
        result = await read_timelines(
            platform.urls["gateway"],
            driver.auth["bureau"],
            projects,
            args.readers,
            args.seconds,
            args.client_timeout,
        )
        cpu = {name: round(cpu_seconds(pid) - cpu_before[name], 1) for name, pid in processes.items()}
        result["cpu_seconds"] = {"gateway": cpu["gateway"], "services": round(sum(cpu.values()) - cpu["gateway"], 1)}
        # The machine is shared: its load says how far these figures are from an idle one.
        result["load_average_1min"] = {"before": round(load_before, 1), "after": round(os.getloadavg()[0], 1)}
        result["settings"] = {
            "readers": args.readers,
            "seconds": args.seconds,
            "client_timeout": args.client_timeout,
            "projects": len(projects),
            "code_root": str(args.code_root or launcher.REPO_ROOT),
            "commit": commit_of(launcher.REPO_ROOT),
        }
        print(json.dumps(result, indent=2, ensure_ascii=False))
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        recorded = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        recorded[args.label] = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **result}
        RESULTS.write_text(json.dumps(recorded, indent=2, ensure_ascii=False) + "\n")
    finally:
        platform.stop()
        infra.stop_postgres(pg_dir, remove=True)
        infra.stop_kafka(kafka_port, remove_data=True)


if __name__ == "__main__":
    asyncio.run(main())
