"""Fixtures for the policy tests: the real registry, and a scratch registry for broken or dated packs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shared.policy import Pack, PackRegistry
from shared.policy.registry import PACKS_DIR, SOURCES_DIR

WAN = 1_000_000  # fen per 万元


@pytest.fixture(scope="session")
def registry() -> PackRegistry:
    registry = PackRegistry()
    registry.load_all()
    return registry


@pytest.fixture(scope="session")
def dazhou(registry: PackRegistry) -> Pack:
    return registry.get("dazhou")


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A directory with a copy of the real default pack that a test may edit (other packs stay out, so a
    half-written jurisdiction pack cannot break the engine's own tests)."""
    directory = tmp_path / "packs"
    directory.mkdir()
    shutil.copy(PACKS_DIR / "dazhou.yaml", directory / "dazhou.yaml")
    return directory


def scratch_registry(directory: Path) -> PackRegistry:
    return PackRegistry(directory, SOURCES_DIR)
