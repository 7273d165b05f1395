"""The services import with nothing but what the production image installs (requirements/runtime.lock):
no service may depend on a test or benchmark tool. The same mechanism (bench/runtime_only) makes the
benchmarks measure the services' memory as deployed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from shared.settings import REPO_ROOT

RUNTIME_ONLY = REPO_ROOT / "bench" / "runtime_only"

PROBE = """
import json, sys
refused = {}
for name in ("numpy", "rich", "pytest", "hypothesis"):
    try:
        __import__(name)
        refused[name] = False
    except ModuleNotFoundError:
        refused[name] = True
import openpyxl.compat.numbers, structlog
for service in ("intake", "review", "budget", "procurement", "acceptance", "catalog", "gateway"):
    __import__(f"services.{service}.main")
print(json.dumps({
    "refused": refused,
    "openpyxl_uses_numpy": openpyxl.compat.numbers.NUMPY,
    "loaded_outside_the_lock": sorted(m for m in ("numpy", "rich", "scipy", "pytest") if m in sys.modules),
}))
"""


def test_the_services_import_with_only_the_runtime_lock_and_without_the_test_tools():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(RUNTIME_ONLY), str(REPO_ROOT)])}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["refused"] == {"numpy": True, "rich": True, "pytest": True, "hypothesis": True}
    assert seen["openpyxl_uses_numpy"] is False
    assert seen["loaded_outside_the_lock"] == []


def test_without_it_the_virtualenv_offers_the_test_tools():
    """What the mechanism changes: the development virtualenv has them (so a measured service would load them)."""
    done = subprocess.run(
        [sys.executable, "-c", "import numpy, rich; print('ok')"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert done.stdout.strip() == "ok", done.stderr
