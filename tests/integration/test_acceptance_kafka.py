"""An accepted project reaches catalog (registration) and budget (payment documents) through Kafka,
with the path, documents and items acceptance decided under the dazhou pack."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from aiokafka import AIOKafkaProducer

from shared import clock
from shared.contracts.base import EventPayload
from shared.contracts.intake import ProjectSummary
from shared.contracts.procurement import ContractSigned
from shared.contracts.review import ProjectApproved
from shared.settings import topic_for
from tests.support.api import Api, ok
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration

WAN = 1_000_000  # fen in 1万元
ITEMS = [
    {"kind": "mlps_test", "passed": True},
    {"kind": "crypto_review", "passed": True},
    {"kind": "secure_reliable_products", "passed": True},
    {"kind": "public_platform_connected", "passed": True},  # dazhou:第二十三条
    {"kind": "no_exclusive_data_opening", "passed": True},
    {"kind": "sharing_and_security_status", "passed": True},  # dazhou:第二十六条
]


async def reached(api: Api, username: str, path: str) -> dict:
    async def probe():
        response = await api.get(username, path)
        return response.json() if response.status_code == 200 else None

    return await wait_for(probe, timeout=30, message=f"GET {path}")


async def publish(bootstrap: str, service: str, payload: EventPayload) -> None:
    """Publish an upstream event as its owning service's outbox relay would (CloudEvents JSON, key = project)."""
    event = payload.envelope()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topic_for("govproj", service),
            event.to_json().encode(),
            key=event.subject.encode(),
            headers=[("content-type", b"application/cloudevents+json"), ("ce_type", event.type.encode())],
        )
    finally:
        await producer.stop()


async def contracted_project(bootstrap: str, title: str) -> str:
    """A dazhou project approved by review and contracted by procurement: their events, on Kafka, are
    what budget and acceptance learn from (the other services' own paths are their tests' business)."""
    project = f"P-IT-ACC-{uuid.uuid4().hex[:10]}"
    today = clock.today()
    summary = ProjectSummary(
        unit="达州市教育局", jurisdiction="dazhou", title=title, total_investment_fen=300 * WAN, plan_year=today.year
    )
    await publish(
        bootstrap,
        "review",
        ProjectApproved(
            project_id=project,
            project=summary,
            approval_letter_no=f"达数审〔{today.year}〕{project[-4:]}号",
            approved_on=today - timedelta(days=120),
            authority_steps=["vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance", "mayor"],
            rule_id="approval.authority",
            citation="dazhou:第十条",
            pack_version="test",
        ),
    )
    signed_on = today - timedelta(days=70)
    await publish(
        bootstrap,
        "procurement",
        ContractSigned(
            project_id=project,
            contract_id=f"C-{project}",
            unit="达州市教育局",
            jurisdiction="dazhou",
            supplier="四川某信息技术有限公司",
            amount_fen=290 * WAN,
            signed_on=signed_on,
            planned_completion=signed_on + timedelta(days=300),
        ),
    )
    return project


async def test_an_accepted_project_reaches_catalog_and_budget_through_kafka(api: Api, kafka_bootstrap: str):
    project = await contracted_project(kafka_bootstrap, "教育资源公共服务平台")
    await reached(api, "finance", f"/api/budget/projects/{project}")
    opened = await reached(api, "edu", f"/api/acceptance/projects/{project}")
    assert opened["path"] == "dazhou_acceptance" and opened["next_step"] == "trial_run"
    trial_start = (clock.today() - timedelta(days=40)).isoformat()
    ok(await api.post("edu", f"/api/acceptance/projects/{project}/trial-run", {"started_on": trial_start}))
    ok(await api.post("bureau", f"/api/acceptance/projects/{project}/pre-acceptance"))

    # a required item missing: refused with the citation, nothing published
    missing = await api.post(
        "edu",
        f"/api/acceptance/projects/{project}/acceptance",
        {"passed": True, "system_name": "教育资源公共服务平台", "items": ITEMS[:1]},
    )
    assert missing.status_code == 422, missing.text
    # each rule whose items are missing refuses with its own article, all at once
    assert sorted(v["citation"] for v in missing.json()["violations"]) == sorted(
        ["dazhou:第五十六条,第五十九条", "dazhou:第二十三条", "dazhou:第二十六条"]
    )

    accepted = ok(
        await api.post(
            "edu",
            f"/api/acceptance/projects/{project}/acceptance",
            {"passed": True, "system_name": "教育资源公共服务平台", "items": ITEMS},
            headers={"Idempotency-Key": f"accept-{project}"},
        )
    )
    assert accepted["stage"] == "accepted"
    assert accepted["documents"] == ["pre_acceptance_approval_letter", "acceptance_report"]

    # catalog registers the running system from the event
    systems = await reached(api, "bureau", f"/api/catalog/projects/{project}")
    assert systems["systems"][0]["name"] == "教育资源公共服务平台"

    # budget records both documents and may now pay (dazhou:第四十九条)
    async def budget_accepted():
        body = (await api.get("finance", f"/api/budget/projects/{project}")).json()
        return body if body.get("accepted") else None

    budget = await wait_for(budget_accepted, timeout=30, message="budget sees the acceptance")
    assert set(budget["acceptance_documents"]) == {"pre_acceptance_approval_letter", "acceptance_report"}
