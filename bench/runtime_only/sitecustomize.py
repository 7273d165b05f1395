"""Lets a process import only what the production image installs: the packages pinned in
requirements/runtime.lock (and the project itself).

The benchmarks run the services from the development virtualenv, which also holds the test and benchmark
tools. Some of them change what the services load: openpyxl imports numpy when it can (+10 MiB), structlog
imports rich for its console tracebacks (+8 MiB). A service measured that way is heavier than the one the
container runs (deploy/Dockerfile installs runtime.lock only), so the benchmarks put this directory on
PYTHONPATH for the service processes (deploy/local/launcher.py, `runtime_only=True`): `site` imports this
module at start-up and a meta path finder refuses every top-level package whose distribution is not in the
lock, exactly as the image would not have it."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.metadata
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

LOCK = Path(__file__).resolve().parents[2] / "requirements" / "runtime.lock"
PROJECT = "govproj"


def canonical(name: str) -> str:
    """A distribution's name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(lock: Path = LOCK) -> set[str]:
    return {
        canonical(match.group(1))
        for line in lock.read_text(encoding="utf-8").splitlines()
        if (match := re.match(r"^([A-Za-z0-9][A-Za-z0-9_.\-]*)==", line))
    }


def refused_modules(allowed: set[str]) -> set[str]:
    """Top-level modules installed here whose every distribution is outside `allowed`."""
    return {
        module
        for module, distributions in importlib.metadata.packages_distributions().items()
        if not any(canonical(d) in allowed for d in distributions)
    }


class RuntimeOnly(importlib.abc.MetaPathFinder):
    def __init__(self, refused: set[str]) -> None:
        self.refused = refused

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if path is None and fullname in self.refused:
            raise ModuleNotFoundError(f"No module named {fullname!r} (not in requirements/runtime.lock)", name=fullname)
        return None  # the normal finders decide


if LOCK.is_file():
    sys.meta_path.insert(0, RuntimeOnly(refused_modules(locked() | {PROJECT})))
