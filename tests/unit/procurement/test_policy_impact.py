"""Issue 19 §6 through procurement's API: a lower supplement cap lists exactly the contracts it would refuse."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.procurement.api import router, scope
from services.procurement.handlers import subscriptions
from services.procurement.impact import router as impact_router
from services.procurement.tables import schema
from shared.auth import Role
from shared.db import upgrade_to_head
from shared.policy import packs
from shared.policy.registry import PACKS_DIR
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings

from .conftest import WAN, Procurement

CAP_10 = 'ratio: "10%", of: original_contract_fen, label_zh: 补充合同累计金额'


@pytest.fixture
async def procurement(tmp_path) -> AsyncIterator[Procurement]:
    packs.load_all()
    settings = Settings(
        service="procurement", database_url=f"sqlite+aiosqlite:///{tmp_path / 'p.sqlite'}", clock_control=True
    )
    app = create_service_app(
        "procurement", schema, subscriptions, [router, impact_router], title="t", settings=settings, scope=scope
    )
    runtime: ServiceRuntime = app.state.runtime
    await upgrade_to_head(runtime.engine, "procurement")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://procurement") as client:
        yield Procurement(client, runtime, settings)
    await runtime.engine.dispose()


async def _with_supplement(procurement: Procurement, supplement_wan: int, **project) -> str:
    pid = await procurement.project(100 * WAN, **project)
    contract = await procurement.contract(pid, 100 * WAN)
    assert contract.status_code == 201, contract.text
    path = f"/contracts/{contract.json()['id']}/supplements"
    asked = await procurement.post(path, {"amount_fen": supplement_wan * WAN})
    assert asked.status_code == 201, asked.text  # within today's 10%
    return pid


def _candidate(ratio: str) -> str:
    text = (PACKS_DIR / "dazhou.yaml").read_text(encoding="utf-8")
    assert text.count(CAP_10) == 1
    return text.replace(CAP_10, CAP_10.replace('"10%"', f'"{ratio}"'))


async def test_a_lower_cap_shows_exactly_the_contracts_above_it(procurement: Procurement) -> None:
    five = await _with_supplement(procurement, 5)
    nine = await _with_supplement(procurement, 9)
    ten = await _with_supplement(procurement, 10)
    eight = await _with_supplement(procurement, 8)  # exactly the new cap: still within
    secret = await _with_supplement(procurement, 9, secret=True)  # never listed
    other = await _with_supplement(procurement, 9, jurisdiction="quzhou")  # another pack

    answer = await procurement.post(
        "/policy/impact", {"pack": "dazhou", "candidate": _candidate("8%")}, Role.DATA_BUREAU
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["service"] == "procurement" and report["examined"] == 4
    assert sorted(p["project_id"] for p in report["projects"]) == sorted([nine, ten])
    assert {five, eight, secret, other}.isdisjoint(p["project_id"] for p in report["projects"])
    change = next(p for p in report["projects"] if p["project_id"] == nine)["changes"][0]
    assert change["rule_id"] == "procurement.supplement_cap" and change["kind"] == "changed"
    assert change["old"]["outcome"] == "pass" and change["new"]["outcome"] == "fail"
    assert change["new"]["citation"] == "dazhou:第四十三条" and change["applies"] == "new"
    assert [c["rule_id"] for c in report["diff"]["changed"]] == ["procurement.supplement_cap"]


async def test_only_the_bureau_asks_and_a_broken_candidate_is_a_422(procurement: Procurement) -> None:
    body = {"pack": "dazhou", "candidate": _candidate("8%")}
    assert (await procurement.post("/policy/impact", body, Role.UNIT)).status_code == 403
    broken = await procurement.post(
        "/policy/impact", {"pack": "dazhou", "candidate": "pack: dazhou\nrules: ["}, Role.DATA_BUREAU
    )
    assert broken.status_code == 422 and broken.json()["field"].startswith("candidate")
    unknown = await procurement.post("/policy/impact", {"pack": "nowhere", "candidate": "x"}, Role.DATA_BUREAU)
    assert unknown.status_code == 404
