"""The policy HTTP API: reads, dry runs, and problems (never a 500)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.errors import PROBLEM_MEDIA_TYPE, install_problem_handlers
from shared.policy import PackRegistry, packs
from shared.policy.api import build_router

from .conftest import WAN, scratch_registry
from .test_loading import CHILD


def _client(registry: PackRegistry) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(build_router(registry))
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return _client(packs)


def _problem(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    body = response.json()
    assert body["type"].endswith("/" + kind)
    assert body["status"] == status and body["title"]
    return body


def test_list_packs(client: TestClient) -> None:
    body = client.get("/api/policy/packs").json()
    assert body["default"] == "dazhou"
    dazhou = next(p for p in body["packs"] if p["id"] == "dazhou")
    assert dazhou["rules"] == dazhou["own_rules"] == len(packs.default.rules)
    assert dazhou["effective_from"] == "2023-07-25"


def test_get_pack_shows_rules_and_inheritance(client: TestClient) -> None:
    body = client.get("/api/policy/packs/dazhou").json()
    assert body["version"] == packs.default.version
    assert body["semantics"] == {"以上": ">=", "以下": "<"}
    rule = next(r for r in body["rules"] if r["id"] == "approval.authority")
    assert rule["inherited"] is False and rule["citation"] == "dazhou:第十条"
    assert rule["params"]["bands"][0] == {
        "to": 200 * WAN,
        "steps": ["vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance"],
        "citation": "dazhou:第十条(一)",
        "quote": "(一)总投资200万元以下的,经市政府分管项目建设单位的副市长和分管数字经济工作的副市长审核,"
        "报分管财政工作的副市长审定;",
    }
    assert rule["facts"] == {"required": ["total_investment_fen"], "optional": ["collective_review"]}


def test_get_rule_with_quote(client: TestClient) -> None:
    body = client.get("/api/policy/packs/dazhou/rules/procurement.supplement_cap").json()
    assert "不得超过原合同采购金额的10%" in body["quote"]
    assert body["params"]["checks"][0]["ratio"] == "10%"
    assert body["pack_version"] == packs.default.version


def test_unknown_pack_and_rule_are_404_problems(client: TestClient) -> None:
    body = _problem(client.get("/api/policy/packs/atlantis"), 404, "unknown-pack")
    assert "dazhou" in body["known"]
    _problem(client.get("/api/policy/packs/dazhou/rules/no.such"), 404, "unknown-rule")
    _problem(client.get("/api/policy/packs/atlantis/versions"), 404, "unknown-pack")
    _problem(client.post("/api/policy/packs/atlantis/evaluate", json={"stage": "intake"}), 404, "unknown-pack")
    body = _problem(
        client.post("/api/policy/packs/dazhou/evaluate", json={"rule_ids": ["no.such"], "facts": {}}),
        404,
        "unknown-rule",
    )
    assert body["rule_id"] == "no.such"


def test_versions(client: TestClient) -> None:
    body = client.get("/api/policy/packs/dazhou/versions").json()
    assert body["versions"][0]["version"] == packs.default.version
    assert body["versions"][0]["changes"] is None


def test_versions_with_changes(tmp_path: Path, scratch: Path) -> None:
    (scratch / "testchild.yaml").write_text(CHILD, encoding="utf-8")
    client = _client(scratch_registry(scratch))
    versions = client.get("/api/policy/packs/testchild/versions").json()["versions"]
    assert len(versions) == 2
    assert versions[1]["changes"]["changed"][0]["changes"]["params.within"] == {"old": 20, "new": 30}
    old = client.get("/api/policy/packs/testchild/rules/acceptance.organize_due", params={"at": "2024-09-01"}).json()
    assert old["params"]["within"] == 20
    rules = client.get("/api/policy/packs/testchild").json()["rules"]
    assert {r["id"]: r["inherited"] for r in rules}["approval.authority"] is True


def test_evaluate_dry_run(client: TestClient) -> None:
    response = client.post(
        "/api/policy/packs/dazhou/evaluate",
        json={
            "rule_ids": ["approval.authority", "procurement.supplement_cap"],
            "facts": {
                "total_investment_fen": 500 * WAN,
                "supplement_fen": 100 * WAN + 1,
                "original_contract_fen": 1000 * WAN,
            },
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["outcomes"] == {"pass": 0, "fail": 1, "info": 1}
    authority, cap = body["decisions"]
    assert authority["value"] == ["executive_meeting"]
    assert (
        cap["outcome"] == "fail"
        and cap["citation"] == "dazhou:第四十三条"
        and cap["pack_version"] == body["pack_version"]
    )


def test_evaluate_stage_with_dates_as_strings(client: TestClient) -> None:
    response = client.post(
        "/api/policy/packs/dazhou/evaluate",
        json={
            "stage": "acceptance",
            "facts": {
                "trial_run_started_on": "2026-01-01",
                "trial_run_ended_on": "2026-01-20",
                "acceptance_items": ["mlps_test"],
            },
        },
    )
    assert response.status_code == 200
    outcomes = {d["rule_id"]: d["outcome"] for d in response.json()["decisions"]}
    assert outcomes == {
        "acceptance.trial_run": "fail",
        "acceptance.path": "info",
        "acceptance.items": "fail",
        "acceptance.information_sharing": "fail",  # dazhou:第二十三条
        "acceptance.sharing_security_basis": "fail",  # dazhou:第二十六条
    }


def test_missing_facts_are_a_422_listing_what_each_rule_needs(client: TestClient) -> None:
    body = _problem(
        client.post("/api/policy/packs/dazhou/evaluate", json={"stage": "procurement", "facts": {}}),
        422,
        "missing-facts",
    )
    assert body["needs"]["procurement.supplement_cap"] == ["original_contract_fen", "supplement_fen"]
    assert "procurement_plan_filed" in body["missing"]


def test_float_amount_is_a_422(client: TestClient) -> None:
    body = _problem(
        client.post(
            "/api/policy/packs/dazhou/evaluate",
            json={"rule_ids": ["scope.min_investment"], "facts": {"total_investment_fen": 300000.5}},
        ),
        422,
        "invalid-fact",
    )
    assert body["fact"] == "total_investment_fen"
    assert "float" in body["detail"]


@pytest.mark.parametrize(
    "payload",
    [{"stage": "nowhere", "facts": {}}, {"facts": {}}, {"stage": "budget", "rule_ids": ["scope.min_investment"]}],
)
def test_bad_requests_are_422_problems(client: TestClient, payload) -> None:
    _problem(client.post("/api/policy/packs/dazhou/evaluate", json=payload), 422, "policy-error")


def test_malformed_body(client: TestClient) -> None:
    response = client.post("/api/policy/packs/dazhou/evaluate", json={"stage": "intake", "facts": [1, 2]})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    response = client.post(
        "/api/policy/packs/dazhou/evaluate", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["2026-10-01", "2026-02-30", "upgrade", "self_build", "public_criticism", "T"]),
    st.lists(st.one_of(st.integers(), st.text(max_size=8), st.sampled_from(["new_server", "mlps_test"])), max_size=4),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_rule_ids = st.sampled_from(packs.default.rule_ids())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rule_id=_rule_ids, data=st.data())
def test_no_facts_ever_cause_a_500(client: TestClient, rule_id: str, data) -> None:
    needed = packs.default.needs(rule_id)
    names = needed["required"] + needed["optional"]
    facts = data.draw(
        st.dictionaries(st.sampled_from(names) if names else st.just("x"), _values, max_size=len(names) + 1)
    )
    response = client.post("/api/policy/packs/dazhou/evaluate", json={"rule_ids": [rule_id], "facts": facts})
    assert response.status_code in (200, 422), (rule_id, facts, response.text)
