"""Helpers for the schemathesis fuzz test (tests/integration/test_api_fuzz.py).

The fuzzer calls every API with a token that holds every role, so a refusal by role never hides a crash,
and it works in a unit of its own: the platform is shared by the whole test session, so requests that
name a real unit (the seeded dev users' units, which the other integration tests use) are diverted to
`FUZZ_UNIT` and the fuzzer cannot bar, fill or sanction another test's unit."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from services.gateway.users import DEV_USERS
from services.intake.schemas import APPLICATION_EXAMPLE, NeedCreate
from shared.auth import Role, issue_token
from shared.settings import DEV_JWT_SECRET

FUZZ_UNIT = "达州市接口健壮性测试局"
NEED_EXAMPLE = NeedCreate.model_config["json_schema_extra"]["examples"][0]
REAL_UNITS = frozenset(user.unit for user in DEV_USERS.values() if user.unit)

# Operations the fuzzer leaves alone: test-only controls that move the clock or run sweepers for
# the whole session.
EXCLUDED_PATH_REGEX = r"^/_admin"


def fuzz_token() -> str:
    return issue_token(DEV_JWT_SECRET, "fuzzer", list(Role), unit=FUZZ_UNIT, name="接口健壮性测试", cleared=True)


def divert(value: Any) -> Any:
    """`value` with every real unit name replaced by the fuzzer's own unit (recursively)."""
    if isinstance(value, str):
        return FUZZ_UNIT if value in REAL_UNITS else value
    if isinstance(value, dict):
        return {key: divert(item) for key, item in value.items()}
    if isinstance(value, list):
        return [divert(item) for item in value]
    return value


def divert_case(case: Any) -> None:
    """Point a schemathesis case at the fuzzer's unit wherever it names a real one."""
    for location in ("path_parameters", "query", "body"):
        current = getattr(case, location, None)
        if current is not None:
            setattr(case, location, divert(current))


def seed_ids(urls: dict[str, str], token: str) -> dict[str, list[str]]:
    """Create a few real resources in the fuzzer's unit; their ids by path-parameter name.

    Fuzzed requests on `/{project_id}/...` then reach a service's logic instead of stopping at a 404:
    a draft application (intake), an admitted one (which intake's event also opens in review), a need,
    a stock system (catalog), and the policy packs and rules the gateway serves. A seed the API refuses
    is skipped: the fuzzer still runs, on random ids only."""
    headers = {"authorization": f"Bearer {token}"}
    ids: dict[str, list[str]] = {}
    run = uuid.uuid4().hex[:8]  # fresh seeds on every run, even against a platform that is kept up

    def call(method: str, service: str, path: str, body: Any = None) -> Any:
        response = httpx.request(
            method,
            f"{urls[service]}{path}",
            json=body,
            headers={**headers, "idempotency-key": f"fuzz-seed-{run}-{method}-{path}"},
            timeout=60,
        )
        return response.json() if response.is_success else None

    def keep(name: str, value: Any) -> None:
        if value and value not in ids.setdefault(name, []):
            ids[name].append(value)

    example = divert(APPLICATION_EXAMPLE)
    for title in ("接口健壮性测试项目（草稿）", "接口健壮性测试项目（已受理）"):
        application = call("POST", "intake", "/api/intake/applications", {**example, "title": title})
        keep("project_id", application and application["id"])
    if len(ids.get("project_id", [])) == 2:
        admitted = ids["project_id"][1]
        call("POST", "intake", f"/api/intake/applications/{admitted}/submit")
        call("POST", "intake", f"/api/intake/applications/{admitted}/admit", {})
    need = call("POST", "intake", "/api/intake/needs", divert(NEED_EXAMPLE))
    keep("need_id", need and need["id"])

    row = {"external_ref": "fuzz-1", "unit": FUZZ_UNIT, "jurisdiction": "dazhou", "name": "接口健壮性测试系统"}
    report = call("POST", "catalog", "/api/catalog/systems/import", [{**row, "went_live_on": "2024-01-01"}])
    keep("batch_id", report and report["id"])
    systems = call("GET", "catalog", "/api/catalog/systems", None) or {}
    for system in (systems.get("items", []) if isinstance(systems, dict) else systems)[:2]:
        keep("system_id", system.get("id"))

    for pack in (call("GET", "gateway", "/api/policy/packs") or {}).get("packs", []):
        keep("pack_id", pack.get("id"))
    if ids.get("pack_id"):
        rules = (call("GET", "gateway", f"/api/policy/packs/{ids['pack_id'][0]}") or {}).get("rules", [])
        for rule in rules[:: max(1, len(rules) // 8)]:
            keep("rule_id", rule.get("id"))
    return ids


# PostgreSQL's BIGINT, the widest integer column the services store.
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


def with_storage_edges(node: Any) -> Any:
    """The OpenAPI document with every unbounded integer given bounds just past BIGINT.

    An integer the API model leaves unbounded is, by the contract, any integer; the database is not.
    Declaring the bounds one past BIGINT's makes schemathesis's coverage phase send exactly those
    edge values (and the fuzzing phase draw across the whole range), so a missing upper bound shows up
    as the 500 it causes instead of depending on luck."""
    if isinstance(node, list):
        return [with_storage_edges(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: with_storage_edges(value) for key, value in node.items()}
    if node.get("type") == "integer":
        if "maximum" not in node and "exclusiveMaximum" not in node:
            node["maximum"] = INT64_MAX + 1
        if "minimum" not in node and "exclusiveMinimum" not in node:
            node["minimum"] = INT64_MIN - 1
    return node
