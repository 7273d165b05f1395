"""Operators' view: a real Prometheus (Debian's package) scrapes every service of the test platform, every
dashboard panel's PromQL returns data, and every /metrics exposition passes `promtool check metrics`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.settings import REPO_ROOT
from tests.support import infra
from tests.support.api import Api, ok, required_materials
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration

DASHBOARDS = sorted((REPO_ROOT / "deploy" / "grafana").rglob("*.json"))


def panel_queries() -> list[tuple[str, str, str]]:
    queries = []
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        for panel in dashboard.get("panels", []):
            for target in panel.get("targets", []):
                if target.get("expr"):
                    queries.append((path.name, panel["title"], as_grafana_sends(target["expr"])))
    return queries


def as_grafana_sends(expr: str) -> str:
    """Grafana replaces its variables before Prometheus sees a query: `$__rate_interval` by a window at least
    four scrape intervals long, a multi-value variable set to All by its `allValue` (`.*`)."""
    return expr.replace("$__rate_interval", "1m").replace("$jurisdiction", ".*")


@pytest.fixture(scope="module")
def prometheus(platform) -> Iterator[str]:
    binary = shutil.which("prometheus")
    assert binary, "prometheus is installed by scripts/bootstrap.sh --test (Debian package 'prometheus')"
    workdir = Path(tempfile.mkdtemp(prefix="govproj-prom-"))
    targets = [url.removeprefix("http://") for url in platform.urls.values()]
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [{"job_name": "govproj", "static_configs": [{"targets": targets}]}],
    }
    (workdir / "prometheus.yml").write_text(json.dumps(config))
    port = infra.free_port()
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "prometheus.log", "wb"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        infra.wait_for_sync(lambda: _ready(url), timeout=60, message="prometheus ready")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/-/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


async def make_traffic(api: Api) -> None:
    """A project admitted (an event consumed by review) and a refused submission (a rule decision)."""
    body = {
        "unit": "达州市教育局",
        "jurisdiction": "dazhou",
        "title": "监控样例",
        "category": "application",
        "construction_type": "new",
        "total_investment_fen": 80_000_000,
        "plan_year": 2027,
        "materials": required_materials(),
    }
    project = ok(await api.post("edu", "/api/intake/applications", body), 201)["id"]
    ok(await api.post("edu", f"/api/intake/applications/{project}/submit"))
    ok(await api.post("bureau", f"/api/intake/applications/{project}/admit"))
    await wait_for(lambda: _review_has(api, project), timeout=30, message="review consumed the admission")
    small = ok(await api.post("edu", "/api/intake/applications", {**body, "total_investment_fen": 100}), 201)["id"]
    assert (await api.post("edu", f"/api/intake/applications/{small}/submit")).status_code == 422


async def _review_has(api: Api, project: str) -> bool:
    return (await api.get("bureau", f"/api/review/projects/{project}")).status_code == 200


METRIC_NAME = re.compile(r"\bgovproj_[a-z0-9_]+")
SERIES_SUFFIXES = ("_bucket", "_sum", "_count", "_created", "_total")


def family(name: str) -> str:
    for suffix in SERIES_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


async def test_every_dashboard_query_is_valid_and_names_real_metrics(prometheus: str, platform):
    """Each panel's PromQL parses, and every metric it names is declared by some service (a typo fails)."""
    queries = panel_queries()
    assert len(queries) >= 20, "the platform and catalog dashboards are provisioned"
    declared: set[str] = set()
    async with httpx.AsyncClient(timeout=10) as client:
        for url in platform.urls.values():
            text = (await client.get(f"{url}/metrics")).text
            declared |= {family(line.split()[2]) for line in text.splitlines() if line.startswith("# TYPE ")}
    async with httpx.AsyncClient(base_url=prometheus, timeout=10) as client:
        for dashboard, title, expr in queries:
            body = (await client.get("/api/v1/query", params={"query": expr})).json()
            assert body["status"] == "success", f"{dashboard} / {title}: {body}"
            unknown = {name for name in METRIC_NAME.findall(expr) if family(name) not in declared}
            assert not unknown, f"{dashboard} / {title} names metrics no service declares: {sorted(unknown)}"


async def test_platform_dashboard_panels_show_data(api: Api, prometheus: str):
    """The operators' overview shows live data from real traffic (catalog panels need months of monitoring)."""
    await make_traffic(api)
    async with httpx.AsyncClient(base_url=prometheus, timeout=10) as client:
        for dashboard, title, expr in panel_queries():
            if dashboard != "platform.json":
                continue

            async def has_data(expr: str = expr) -> bool:
                return bool((await client.get("/api/v1/query", params={"query": expr})).json()["data"]["result"])

            await wait_for(has_data, timeout=60, interval=0.5, message=f"{dashboard} / {title}: {expr}")


async def test_scrape_targets_are_all_up(api: Api, prometheus: str, platform):
    async with httpx.AsyncClient(base_url=prometheus, timeout=10) as client:

        async def all_up() -> bool:
            query = urllib.parse.quote('sum(up{job="govproj"})')
            body = (await client.get(f"/api/v1/query?query={query}")).json()
            result = body["data"]["result"]
            return bool(result) and int(float(result[0]["value"][1])) == len(platform.urls)

        await wait_for(all_up, timeout=60, interval=0.5, message="every service scraped and up")


def test_metrics_exposition_passes_promtool(platform):
    promtool = shutil.which("promtool")
    assert promtool, "promtool comes with Debian's prometheus package"
    for service, url in platform.urls.items():
        text = httpx.get(f"{url}/metrics", timeout=10).text
        assert "govproj_http_requests_total" in text, service
        checked = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
        problems = [line for line in (checked.stdout + checked.stderr).splitlines() if line.strip()]
        assert checked.returncode == 0 and not problems, f"{service}: {problems}"
