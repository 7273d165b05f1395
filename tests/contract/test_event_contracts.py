"""Published event contracts: the committed JSON Schemas match the code, and a published version only grows."""

from __future__ import annotations

import json
from datetime import date

import jsonschema
import pytest

from shared.contracts import EVENT_TYPES
from shared.contracts.acceptance import ProjectAccepted
from shared.contracts.export import LOCK, OUT, asyncapi, breaking_changes, event_schema, signature
from shared.contracts.intake import ApplicationSubmitted, ProjectSummary

REGENERATE = "run `.venv/bin/python -m shared.contracts.export` and commit docs/contracts/"


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_committed_schema_matches_the_code(event_type):
    path = OUT / "events" / f"{event_type}.json"
    assert path.exists(), f"no published schema for {event_type}: {REGENERATE}"
    assert json.loads(path.read_text()) == event_schema(event_type), f"{event_type} changed: {REGENERATE}"


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_published_versions_only_grow(event_type):
    lock = json.loads(LOCK.read_text())
    assert event_type in lock, f"{event_type} is not in the lock: {REGENERATE}"
    assert breaking_changes(lock[event_type], signature(event_schema(event_type))) == []


def test_the_compatibility_check_catches_breaking_changes():
    published = {"required": ["a"], "fields": {"a": "string", "b": "integer"}}
    assert breaking_changes(published, {"required": ["a"], "fields": {"a": "string", "b": "integer", "c": "x"}}) == []
    assert breaking_changes(published, {"required": ["a"], "fields": {"a": "string"}}) == ["field 'b' was removed"]
    assert breaking_changes(published, {"required": ["a"], "fields": {"a": "integer", "b": "integer"}}) == [
        "field 'a' changed type string → integer"
    ]
    assert breaking_changes(published, {"required": ["a", "b"], "fields": {"a": "string", "b": "integer"}}) == [
        "field 'b' became required"
    ]


@pytest.mark.parametrize(
    "payload",
    [
        ApplicationSubmitted(
            project_id="P-1",
            project=ProjectSummary(unit="U", jurisdiction="dazhou", total_investment_fen=1, plan_year=2027),
        ),
        ProjectAccepted(
            project_id="P-1",
            unit="U",
            jurisdiction="dazhou",
            path="dazhou",
            accepted_on=date(2026, 11, 24),
            documents=["acceptance_report"],
        ),
    ],
)
def test_real_envelopes_validate_against_their_published_schema(payload):
    envelope = json.loads(payload.envelope().to_json())
    jsonschema.validate(envelope, event_schema(payload.event_type))
    broken = {**envelope, "data": {**envelope["data"], "project_id": 5}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, event_schema(payload.event_type))


def test_asyncapi_lists_every_event_on_its_owners_topic():
    document = asyncapi()
    assert document["asyncapi"].startswith("3.")
    names = {m["name"] for key, m in document["components"]["messages"].items() if key != "dead_letter"}
    assert names == set(EVENT_TYPES)
    services = ("intake", "review", "budget", "procurement", "acceptance", "catalog")
    assert set(document["channels"]) <= {f"govproj.{s}" for s in services} | {f"govproj.{s}.dlq" for s in services}


def test_envelope_schema_requires_the_cloudevents_attributes_and_pins_specversion():
    payload_type = EVENT_TYPES["review.project.approved.v1"]
    schema = event_schema(payload_type.event_type)
    assert {"id", "source", "specversion", "type", "subject", "time", "data"} <= set(schema["required"])
    valid = {
        "specversion": "1.0",
        "id": "e-1",
        "source": "/govproj/review",
        "type": payload_type.event_type,
        "subject": "P-1",
        "time": "2026-12-02T00:00:00Z",
        "data": {},
    }
    for broken in ({k: v for k, v in valid.items() if k != "id"}, {**valid, "specversion": "0.3"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, {**schema, "$defs": {**schema["$defs"], "Data": {"type": "object"}}})


def test_asyncapi_has_servers_bindings_receivers_and_dead_letter_channels():
    document = asyncapi({"review.project.approved.v1": ["budget", "catalog"]})
    assert document["servers"]["kafka"]["protocol"] == "kafka"
    for service in ("intake", "review", "budget", "procurement", "acceptance", "catalog"):
        assert f"govproj.{service}.dlq" in document["channels"]
    receive = document["operations"]["budget_receives_review"]
    assert receive["action"] == "receive"
    assert receive["messages"] == [{"$ref": "#/channels/govproj.review/messages/review_project_approved_v1"}]
    assert "catalog_receives_review" in document["operations"]
    assert "intake_receives_review" not in document["operations"]
    for message in document["components"]["messages"].values():
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
        assert "content-type" in message["headers"]["properties"]


def test_every_channel_reference_in_the_asyncapi_document_resolves():
    document = asyncapi()
    for name, operation in document["operations"].items():
        channel = operation["channel"]["$ref"].removeprefix("#/channels/")
        assert channel in document["channels"], name
        for ref in operation.get("messages", []):
            _, _, chan, _, message = ref["$ref"].split("/")
            assert message in document["channels"][chan]["messages"], (name, message)
