"""A catalog sanction bars a unit in intake's eligibility view (a real Kafka broker and the intake process):
its next submission is refused with the catalog's citation, since and until; a clearing event lifts it.

The sanction is published straight to the catalog topic, as the catalog service does through its outbox,
so this tests intake's consumer whatever the catalog's own detectors do."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from aiokafka import AIOKafkaProducer

from shared import clock
from shared.contracts.catalog import UnitCleared, UnitSanctioned
from shared.contracts.envelope import CLOUDEVENTS_CONTENT_TYPE
from tests.support.api import Api, ok
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration

WAN = 1_000_000
UNIT = "达州市卫生健康委员会"  # the `health` dev user's unit
MATERIALS = [
    "basic_info", "necessity_basis", "construction_content", "performance_goals", "implementation_mode",
    "application_plan", "information_resource_catalog", "gov_cloud_plan", "security_protection_plan",
    "crypto_plan", "investment_amount", "om_funding", "funding_channels",
    "secure_products_statement",
]  # fmt: skip


async def publish(bootstrap: str, payload) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(
            "govproj.catalog",
            payload.envelope().to_json().encode(),
            key=payload.project_id.encode(),
            headers=[("content-type", CLOUDEVENTS_CONTENT_TYPE.encode())],
        )
    finally:
        await producer.stop()


async def standing(api: Api) -> dict:
    return ok(await api.get("bureau", f"/api/intake/units/{UNIT}/eligibility"))


async def test_catalog_sanction_bars_the_unit_and_clearing_lifts_it(api: Api, platform):
    today = clock.today()
    rule_id = f"catalog.zombie_system.{uuid.uuid4().hex[:6]}"  # unique, so a rerun on the same broker is clean
    system_project = f"P-zombie-{uuid.uuid4().hex[:8]}"
    draft = ok(
        await api.post(
            "health",
            "/api/intake/applications",
            {
                "unit": UNIT,
                "jurisdiction": "dazhou",
                "title": "全民健康信息平台升级",
                "category": "application",
                "construction_type": "new",
                "total_investment_fen": 280 * WAN,
                "plan_year": today.year + 1,
                "materials": MATERIALS,
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        ),
        201,
    )
    project = draft["id"]

    until = today + timedelta(days=730)
    await publish(
        platform.kafka_bootstrap,
        UnitSanctioned(
            project_id=system_project,
            unit=UNIT,
            cause="僵尸系统：连续6个月无访问量",
            rule_id=rule_id,
            citation="quzhou:二(二)不予受理.9",
            since=today,
            until=until,
        ),
    )

    async def barred():
        view = await standing(api)
        return [b for b in view["bars"] if b["rule_id"] == rule_id and b["active"]]

    bar = (await wait_for(barred, timeout=30, message="intake's view shows the catalog sanction"))[0]
    assert bar["cause"] == "僵尸系统：连续6个月无访问量" and bar["subject"] == system_project

    refused = await api.post("health", f"/api/intake/applications/{project}/submit")
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    body = refused.json()
    violation = next(v for v in body["violations"] if v["rule_id"] == rule_id)
    assert violation["citation"] == "quzhou:二(二)不予受理.9" and violation["field"] == "unit"
    shown = next(b for b in body["bars"] if b["rule_id"] == rule_id)
    assert shown["since"] == today.isoformat() and shown["until"] == until.isoformat()
    assert ok(await api.get("health", f"/api/intake/applications/{project}"))["status"] == "draft"

    await publish(
        platform.kafka_bootstrap,
        UnitCleared(project_id=system_project, unit=UNIT, rule_id=rule_id, cleared_on=today),
    )

    async def lifted():
        view = await standing(api)
        return all(not b["active"] for b in view["bars"] if b["rule_id"] == rule_id)

    await wait_for(lifted, timeout=30, message="the clearing event lifts the bar")
    submitted = ok(await api.post("health", f"/api/intake/applications/{project}/submit"))
    assert submitted["status"] == "submitted"
