"""Benchmark (not a test): how much memory catalog's stock import (存量系统导入) takes — one 10,000-row CSV
sent to the real route in-process, the process's RSS before, its peak during and its RSS after.

    .venv/bin/python bench/import_memory.py                       # 10,000 rows, a temporary PostgreSQL
    .venv/bin/python bench/import_memory.py --rows 300 --sqlite   # the suite's tiny run

The catalog runs in this process (no gateway, no Kafka: the relay is not started), so the peak is the
import's own: the parsed file, the systems, their deadlines, events, audit rows. Prints one JSON object;
with `--label` it is also recorded in bench/results/import_memory.json."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

RESULTS = Path(__file__).resolve().parent / "results" / "import_memory.json"


def rss_mib() -> float:
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def stock_csv(rows: int, seed: int) -> bytes:
    """The file bench/read_load.py imports (five jurisdictions, their departments)."""
    import read_load

    return read_load.stock_csv(rows, seed)


async def measure(database_url: str, rows: int) -> dict[str, Any]:
    import httpx

    from services.catalog.api import ROUTERS
    from services.catalog.api.common import scope
    from services.catalog.handlers import subscriptions
    from services.catalog.tables import schema
    from shared.auth import Role, issue_token
    from shared.db import upgrade_to_head
    from shared.policy import packs
    from shared.service import create_service_app
    from shared.settings import Settings

    packs.load_all()
    settings = Settings(service="catalog", database_url=database_url)
    app = create_service_app(
        "catalog", schema, subscriptions, ROUTERS, title="catalog (import memory)", settings=settings, scope=scope
    )
    runtime = app.state.runtime
    await upgrade_to_head(runtime.engine, "catalog")
    headers = {
        "authorization": f"Bearer {issue_token(settings.jwt_secret, 'bureau', [Role.DATA_BUREAU])}",
        "content-type": "text/csv",
    }
    out: dict[str, Any] = {"rows": rows}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://catalog", timeout=600
    ) as client:
        warm = await client.post("/api/catalog/systems/import", content=stock_csv(20, 1), headers=headers)
        assert warm.status_code == 201, warm.text
        content = stock_csv(rows, 2)
        out["file_kib"] = len(content) // 1024
        out["rss_before_mib"], out["peak_before_mib"] = rss_mib(), peak_mib()
        started = time.perf_counter()
        response = await client.post("/api/catalog/systems/import", content=content, headers=headers)
        out["seconds"] = round(time.perf_counter() - started, 2)
        assert response.status_code == 201, response.text
        out["imported"] = response.json()["imported"]
        out["rss_after_mib"], out["peak_mib"] = rss_mib(), peak_mib()
    out["peak_growth_mib"] = round(out["peak_mib"] - out["rss_before_mib"], 1)
    await runtime.engine.dispose()
    await runtime.read_engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of a temporary PostgreSQL")
    parser.add_argument("--label", default=None, help="record the figures under this label")
    args = parser.parse_args()
    if args.sqlite:
        with tempfile.TemporaryDirectory() as folder:
            result = asyncio.run(measure(f"sqlite+aiosqlite:///{folder}/catalog.sqlite", args.rows))
            result["database"] = "sqlite"
    else:
        from tests.support import infra

        pg_dir = infra.new_pg_dir("govproj-import-")
        try:
            urls = infra.start_postgres(pg_dir, infra.free_port(), ["catalog"])
            result = asyncio.run(measure(urls["catalog"], args.rows))
            result["database"] = "postgresql"
        finally:
            infra.stop_postgres(pg_dir, remove=True)
    result["load_average"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(result, ensure_ascii=False))
    if args.label:
        recorded = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        recorded[args.label] = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **result}
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(recorded, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
