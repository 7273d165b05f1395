"""Benchmark (not a test): the cockpit (驾驶舱) on a province's catalog database, one caller at a time — the
risk figures rated in SQL (services/catalog/portfolio/queries/risk.py, what the service runs) against the
per-project Python rating they replaced (tests/unit/catalog/portfolio/cockpit_reference.py `old_risk`), and
the whole cockpit; wall time per computation and the process's peak RSS growth for each.

    .venv/bin/python bench/cockpit.py --scale 10000 --runs 10 --label 2026-12-03

It starts a temporary PostgreSQL, fills only catalog's database as bench/province.py does (the monthly
figures left out: the cockpit does not read them), and checks that both ratings give the same answers
before timing them. Prints one JSON object; with `--label` it is recorded in bench/results/cockpit.json."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

RESULTS = Path(__file__).resolve().parent / "results" / "cockpit.json"


def peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


async def fill(url: str, scale: int, seed: int, today: date) -> dict[str, int]:
    import asyncpg
    import province

    from shared.db import make_engine, upgrade_to_head

    engine = make_engine(url, null_pool=True)
    try:
        await upgrade_to_head(engine, "catalog")
    finally:
        await engine.dispose()
    projects = province.make_projects(scale, seed, today)
    loader, _ = province.catalog_rows(projects, scale, seed, today)
    conn = await asyncpg.connect(province.dsn(url))
    try:
        counts = await loader.copy(conn)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return counts


async def timed(runs: int, compute) -> dict[str, Any]:
    seconds = []
    peak = peak_mib()
    for _ in range(runs):
        started = time.perf_counter()
        await compute()
        seconds.append(time.perf_counter() - started)
    return {
        "p50_ms": round(statistics.median(seconds) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
        "peak_rss_growth_mib": round(peak_mib() - peak, 1),
    }


async def measure(url: str, runs: int) -> dict[str, Any]:
    from services.catalog import portfolio
    from services.catalog.api import ROUTERS
    from services.catalog.api.common import scope
    from services.catalog.handlers import subscriptions
    from services.catalog.portfolio.domain import Stage
    from services.catalog.portfolio.queries import dashboard
    from services.catalog.portfolio.queries.visibility import scope_of, visible
    from services.catalog.portfolio.tables import PortfolioProject
    from services.catalog.tables import schema
    from shared import clock
    from shared.auth import Principal, Role
    from shared.policy import packs
    from shared.service import create_service_app
    from shared.settings import Settings
    from tests.unit.catalog.portfolio.cockpit_reference import old_risk

    packs.load_all()
    app = create_service_app(
        "catalog",
        schema,
        subscriptions,
        [*ROUTERS, *portfolio.ROUTERS],
        title="catalog (cockpit benchmark)",
        settings=Settings(service="catalog", database_url=url),
        scope=scope,
    )
    runtime = app.state.runtime
    bureau = Principal(subject="bureau", roles=frozenset({Role.DATA_BUREAU}), cleared=True)
    today = clock.today()
    out: dict[str, Any] = {}
    for name, jurisdiction in (("province", None), ("one_jurisdiction", "dazhou")):
        where = [visible(scope_of(bureau)), PortfolioProject.stage != Stage.DRAFT]
        if jurisdiction:
            where.append(PortfolioProject.jurisdiction == jurisdiction)

        async def in_sql(where=where) -> tuple:
            async with runtime.reading() as uow:
                return await dashboard.risk_figures(uow.session, scope_of(bureau), where, today, 50)

        async def in_python(jurisdiction=jurisdiction) -> tuple:
            async with runtime.reading() as uow:
                return await old_risk(uow, bureau, jurisdiction=jurisdiction, year=None, risk_limit=50, today=today)

        async def whole(jurisdiction=jurisdiction) -> dict:
            async with runtime.reading() as uow:
                return await dashboard.cockpit(uow, bureau, jurisdiction=jurisdiction, year=None, risk_limit=50)

        sql_answer, python_answer = await in_sql(), await in_python()
        assert sql_answer == python_answer, f"{name}: the SQL rating differs from the Python one"
        out[name] = {
            "rated_projects": sum(sql_answer[0].values()),
            "risk": sql_answer[0],
            # SQL first: the peak RSS only grows, so the Python rating's growth is measured on top of it
            "risk_in_sql": await timed(runs, in_sql),
            "risk_in_python": await timed(runs, in_python),
            "whole_cockpit": await timed(runs, whole),
        }
    await runtime.engine.dispose()
    await runtime.read_engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10_000, help="projects in the province")
    parser.add_argument("--runs", type=int, default=10, help="computations timed per variant")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--label", default=None, help="record the figures under this label")
    args = parser.parse_args()
    from tests.support import infra

    load_before = [round(x, 1) for x in os.getloadavg()]
    pg_dir = infra.new_pg_dir("govproj-cockpit-")
    try:
        urls = infra.start_postgres(pg_dir, infra.free_port(), ["catalog"])
        started = time.perf_counter()
        rows = asyncio.run(fill(urls["catalog"], args.scale, args.seed, date.today()))
        filled = round(time.perf_counter() - started, 1)
        result: dict[str, Any] = {"projects": args.scale, "fill_seconds": filled, "rows": rows}
        result |= asyncio.run(measure(urls["catalog"], args.runs))
    finally:
        infra.stop_postgres(pg_dir, remove=True)
    result["load_average"] = {"before": load_before, "after": [round(x, 1) for x in os.getloadavg()]}
    print(json.dumps(result, ensure_ascii=False))
    if args.label:
        recorded = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        recorded[args.label] = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **result}
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(recorded, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
