"""Suqian takes the dazhou path and adds asset registration (suqian:(七)); the metrics move."""

from __future__ import annotations

from datetime import date

import pytest
from prometheus_client import REGISTRY

from services.acceptance import domain
from shared.policy import packs
from tests.unit.acceptance.conftest import ALL_ITEMS, citations, ok, problem

P = "P-SQ-1"


def sample(name: str, labels: dict) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize(
    ("jurisdiction", "secret", "path", "steps"),
    [
        ("dazhou", False, "dazhou_acceptance", ["trial_run", "pre_acceptance_approval", "performance_acceptance"]),
        ("suqian", False, "dazhou_acceptance", ["trial_run", "pre_acceptance_approval", "performance_acceptance"]),
        (
            "quzhou",
            False,
            "quzhou_acceptance",
            ["preliminary_acceptance", "trial_run", "final_acceptance_application", "final_acceptance"],
        ),
        (
            "jiyuan",
            False,
            "jiyuan_acceptance",
            ["preliminary_acceptance", "trial_run", "acceptance_organised", "completion_acceptance"],
        ),
        (
            "fengxian",
            False,
            "fengxian_acceptance",
            ["trial_run", "acceptance_application", "acceptance_organised", "completion_acceptance"],
        ),
        (
            "fengxian",
            True,
            "fengxian_secret_acceptance",
            [
                "trial_run",
                "acceptance_application",
                "acceptance_organised",
                "completion_acceptance",
                "secrecy_approval",
            ],
        ),
    ],
)
def test_every_pack_names_a_path_of_known_steps(jurisdiction, secret, path, steps):
    chosen, decision = domain.choose_path(packs.get(jurisdiction), secret=secret)
    assert chosen.name == path and list(chosen.steps) == steps
    assert decision.rule_id == "acceptance.path"


def test_required_items_per_pack():
    dazhou, quzhou = packs.get("dazhou"), packs.get("quzhou")
    everything = {"mlps_test": True, "crypto_review": True, "secure_reliable_products": True}
    # dazhou also asks for its 第二十三条 and 第二十六条 items (quzhou does not inherit them)
    sharing = {
        "public_platform_connected": True,
        "no_exclusive_data_opening": True,
        "sharing_and_security_status": True,
    }
    assert all(d.passed for d in domain.item_decisions(dazhou, {**everything, **sharing}))
    missing = [d for d in domain.item_decisions(quzhou, everything) if not d.passed]
    assert [d.citation for d in missing] == ["quzhou:三(三)4"]
    failed_one = {**everything, **sharing, "crypto_review": False}
    [refusal] = domain.refusals(domain.item_decisions(dazhou, failed_one))
    assert refusal.value["missing"] == ["crypto_review"]
    hardware = domain.item_decisions(dazhou, {**everything, **sharing}, includes_hardware=True)
    assert domain.refusals(hardware)[0].value["missing"] == ["hardware_energy_efficiency"]


async def test_suqian_asset_registration_end_to_end(service):
    from tests.unit.acceptance.conftest import UNIT

    service.travel(date(2026, 2, 1))
    await service.contract(P, "suqian", date(2026, 1, 5), unit=UNIT)
    ok(await service.post("unit", f"/projects/{P}/trial-run", {"started_on": "2026-01-20"}))
    service.travel(date(2026, 3, 1))
    trial_runs = sample("govproj_acceptance_trial_run_seconds_count", {"path": "dazhou_acceptance"})
    ok(await service.post("bureau", f"/projects/{P}/pre-acceptance"))
    assert sample("govproj_acceptance_trial_run_seconds_count", {"path": "dazhou_acceptance"}) == trial_runs + 1
    accepted_before = sample(
        "govproj_acceptance_acceptances_total", {"path": "dazhou_acceptance", "outcome": "accepted"}
    )
    missing_before = sample("govproj_acceptance_failed_items_total", {"kind": "crypto_review"})
    refused = {"passed": True, "system_name": "宿迁教育", "items": ALL_ITEMS[:1]}
    assert problem(await service.post("unit", f"/projects/{P}/acceptance", refused), 422)
    assert sample("govproj_acceptance_failed_items_total", {"kind": "crypto_review"}) == missing_before + 1
    ok(await service.post("unit", f"/projects/{P}/acceptance", {**refused, "items": ALL_ITEMS}))
    after = sample("govproj_acceptance_acceptances_total", {"path": "dazhou_acceptance", "outcome": "accepted"})
    assert after == accepted_before + 1
    assets = {
        "documents": ["asset_registration_summary"],
        "assets": [{"name": "平台", "category": "software", "quantity": 1, "value_fen": 5}],
    }
    body = ok(await service.post("bureau", f"/projects/{P}/asset-registration", assets), 201)
    assert body["total_value_fen"] == 5
    [event] = await service.events("acceptance.asset.registered.v1")
    assert event.data["citation"] == "suqian:(七)"


async def test_dazhou_has_no_asset_registration_step(service):
    from tests.unit.acceptance.conftest import UNIT

    service.travel(date(2026, 2, 1))
    await service.contract("P-DZ-9", "dazhou", date(2026, 1, 5), unit=UNIT)
    assets = {
        "documents": ["asset_registration_summary"],
        "assets": [{"name": "a", "category": "c", "quantity": 1, "value_fen": 1}],
    }
    body = problem(await service.post("unit", "/projects/P-DZ-9/asset-registration", assets), 409)
    assert body["type"].endswith("/not-on-path")
    _ = citations


async def test_listing_pages_with_a_cursor_and_unit_scoping(service):
    from tests.unit.acceptance.conftest import UNIT

    service.travel(date(2026, 2, 1))
    for n in range(3):
        await service.contract(f"P-L-{n}", "dazhou", date(2026, 1, 5), unit=UNIT)
    await service.contract("P-L-other", "dazhou", date(2026, 1, 5), unit="另一个单位")
    page = ok(await service.get("bureau", "/projects?limit=2"))
    assert [p["project_id"] for p in page["items"]] == ["P-L-0", "P-L-1"] and page["next_cursor"]
    rest = ok(await service.get("bureau", f"/projects?limit=2&cursor={page['next_cursor']}"))
    assert [p["project_id"] for p in rest["items"]] == ["P-L-2", "P-L-other"] and rest["next_cursor"] is None
    mine = ok(await service.get("unit", "/projects"))
    assert {p["project_id"] for p in mine["items"]} == {"P-L-0", "P-L-1", "P-L-2"}
