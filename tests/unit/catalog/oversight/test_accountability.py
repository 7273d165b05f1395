"""Accountability (追责): building before approval (未批先建) detected from the events and recorded against the
unit, and misused funds recorded by a department, each with the rule and citation it triggered
(dazhou:第五十四条; quzhou:五(三)); a jurisdiction whose text has no such rule is told so."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from shared import clock
from shared.auth import Role
from shared.contracts.intake import ApplicationAdmitted, ProjectSummary
from shared.contracts.procurement import ContractSigned
from tests.unit.catalog.oversight.conftest import Hub

PATH = "/api/catalog/accountability-cases"


def _contract(project: str, jurisdiction: str, unit: str, signed_on: date) -> ContractSigned:
    return ContractSigned(
        project_id=project,
        contract_id=f"C-{uuid.uuid4().hex[:8]}",
        unit=unit,
        jurisdiction=jurisdiction,
        supplier="某公司",
        amount_fen=1_000_000_00,
        signed_on=signed_on,
        planned_completion=signed_on + timedelta(days=300),
    )


async def _admitted(hub: Hub, jurisdiction: str, unit: str) -> str:
    project = f"P-{uuid.uuid4().hex[:10]}"
    summary = ProjectSummary(
        unit=unit, jurisdiction=jurisdiction, title="城市大脑", total_investment_fen=3_000_000_00, plan_year=2026
    )
    await hub.deliver(ApplicationAdmitted(project_id=project, project=summary, admitted_by="bureau"))
    return project


async def test_a_contract_signed_before_the_approval_is_recorded_as_building_before_approval(hub: Hub):
    clock.travel_to(clock.now().replace(year=2026, month=5, day=10))
    project = await hub.approved_project("quzhou", "衢州市卫健委")  # approved today
    await hub.deliver(_contract(project, "quzhou", "衢州市卫健委", clock.today() - timedelta(days=1)))
    [event] = await hub.events("catalog.accountability.recorded.v1")
    assert event["project_id"] == project and event["unit"] == "衢州市卫健委"
    assert event["kind"] == "built_before_approval" and event["detected"] is True
    assert (event["rule_id"], event["citation"]) == ("supervision.accountability", "quzhou:五(三)")
    assert event["consequences"] == ["accountability"]
    # a supplementary contract of the same project is not a second case
    await hub.deliver(_contract(project, "quzhou", "衢州市卫健委", clock.today() - timedelta(days=1)))
    assert len(await hub.events("catalog.accountability.recorded.v1")) == 1
    listed = (await hub.get(PATH, Role.AUDIT)).json()["items"]
    assert [(c["project_id"], c["citations"]) for c in listed] == [(project, ["quzhou:五(三)"])]


async def test_signed_on_the_approval_day_is_in_time_and_a_project_never_approved_is_caught(hub: Hub):
    clock.travel_to(clock.now().replace(year=2026, month=5, day=10))
    on_time = await hub.approved_project("dazhou")
    await hub.deliver(_contract(on_time, "dazhou", "达州市教育局", clock.today()))  # the boundary: same day
    assert await hub.events("catalog.accountability.recorded.v1") == []

    admitted_only = await _admitted(hub, "dazhou", "达州市民政局")
    await hub.deliver(_contract(admitted_only, "dazhou", "达州市民政局", clock.today()))
    [event] = await hub.events("catalog.accountability.recorded.v1")
    # dazhou:第五十四条 names the skipped 立项 among the procedures: 通报批评 and 处分
    assert (event["rule_id"], event["citation"]) == ("supervision.accountability", "dazhou:第五十四条")
    assert event["consequences"] == ["public_criticism", "disciplinary_action"]


async def test_jurisdictions_whose_text_has_no_accountability_rule_record_nothing(hub: Hub):
    clock.travel_to(clock.now().replace(year=2026, month=5, day=10))
    project = await _admitted(hub, "fengxian", "奉贤区民政局")
    await hub.deliver(_contract(project, "fengxian", "奉贤区民政局", clock.today()))
    assert await hub.events("catalog.accountability.recorded.v1") == []
    refused = await hub.post(PATH, {"project_id": project, "kind": "misuse_of_funds"}, Role.FINANCE)
    assert refused.status_code == 422 and refused.json()["field"] == "kind"


async def test_audit_records_misused_funds_against_a_dazhou_unit_under_the_fiscal_violation_rules(hub: Hub):
    body = {"unit": "达州市交通局", "jurisdiction": "dazhou", "kind": "misuse_of_funds", "description": "挪用运维经费"}
    recorded = await hub.post(PATH, body, Role.AUDIT)
    assert recorded.status_code == 201, recorded.text
    case = recorded.json()
    assert case["rule_ids"] == ["supervision.funds_misuse"] and case["citations"] == ["dazhou:第五十四条"]
    assert case["consequences"] == ["fiscal_violation_investigation"] and case["detected"] is False
    # only a supervising department records one; the unit sees its own cases
    assert (await hub.post(PATH, body, Role.UNIT, unit="达州市交通局")).status_code == 403
    mine = await hub.get(PATH, Role.UNIT, unit="达州市交通局")
    assert [c["id"] for c in mine.json()["items"]] == [case["id"]]
    assert (await hub.get(PATH, Role.UNIT, unit="达州市教育局")).json()["items"] == []


async def test_a_case_names_its_kind_from_the_list(hub: Hub):
    bad = await hub.post(PATH, {"unit": "达州市交通局", "jurisdiction": "dazhou", "kind": "late"}, Role.AUDIT)
    assert bad.status_code in (400, 422) and "kind" in bad.text
