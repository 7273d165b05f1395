"""The benchmark scripts still run end to end (tiny sizes; their figures are not judged here, only
that every figure is printed): a benchmark that rots is found by CI, not by the next person to run it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, results: Path | None = None) -> str:
    env = {**os.environ, "GOVPROJ_BENCH_RESULTS": str(results)} if results is not None else None
    done = subprocess.run(
        [sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=600, check=False, env=env
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_the_lifecycle_benchmark_prints_every_figure(tmp_path):
    out = run(
        *("bench/lifecycle.py", "--projects", "2", "--concurrency", "2", "--warm-up", "1", "--raw", "5", "--floor"),
        *("--memory-every", "0.5"),
        results=tmp_path,
    )
    for figure in ("projects/s", "hop latency", "a hop's parts", "raw aiokafka", "CPU per project", "ratio ours/raw"):
        assert figure in out, out
    assert "floor (bare FastAPI + asyncpg + aiokafka)" in out and "over the floor's" in out, out
    figures = json.loads((tmp_path / "lifecycle.json").read_text())
    for key in ("projects_per_s", "hop_p50_over_raw", "cpu_per_project_over_floor", "service_rss_mib_max"):
        assert figures[key] > 0, figures
    # every event reached every service that consumes it: at least 19 hops per project (more since the
    # portfolio read model; deadline reminders make the count vary with timing)
    hops = int(re.search(r"(\d+) hops", out).group(1))
    assert hops >= 2 * 19, out
    # the soak's memory: sampled during the run (at least the closing sample), every service and the whole
    # platform (services + broker + PostgreSQL) measured
    assert "soak," in out and figures["memory_samples"], out
    assert set(figures["service_rss_growth_second_half_mib"]) == set(figures["service_rss_mib"]), figures
    assert figures["platform_pss_mib_max"] > sum(figures["service_rss_mib"].values()) / 2, figures


def test_the_statements_benchmark_counts_every_service(tmp_path):
    out = run("bench/statements.py", "--projects", "1", "--idle", "1", results=tmp_path)
    figures = json.loads((tmp_path / "statements.json").read_text())
    counts = figures["statements_per_project_by_service"]
    assert set(counts) == {"intake", "review", "budget", "procurement", "acceptance", "catalog"}, out
    # every service wrote the project in transactions of its own: BEGIN, its inserts, COMMIT at the least
    assert all(count >= 10 for count in counts.values()), out
    for service, detail in figures["by_service"].items():
        assert any(s["query"].startswith("INSERT INTO inbox") for s in detail["statements"]), (service, out)
    assert "top statements by calls" in out, out


def test_the_catchup_benchmark_drains_what_piled_up(tmp_path):
    out = run("bench/catchup.py", "--projects", "4", "--concurrency", "2", results=tmp_path)
    figures = json.loads((tmp_path / "catchup.json").read_text())
    # 4 projects submitted and admitted while catalog was down: at least their 8 intake events waited
    assert figures["events_accumulated"] >= 8, out
    assert figures["catchup_events_per_s"] > 0 and figures["time_to_zero_lag_s"] > 0, out
    assert "restart → zero lag" in out, out


def test_the_request_cost_benchmark_prints_each_kind():
    out = run("bench/request_cost.py", "--requests", "5", "--concurrency", "2")
    lines = [line for line in out.splitlines() if "µs CPU per request" in line]
    assert len(lines) == 5, out
    statuses = [line.rsplit(": ", 1)[1].split(",")[0] for line in lines]
    assert statuses == ["200", "404", "200", "200", "200"], out  # /healthz, the unknown project, 3 views


def test_the_province_read_benchmark_runs_end_to_end():
    """The generator fills every service's database, a sample passes the services' invariants through the
    APIs (the run stops otherwise), and every read, the report, the import and the RSS are printed."""
    out = run(
        "bench/read_load.py",
        *("--scales", "300", "--clients", "3", "--seconds", "1", "--import-rows", "50"),
        *("--check", "15", "--report-runs", "1", "--no-write"),
    )
    assert "a sample of 15 re-checked through the APIs" in out, out
    for read in ("library_deep_cursor", "library_priority_sort", "todos_unit", "cockpit", "timeline", "findings_list"):
        line = next((line for line in out.splitlines() if line.strip().startswith(f"{read}:")), None)
        assert line is not None and '"ok": ' in line, out
    assert '"projects_in_read_benchmark": 300' in out and '"service_rss_mib_max"' in out, out
    assert "'imported': 50" in out, out


def test_the_read_cost_mode_prints_each_process_cpu_per_read():
    """The CPU mode: every read of CPU_READS answered as expected, with the CPU per request of the
    gateway, PostgreSQL and the client (issue 21 target 1: where a read's CPU goes)."""
    out = run("bench/read_load.py", *("--scales", "200", "--check", "0", "--cpu-requests", "6", "--no-write"))
    for read, status in (("unknown_project_404", "404"), *((r, "200") for r in ("library_no_filter", "cockpit"))):
        line = next((line for line in out.splitlines() if line.strip().startswith(f"{read}:")), None)
        assert line is not None, out
        figures = json.loads(line.split(":", 1)[1])
        assert figures["statuses"] == {status: 6}, line
        assert figures["cpu_us_per_request"]["gateway"] > 0 and "postgres" in figures["cpu_us_per_request"], line


def test_the_import_memory_benchmark_prints_its_figures():
    out = run("bench/import_memory.py", "--rows", "120", "--sqlite")
    figures = json.loads(out.strip().splitlines()[-1])
    assert figures["imported"] == 120 and figures["peak_mib"] >= figures["rss_before_mib"] > 0, out


def test_the_cockpit_benchmark_compares_both_ratings():
    out = run("bench/cockpit.py", "--scale", "300", "--runs", "1")
    figures = json.loads(out.strip().splitlines()[-1])
    for scope in ("province", "one_jurisdiction"):
        assert figures[scope]["rated_projects"] > 0, out
        assert {"risk_in_sql", "risk_in_python", "whole_cockpit"} <= set(figures[scope]), out
