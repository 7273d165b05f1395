"""The official CloudEvents Python SDK reads every record the platform publishes, with its auto-detecting
Kafka reader (`from_kafka`): the records are structured mode by the Kafka protocol binding (content-type
`application/cloudevents+json`, no `ce_` header), and the SDK's event equals what was published."""

from __future__ import annotations

import json
import uuid

import pytest
from aiokafka import AIOKafkaConsumer
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka
from cloudevents.core.formats.json import JSONFormat

from shared.contracts.envelope import EVENT_TYPE_HEADER, LEGACY_EVENT_TYPE_HEADER
from tests.support.api import Api, ok, required_materials
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration


async def _admitted_project(api: Api) -> str:
    body = {
        "unit": "达州市教育局",
        "jurisdiction": "dazhou",
        "title": "云事件读取样例",
        "category": "application",
        "construction_type": "new",
        "total_investment_fen": 80_000_000,
        "plan_year": 2027,
        "materials": required_materials(),
    }
    project = ok(await api.post("edu", "/api/intake/applications", body), 201)["id"]
    ok(await api.post("edu", f"/api/intake/applications/{project}/submit"))
    ok(await api.post("bureau", f"/api/intake/applications/{project}/admit"))

    async def review_has_it() -> bool:
        return (await api.get("bureau", f"/api/review/projects/{project}")).status_code == 200

    await wait_for(review_has_it, timeout=60, message="review consumed the admission")
    return project


async def _every_record(bootstrap: str) -> list:
    """Every record on the platform's topics up to their current end (a fresh group reading from the start)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        group_id=f"cloudevents-sdk-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        consumer.subscribe(pattern=r"^govproj\..*")
        records: list = []
        ends: dict = {}

        async def read_to_the_end() -> bool:
            batch = await consumer.getmany(timeout_ms=500, max_records=2000)
            for chunk in batch.values():
                records.extend(chunk)
            partitions = consumer.assignment()
            if not partitions:
                return False
            missing = [p for p in partitions if p not in ends]
            if missing:
                ends.update(await consumer.end_offsets(missing))
            return all([await consumer.position(p) >= ends[p] for p in partitions])

        await wait_for(read_to_the_end, timeout=60, message="read every platform topic to its end")
        return records
    finally:
        await consumer.stop()


async def test_the_cloudevents_sdk_reads_every_published_record(api: Api, kafka_bootstrap: str):
    project = await _admitted_project(api)  # review has consumed it, so it is on Kafka
    records = await _every_record(kafka_bootstrap)
    # Other tests write records by hand in the format published before this change (a `ce_type` header),
    # to prove consumers still read them; every record the platform's relays wrote carries the new header.
    published = [r for r in records if EVENT_TYPE_HEADER in dict(r.headers)]
    handmade = [r for r in records if LEGACY_EVENT_TYPE_HEADER in dict(r.headers)]
    assert len(published) + len(handmade) == len(records), "every record is either the relay's or a test's"
    mine = [r for r in published if r.key == project.encode()]
    assert {json.loads(r.value)["type"] for r in mine} >= {
        "intake.application.submitted.v1",
        "intake.application.admitted.v1",
    }

    read = 0
    for record in published:
        headers = dict(record.headers)
        assert not [name for name in headers if name.lower().startswith("ce_")], (record.topic, headers)
        message = KafkaMessage(headers=headers, key=record.key, value=record.value)
        event = from_kafka(message, JSONFormat())  # auto-detects the mode; binary would fail on our value
        sent = json.loads(record.value)
        assert event.get_specversion() == "1.0"
        assert (event.get_id(), event.get_type(), event.get_source(), event.get_subject()) == (
            sent["id"],
            sent["type"],
            sent["source"],
            sent["subject"],
        )
        assert event.get_data() == sent["data"]
        assert event.get_extension("partitionkey") == record.key.decode()  # the binding maps the Kafka key
        assert headers[EVENT_TYPE_HEADER].decode() == sent["type"]
        read += 1
    print(f"cloudevents SDK read {read} of {len(published)} platform records ({len(handmade)} hand-made skipped)")
    assert read == len(published) >= 2  # at least this test's submission and admission
