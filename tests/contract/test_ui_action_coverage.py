"""Every write operation of the six services has a way in from the workbench (issue 17): each is in the
front end's action registry (services/gateway/webapp/src/actions/registry.json) with a Chinese and an
English name, or is listed here as machine-to-machine only, with the reason. The forms are built from the
committed OpenAPI documents, so those must match the services too."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scripts.dump_openapi import OUT, spec
from shared.settings import STAGE_SERVICES

WEBAPP = Path(__file__).resolve().parents[2] / "services" / "gateway" / "webapp"
REGISTRY = json.loads((WEBAPP / "src" / "actions" / "registry.json").read_text(encoding="utf-8"))["operations"]
WRITE_METHODS = {"post", "put", "patch", "delete"}
REGENERATE = "run `PYTHONPATH=. .venv/bin/python scripts/dump_openapi.py` and commit services/gateway/webapp/openapi/"

#: Operations no person takes in the browser, each with why.
MACHINE_ONLY = {
    "catalog POST /api/catalog/monitoring": "telemetry push: platforms send monthly figures in bulk, idempotent per "
    "system and month; people read them on the system's page",
    # issue 19 §6: the bureau's 政策影响分析 page (/policy-impact) asks every service and merges by project; a
    # dry run that stores nothing, so it is not a per-project action form
    "budget POST /api/budget/policy/impact": "dry run from the 政策影响分析 page, merged with the other services",
    "procurement POST /api/procurement/policy/impact": "dry run from the 政策影响分析 page, merged with budget's",
}


def write_operations(document: dict, service: str) -> dict[str, dict]:
    return {
        f"{service} {method.upper()} {path}": operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if method in WRITE_METHODS
    }


@pytest.fixture(scope="module")
def live() -> dict[str, dict]:
    operations: dict[str, dict] = {}
    for service in STAGE_SERVICES:
        operations.update(write_operations(spec(service), service))
    return operations


def catalogue_keys(name: str) -> set[str]:
    text = (WEBAPP / "src" / "locales" / name).read_text(encoding="utf-8")
    return set(re.findall(r'^\s*"op\.([^"]+)":', text, flags=re.MULTILINE))


def test_every_write_operation_has_a_ui_entry_point_or_a_reason(live):
    missing = sorted(key for key in live if key not in REGISTRY and key not in MACHINE_ONLY)
    assert not missing, (
        "write operations with no way in from the workbench: add each to src/actions/registry.json (and its "
        f"name to src/locales/actions.*.ts), or to MACHINE_ONLY with the reason: {missing}"
    )


def test_the_registry_names_only_operations_that_exist(live):
    stale = sorted(key for key in REGISTRY if key not in live)
    assert not stale, f"registry entries the services no longer serve: {stale}"
    assert not set(REGISTRY) & set(MACHINE_ONLY), "an operation is both offered in the UI and machine-only"
    assert all(reason.strip() for reason in MACHINE_ONLY.values())


def test_every_registered_operation_is_named_in_both_languages():
    for catalogue in ("actions.zh-CN.ts", "actions.en-US.ts"):
        unnamed = sorted(set(REGISTRY) - catalogue_keys(catalogue))
        assert not unnamed, f"operations without a name in {catalogue}: {unnamed}"


def test_entry_points_are_where_a_person_finds_them():
    for key, placement in REGISTRY.items():
        assert placement["entry"] in {"project", "desk"}, key
        if placement["entry"] == "project":
            assert "{project_id}" in key, f"{key} is offered on a project's page but does not take its id"


@pytest.mark.parametrize("service", STAGE_SERVICES)
def test_the_committed_openapi_the_forms_use_is_current(service):
    committed = json.loads((OUT / f"{service}.json").read_text(encoding="utf-8"))
    assert json.loads(json.dumps(spec(service))) == committed, f"{service}'s API changed: {REGENERATE}"
