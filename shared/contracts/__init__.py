"""Versioned event contracts: the CloudEvents envelope and one payload module per publishing service."""

from shared.contracts import acceptance, budget, catalog, common, intake, procurement, review
from shared.contracts.base import EVENT_TYPES, EventPayload, parse_payload
from shared.contracts.envelope import CLOUDEVENTS_CONTENT_TYPE, CloudEvent

__all__ = [
    "CLOUDEVENTS_CONTENT_TYPE",
    "EVENT_TYPES",
    "CloudEvent",
    "EventPayload",
    "acceptance",
    "budget",
    "catalog",
    "common",
    "intake",
    "parse_payload",
    "procurement",
    "review",
]
