"""A small second platform beside the session's: its own databases (on the session's PostgreSQL) and its own
topic prefix (on the session's Kafka, so its own topics and consumer groups), for tests that start processes
with other settings (tracing on, two replicas of one service) without disturbing the shared platform."""

from __future__ import annotations

import contextlib
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg

from deploy.local.launcher import Platform
from tests.support import infra


async def create_databases(any_url: str, names: list[str]) -> dict[str, str]:
    """Fresh databases beside `any_url`'s; returns name → SQLAlchemy URL."""
    base, _ = any_url.rsplit("/", 1)
    admin = await asyncpg.connect(base.replace("postgresql+asyncpg://", "postgresql://") + "/postgres")
    try:
        for name in names:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return {name: f"{base}/{name}" for name in names}


def unique_prefix(what: str) -> str:
    return f"{what}{uuid.uuid4().hex[:6]}"


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def running(platform: Platform, services: tuple[str, ...], *, timeout: float = 180) -> Iterator[Platform]:
    """Start `services` (the gateway waits for health only: its readiness wants all six stage services)."""
    try:
        platform.start(services)
        stages = tuple(name for name in platform.processes if not name.startswith("gateway"))
        platform.wait_ready(timeout=timeout, services=stages)
        if "gateway" in services:
            infra.wait_for_sync(lambda: healthy(platform.urls["gateway"]), timeout=60, message="gateway healthy")
        yield platform
    finally:
        platform.stop()


def log_lines(log_dir: Path, name: str) -> list[str]:
    path = log_dir / f"{name}.log"
    return [line for line in path.read_text(errors="replace").splitlines() if line.strip()] if path.exists() else []
