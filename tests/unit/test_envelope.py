"""The CloudEvents envelope and the payload registry."""

from __future__ import annotations

import json
from datetime import date

import pytest
from pydantic import ValidationError

from shared.contracts import EVENT_TYPES, CloudEvent, parse_payload
from shared.contracts.catalog import UnitSanctioned
from shared.contracts.intake import ApplicationSubmitted, ProjectSummary


def summary(**overrides) -> ProjectSummary:
    values = dict(unit="达州市教育局", jurisdiction="dazhou", total_investment_fen=3_000_000_00, plan_year=2027)
    return ProjectSummary(**{**values, **overrides})


def test_envelope_carries_cloudevents_attributes_and_project_subject():
    event = ApplicationSubmitted(project_id="P-1", project=summary(title="智慧教育")).envelope()
    assert event.specversion == "1.0"
    assert event.type == "intake.application.submitted.v1"
    assert event.source == "/govproj/intake"
    assert event.subject == "P-1"
    assert event.datacontenttype == "application/json"
    assert event.dataschema.endswith("intake.application.submitted.v1.json")
    assert event.time.tzinfo is not None
    assert event.version == 1 and event.service == "intake"


def test_envelope_round_trips_through_json_and_back_to_the_typed_payload():
    original = UnitSanctioned(
        project_id="U-1",
        unit="某局",
        cause="zombie system",
        rule_id="intake.zombie_bar",
        citation="quzhou:二(二)不予受理.9",
        since=date(2026, 1, 1),
        until=date(2028, 1, 1),
    )
    raw = original.envelope().to_json()
    assert json.loads(raw)["data"]["citation"] == "quzhou:二(二)不予受理.9"
    parsed = parse_payload(CloudEvent.from_json(raw))
    assert parsed == original


def test_consumers_are_tolerant_readers_of_added_fields():
    event = ApplicationSubmitted(project_id="P-2", project=summary()).envelope()
    data = {**event.data, "added_in_a_later_release": 1}
    parsed = parse_payload(event.model_copy(update={"data": data}))
    assert parsed.project_id == "P-2"


def test_a_payload_missing_a_required_field_is_refused():
    event = CloudEvent(source="/govproj/intake", type="intake.application.submitted.v1", subject="P", data={})
    with pytest.raises(ValidationError):
        parse_payload(event)


def test_every_event_type_is_versioned_and_named_service_entity_verb():
    assert len(EVENT_TYPES) >= 12
    for event_type in EVENT_TYPES:
        service, entity, verb, version = event_type.split(".")
        assert service in {"intake", "review", "budget", "procurement", "acceptance", "catalog"}
        assert entity and verb and version.startswith("v") and version[1:].isdigit()


def test_defining_an_event_type_twice_is_an_error():
    from shared.contracts.base import EventPayload

    with pytest.raises(ValueError, match="defined twice"):

        class Again(EventPayload, event_type="intake.application.submitted.v1"):
            pass
