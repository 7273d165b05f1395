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
    names = {m["name"] for m in document["components"]["messages"].values()}
    assert names == set(EVENT_TYPES)
    assert set(document["channels"]) <= {
        f"govproj.{s}" for s in ("intake", "review", "budget", "procurement", "acceptance", "catalog")
    }
