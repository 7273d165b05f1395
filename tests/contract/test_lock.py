"""The lock files agree with pyproject.toml: every pinned dependency is locked at its pinned version, the
runtime lock carries no test tool, and every locked package has a hash (so `--require-hashes` installs)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def locked(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([A-Za-z0-9_.\-\[\],]+)==([^\s\\]+)", text, flags=re.M))
    return {_normal(package.split("[")[0]): version for package, version in pins.items()}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(requirements: list[str]) -> dict[str, str]:
    found = {}
    for requirement in requirements:
        match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s;]+)", requirement)
        assert match, f"{requirement!r} is not pinned with =="
        found[_normal(match.group(1))] = match.group(3)
    return found


def test_every_pinned_dependency_is_locked_at_its_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = pinned(project["dependencies"])
    tools = pinned([r for extra in ("test", "bench") for r in project["optional-dependencies"][extra]])
    test_lock, runtime_lock = locked("test.lock"), locked("runtime.lock")
    for name, version in {**runtime, **tools}.items():
        assert test_lock.get(name) == version, f"{name}=={version} not in requirements/test.lock: run scripts/lock.sh"
    for name, version in runtime.items():
        assert runtime_lock.get(name) == version, f"{name}=={version} not in requirements/runtime.lock"
    leaked = (set(tools) - set(runtime)) & set(runtime_lock)
    assert not leaked, f"test tools in the runtime lock: {sorted(leaked)}"


def test_every_locked_package_carries_a_hash() -> None:
    for name in ("test.lock", "runtime.lock"):
        entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "requirements" / name).read_text(encoding="utf-8"))
        for entry in entries:
            if "==" in entry.split("\n", 1)[0]:
                assert "--hash=sha256:" in entry, f"{name}: {entry.splitlines()[0]} has no hash"
