"""The benchmark scripts still run end to end (tiny sizes; their figures are not judged here, only
that every figure is printed): a benchmark that rots is found by CI, not by the next person to run it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=400, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_the_lifecycle_benchmark_prints_every_figure():
    out = run("bench/lifecycle.py", "--projects", "2", "--concurrency", "2", "--warm-up", "1", "--raw", "5")
    for figure in ("projects/s", "hop latency", "a hop's parts", "raw aiokafka", "CPU per project", "ratio ours/raw"):
        assert figure in out, out
    # every event reached every service that consumes it: at least 19 hops per project (more since the
    # portfolio read model; deadline reminders make the count vary with timing)
    hops = int(re.search(r"(\d+) hops", out).group(1))
    assert hops >= 2 * 19, out


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
