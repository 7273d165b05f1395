"""Benchmark (not a test): the read side at province scale — 50 concurrent clients through the gateway on
a database that bench/province.py filled with ten years of a province.

    .venv/bin/python bench/read_load.py                                   # 10,000 then 100,000 projects
    .venv/bin/python bench/read_load.py --scales 2000 --seconds 5 --label quick

For each scale it starts PostgreSQL and Kafka, generates the province, starts the six services and the
gateway, re-checks a sample of the generated projects through the APIs (stage, amounts, lists; the run
stops if one breaks an invariant), then for each interactive read runs `--clients` clients for
`--seconds`, each sending that read one after another, and reports p50/p99 of the good answers (and
the 503s and errors). Then the yearly spreadsheet report (alone, `--report-runs` times), a stock import
of `--import-rows` rows, and the RSS of each service. Writes bench/results/read_load.json with the
headline keys of issue 21 (`projects_in_read_benchmark`, `read_p99_ms_max`, `cockpit_p99_ms`,
`service_rss_mib_max`), per-read figures for every scale and the p99 growth between the first two.
The machine's load average is recorded: on a shared machine the figures are an upper bound.

    .venv/bin/python bench/read_load.py --scales 2000 --cpu-requests 1500 --label before

The CPU mode (`--cpu-requests N`) measures where a read's CPU goes instead of its latency: for each read
of CPU_READS it sends N requests at `--cpu-concurrency` (below the gateway's 16 per upstream, so none
is shed) and prints the CPU per request (user + system from /proc) of the gateway, each service,
PostgreSQL and the benchmark client itself; CPU per request is stable on a shared machine, wall time
is not. Writes bench/results/read_cost.json (one entry per `--label`)."""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import province
from lifecycle import cpu_of_postgres, cpu_seconds

from deploy.local.launcher import ALL_SERVICES, Platform
from shared.auth import issue_token
from shared.settings import DEV_JWT_SECRET, STAGE_SERVICES
from tests.support import infra

RESULTS = Path(__file__).resolve().parent / "results" / "read_load.json"
CPU_RESULTS = RESULTS.with_name("read_cost.json")
#: The reads the CPU mode measures (issue 21 target 1's interactive reads), plus a 404 through the
#: gateway: what the path costs with no list behind it.
CPU_READS = (
    "unknown_project_404",
    "library_no_filter",
    "library_name_search",
    "todos_bureau",
    "catalog_list",
    "findings_list",
    "cockpit",
)
INTERACTIVE_P99_MS = 100
COCKPIT_P99_MS = 250


def tokens() -> dict[str, dict[str, str]]:
    def bearer(name: str, roles: list[str], unit: str | None = None, cleared: bool = False) -> dict[str, str]:
        token = issue_token(DEV_JWT_SECRET, name, roles, unit=unit, cleared=cleared)
        return {"authorization": f"Bearer {token}"}

    return {
        "bureau": bearer("bench-bureau", ["data_bureau"], cleared=True),
        "finance": bearer("bench-finance", ["finance"]),
        "unit": bearer("bench-unit", ["unit"], unit=f"{province.CITY_ZH['dazhou']}{province.DEPARTMENTS[0]}"),
    }


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn runs the app in the process it starts)."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pids += [int(c) for c in children]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return round(total / 1024, 1)


def after_cursor(created_at: str, project_id: str) -> str:
    """The library's keyset cursor (intake's _AfterCreated) for a page deep in the list."""
    raw = json.dumps({"created_at": created_at, "id": project_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Reads:
    """What each interactive read sends, drawn at random from the generated province."""

    def __init__(self, scale: int, sample: list[str], deep: str) -> None:
        self.rng = random.Random(7)
        self.scale = scale
        self.sample = sample
        self.deep = deep

    def _year(self) -> int:
        return self.rng.randint(province.FIRST_YEAR, province.LAST_YEAR)

    def _jurisdiction(self) -> str:
        return self.rng.choice(province.JURISDICTIONS)

    def all(self) -> dict[str, Callable[[], tuple[str, str]]]:
        r = self.rng
        return {
            "library_filtered": lambda: (
                "finance",
                f"/api/intake/applications?jurisdiction={self._jurisdiction()}&plan_year={self._year()}&limit=50",
            ),
            "library_no_filter": lambda: ("finance", "/api/intake/applications?limit=50"),
            "library_deep_cursor": lambda: ("finance", f"/api/intake/applications?limit=50&cursor={self.deep}"),
            "library_name_search": lambda: (
                "finance",
                f"/api/intake/applications?q={r.choice(province.SUBJECTS)}&limit=50",
            ),
            "library_priority_sort": lambda: ("bureau", "/api/intake/applications?sort=priority&limit=50"),
            "todos_bureau": lambda: ("bureau", "/api/catalog/portfolio/todos?limit=50"),
            "todos_unit": lambda: ("unit", "/api/catalog/portfolio/todos?limit=50"),
            "portfolio_projects": lambda: (
                "bureau",
                f"/api/catalog/portfolio/projects?jurisdiction={self._jurisdiction()}&limit=50",
            ),
            "portfolio_name_search": lambda: (
                "bureau",
                f"/api/catalog/portfolio/projects?q={r.choice(province.SUBJECTS)}&limit=50",
            ),
            "timeline": lambda: ("bureau", f"/api/projects/{r.choice(self.sample)}/timeline"),
            "catalog_list": lambda: (
                "bureau",
                f"/api/catalog/systems?jurisdiction={self._jurisdiction()}&state=running&limit=50",
            ),
            "findings_list": lambda: ("bureau", "/api/catalog/findings?status=open&limit=50"),
            "cockpit": lambda: ("bureau", f"/api/catalog/portfolio/cockpit?jurisdiction={self._jurisdiction()}"),
            "unknown_project_404": lambda: ("finance", "/api/intake/applications/P-none"),
        }


def client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def cpu_per_request(
    session: aiohttp.ClientSession,
    gateway: str,
    auth: dict[str, dict[str, str]],
    make: Callable[[], tuple[str, str]],
    count: int,
    concurrency: int,
    processes: dict[str, int],
    pg_dir: Path,
) -> dict[str, Any]:
    """Send `count` reads, `concurrency` at a time, and divide each process's CPU over them (µs)."""
    outcomes: Counter[str] = Counter()
    semaphore = asyncio.Semaphore(concurrency)

    async def one() -> None:
        user, path = make()
        async with semaphore, session.get(gateway + path, headers=auth[user]) as response:
            await response.read()
            outcomes[str(response.status)] += 1

    def snapshot() -> dict[str, float]:
        cpu = {name: cpu_seconds(pid) for name, pid in processes.items()}
        return {**cpu, "postgres": cpu_of_postgres(pg_dir), "client": client_cpu()}

    before, started = snapshot(), time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    wall = time.perf_counter() - started
    after = snapshot()
    per_request = {name: round((after[name] - before[name]) / count * 1e6) for name in before}
    busy = {name: us for name, us in per_request.items() if us >= 20 or name in ("gateway", "postgres", "client")}
    return {
        "requests": count,
        "statuses": dict(outcomes),
        "cpu_us_per_request": busy,
        "cpu_us_per_request_total": sum(per_request.values()),
        "requests_per_s": round(count / wall, 1),
    }


async def drive(
    session: aiohttp.ClientSession,
    gateway: str,
    auth: dict[str, dict[str, str]],
    make: Callable[[], tuple[str, str]],
    clients: int,
    seconds: float,
) -> dict[str, Any]:
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    async def client() -> None:
        while time.monotonic() < deadline:
            user, path = make()
            started = time.perf_counter()
            try:
                async with session.get(gateway + path, headers=auth[user]) as response:
                    await response.read()
                    if response.status == 200:
                        latencies.append(time.perf_counter() - started)
                        outcomes["ok"] += 1
                    else:
                        outcomes[f"status_{response.status}"] += 1
                        if response.status == 503:
                            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
            except TimeoutError:
                outcomes["client_timeout"] += 1
            except aiohttp.ClientError as exc:
                outcomes[f"error_{type(exc).__name__}"] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall = time.perf_counter() - started
    return {
        "p50_ms": quantile(latencies, 0.5),
        "p99_ms": quantile(latencies, 0.99),
        "per_second": round(outcomes["ok"] / wall, 1),
        "outcomes": dict(outcomes),
    }


async def check_sample(session: aiohttp.ClientSession, urls: dict[str, str], auth, projects) -> int:
    """Re-check generated projects through the APIs: the invariants the services enforce hold."""
    gateway = urls["gateway"]
    checked = 0

    async def get(path: str, user: str = "bureau") -> Any:
        async with session.get(gateway + path, headers=auth[user]) as response:
            body = await response.json()
            assert response.status == 200, (path, response.status, body)
            return body

    for p in projects:
        application = await get(f"/api/intake/applications/{p.id}")
        assert application["status"] in ("draft", "submitted", "admitted", "refused"), application
        assert application["total_investment_fen"] == p.total_fen, (p.id, application)
        if p.stage != "draft":
            dossier = await get(f"/api/catalog/portfolio/projects/{p.id}")
            assert dossier["stage"] == p.portfolio_stage, (p.id, dossier["stage"], p.stage)
            money = dossier["money"]
            chain = [
                money["released_fen"],
                money["contracted_fen"],
                money["estimate_fen"] or 0,
                money["approved_investment_fen"] or 0,
            ]
            if money["approved_investment_fen"]:
                assert chain == sorted(chain), (p.id, money)  # released ≤ contracted ≤ estimate ≤ approved
                assert money["approved_investment_fen"] <= money["total_investment_fen"], (p.id, money)
            if (application["status"] == "admitted") != (p.stage not in ("submitted", "refused")):
                raise AssertionError(f"{p.id}: intake says {application['status']}, the portfolio {p.stage}")
        for service, stage in province.REACHED.items():
            if p.reached(stage):
                state = await get(f"/api/{service}/projects/{p.id}")
                assert state, (service, p.id)
        timeline = await get(f"/api/projects/{p.id}/timeline")
        assert timeline, p.id
        checked += 1
    page = await get("/api/intake/applications?jurisdiction=quzhou&limit=100", "finance")
    keys = [(a["created_at"], a["id"]) for a in page["items"] if a["created_at"]]
    assert keys == sorted(keys) and all(a["jurisdiction"] == "quzhou" for a in page["items"]), "library order"
    return checked


async def settle(session: aiohttp.ClientSession, gateway: str, auth, patience: float = 120.0) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            async with session.get(f"{gateway}/api/catalog/systems?limit=1", headers=auth["bureau"]) as response:
                await response.read()
                if response.status == 200 and time.perf_counter() - started < 0.5:
                    return
        except (TimeoutError, aiohttp.ClientError):
            pass
        await asyncio.sleep(1.0)


def stock_csv(rows: int, seed: int) -> bytes:
    lines = [",".join(("external_ref", "unit", "jurisdiction", "name", "went_live_on"))]
    for n in range(rows):
        jurisdiction = province.JURISDICTIONS[n % 5]
        unit = f"{province.CITY_ZH[jurisdiction]}{province.DEPARTMENTS[n % len(province.DEPARTMENTS)]}"
        lines.append(f"IMPORT-{seed}-{n:06d},{unit},{jurisdiction},{unit}存量系统{n},2015-06-01")
    return ("\n".join(lines) + "\n").encode()


async def run_scale(scale: int, args: argparse.Namespace) -> dict[str, Any]:
    kafka_port = infra.free_port()
    bootstrap = infra.start_kafka(kafka_port)
    pg_dir = infra.new_pg_dir("govproj-read-")
    pg_port = infra.free_port()
    database_urls = infra.start_postgres(pg_dir, pg_port, STAGE_SERVICES)
    platform = Platform(
        database_urls=database_urls,
        kafka_bootstrap=bootstrap,
        runtime_only=True,  # only what the image installs (bench/runtime_only/sitecustomize.py)
        log_dir=Path(tempfile.mkdtemp(prefix="govproj-read-logs-")),
        ports={name: infra.free_port() for name in ALL_SERVICES},
        extra_env={
            "GOVPROJ_ENV": "test",
            "GOVPROJ_SWEEP_SECONDS": "3600",
            # the report is a download, not an interactive read: the gateway waits for it (target 5 s)
            "GOVPROJ_GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "30",
        },
    )
    try:
        today = date.today()
        generated = await province.generate(database_urls, scale, seed=args.seed, today=today)
        projects = province.make_projects(scale, args.seed, today)
        platform.start(ALL_SERVICES)
        platform.wait_ready(timeout=300)
        catalog_pid = platform.processes["catalog"].pid
        # catalog's RSS after each phase: which read, the report or the import leaves it above the target
        catalog_rss: dict[str, float] = {"ready": rss_mib(catalog_pid)}
        auth = tokens()
        conn = await asyncpg.connect(province.dsn(database_urls["intake"]))
        try:
            deep = await conn.fetchrow(
                "SELECT created_at, id FROM applications ORDER BY created_at, id OFFSET $1 LIMIT 1", int(scale * 0.8)
            )
        finally:
            await conn.close()
        cursor = after_cursor(deep["created_at"].isoformat(), deep["id"])
        rng = random.Random(args.seed)
        sample = rng.sample(projects, min(args.check, len(projects)))
        timeout = aiohttp.ClientTimeout(total=args.client_timeout)
        connector = aiohttp.TCPConnector(limit=args.clients + 10)
        gateway = platform.urls["gateway"]
        result: dict[str, Any] = {"projects": scale, "generated": generated}
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            result["sample_checked"] = await check_sample(session, platform.urls, auth, sample)
            print(f"{scale} projects: a sample of {result['sample_checked']} re-checked through the APIs")
            reads = Reads(scale, [p.id for p in projects if p.stage != "draft"], cursor).all()
            # one warm-up pass: the first request of each kind pays for imports and plan caches
            for make in reads.values():
                user, path = make()
                async with session.get(gateway + path, headers=auth[user]) as response:
                    await response.read()
            load_before = os.getloadavg()
            figures = {}
            if args.cpu_requests:
                pids = {name: process.pid for name, process in platform.processes.items()}
                for name in CPU_READS:
                    figures[name] = await cpu_per_request(
                        session, gateway, auth, reads[name], args.cpu_requests, args.cpu_concurrency, pids, pg_dir
                    )
                    print(f"  {name}: {json.dumps(figures[name], ensure_ascii=False)}")
                result["reads"] = figures
                result["load_average"] = {
                    "before": [round(x, 1) for x in load_before],
                    "after": [round(x, 1) for x in os.getloadavg()],
                }
                return result
            for name, make in reads.items():
                figures[name] = await drive(session, gateway, auth, make, args.clients, args.seconds)
                catalog_rss[f"after {name}"] = rss_mib(catalog_pid)
                print(f"  {name}: {json.dumps(figures[name], ensure_ascii=False)}")
            # the report alone, once the catalog has finished what the load left it (an abandoned cockpit
            # goes on computing after its client left): wait until a cheap read answers quickly again
            await settle(session, gateway, auth)
            report: list[float] = []
            failures: Counter[str] = Counter()
            size = 0
            for _ in range(args.report_runs):
                started = time.perf_counter()
                try:
                    async with session.get(
                        f"{gateway}/api/catalog/reports.xlsx?period={today.year - 1}",
                        headers=auth["bureau"],
                        timeout=aiohttp.ClientTimeout(total=60),
                    ) as response:
                        body = await response.read()
                        if response.status != 200:
                            failures[f"status_{response.status}"] += 1
                            continue
                        size = len(body)
                except TimeoutError:
                    failures["client_timeout_60s"] += 1
                    continue
                report.append(time.perf_counter() - started)
            catalog_rss["after the report"] = rss_mib(catalog_pid)
            figures["yearly_report_xlsx"] = {
                "seconds_max": round(max(report), 2) if report else None,
                "seconds": [round(s, 2) for s in report],
                "failures": dict(failures),
                "bytes": size,
            }
            started = time.perf_counter()
            try:
                async with session.post(
                    f"{gateway}/api/catalog/systems/import",
                    data=stock_csv(args.import_rows, scale),
                    headers={**auth["bureau"], "content-type": "text/csv"},
                    timeout=aiohttp.ClientTimeout(total=300),
                ) as response:
                    imported = await response.json()
                    status = response.status
            except TimeoutError:
                imported, status = {}, 0
            figures["stock_import"] = {
                "rows": args.import_rows,
                "status": status,
                "imported": imported.get("imported"),
                "seconds": round(time.perf_counter() - started, 2),
            }
            catalog_rss["after the import"] = rss_mib(catalog_pid)
            print(f"  report: {figures['yearly_report_xlsx']}; import: {figures['stock_import']}")
        result["reads"] = figures
        result["catalog_rss_mib_by_phase"] = catalog_rss
        print(f"  catalog RSS MiB by phase: {catalog_rss}")
        result["load_average"] = {
            "before": [round(x, 1) for x in load_before],
            "after": [round(x, 1) for x in os.getloadavg()],
        }
        result["service_rss_mib"] = {name: rss_mib(proc.pid) for name, proc in platform.processes.items()}
        print(f"  RSS MiB: {result['service_rss_mib']}; load average {result['load_average']}")
        return result
    finally:
        platform.stop()
        infra.stop_postgres(pg_dir, remove=True)
        infra.stop_kafka(kafka_port, remove_data=True)


def headline(runs: list[dict[str, Any]]) -> dict[str, Any]:
    last = runs[-1]
    interactive = {k: v for k, v in last["reads"].items() if "p99_ms" in v and k != "cockpit"}
    p99s = [v["p99_ms"] for v in interactive.values() if v["p99_ms"] is not None]
    out: dict[str, Any] = {
        "projects_in_read_benchmark": last["projects"],
        "read_p99_ms_max": max(p99s) if p99s else None,
        "read_p99_worst": max(interactive, key=lambda k: interactive[k]["p99_ms"] or 0) if interactive else None,
        "cockpit_p99_ms": last["reads"]["cockpit"]["p99_ms"],
        "yearly_report_seconds": last["reads"]["yearly_report_xlsx"]["seconds_max"],
        "yearly_report_failures": last["reads"]["yearly_report_xlsx"]["failures"],
        "stock_import_seconds": last["reads"]["stock_import"]["seconds"],
        "service_rss_mib_max": max(v for k, v in last["service_rss_mib"].items() if k != "gateway"),
        "targets": {
            "interactive_p99_ms": INTERACTIVE_P99_MS,
            "cockpit_p99_ms": COCKPIT_P99_MS,
            "report_s": 5,
            "import_s": 30,
            "p99_growth": 1.5,
            "rss_mib": 150,
        },
    }
    if len(runs) >= 2:
        small, large = runs[0]["reads"], runs[-1]["reads"]
        out["p99_growth"] = {
            name: round(large[name]["p99_ms"] / small[name]["p99_ms"], 2)
            for name in large
            if "p99_ms" in large[name] and small.get(name, {}).get("p99_ms") and large[name]["p99_ms"]
        }
        out["p99_growth_max"] = max(out["p99_growth"].values()) if out["p99_growth"] else None
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="10000,100000", help="projects per run, comma-separated")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0, help="per read")
    parser.add_argument("--client-timeout", type=float, default=20.0)
    parser.add_argument("--report-runs", type=int, default=3)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--check", type=int, default=30, help="projects re-checked through the APIs")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--label", default="now")
    parser.add_argument("--no-write", action="store_true", help="print only (the suite's tiny run)")
    parser.add_argument("--cpu-requests", type=int, default=0, help="CPU mode: reads per kind (0: latency mode)")
    parser.add_argument("--cpu-concurrency", type=int, default=10, help="CPU mode: reads in flight")
    args = parser.parse_args()
    if args.cpu_requests:
        for scale in args.scales.split(","):
            run = await run_scale(int(scale), args)
            if not args.no_write:
                recorded = json.loads(CPU_RESULTS.read_text()) if CPU_RESULTS.exists() else {}
                recorded[args.label] = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **run}
                CPU_RESULTS.write_text(json.dumps(recorded, indent=2, ensure_ascii=False, default=str) + "\n")
        return
    runs = []
    for scale in args.scales.split(","):
        runs.append(await run_scale(int(scale), args))
        # written after each scale: a later one that fails leaves the earlier figures recorded
        result = {**headline(runs), "runs": runs, "settings": {k: v for k, v in vars(args).items() if k != "no_write"}}
        record(result, args)


def record(result: dict[str, Any], args: argparse.Namespace) -> None:
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2, ensure_ascii=False))
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        recorded = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        recorded.update({k: v for k, v in result.items() if k != "runs"})
        recorded.setdefault("labels", {})[args.label] = {
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **result,
        }
        RESULTS.write_text(json.dumps(recorded, indent=2, ensure_ascii=False, default=str) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
