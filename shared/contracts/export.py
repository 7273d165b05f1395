"""JSON Schema of every event type (the envelope with its typed `data`) and an AsyncAPI 3.0 document.

    .venv/bin/python -m shared.contracts.export     # rewrites docs/contracts/

The committed files are the published contracts: tests/contract checks that the code still matches
them and that no published field was removed or retyped (that would be a new version, `.v2`)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from shared.contracts import EVENT_TYPES, CloudEvent
from shared.contracts.base import SCHEMA_BASE
from shared.settings import REPO_ROOT, STAGE_SERVICES

OUT = REPO_ROOT / "docs" / "contracts"


def event_schema(event_type: str) -> dict[str, Any]:
    payload = EVENT_TYPES[event_type]
    data_schema = payload.model_json_schema(mode="serialization")
    envelope = CloudEvent.model_json_schema()
    envelope["properties"]["type"] = {"const": event_type}
    envelope["properties"]["data"] = {"$ref": "#/$defs/Data"}
    # CloudEvents 1.0 requires id, source, specversion and type; we also always send subject (the Kafka
    # key) and time. The model fills id and time by default, so pydantic alone would mark them optional.
    envelope["properties"]["specversion"] = {"const": "1.0", "title": "Specversion", "type": "string"}
    envelope["required"] = ["data", "id", "source", "specversion", "subject", "time", "type"]
    defs = {**data_schema.pop("$defs", {}), "Data": data_schema}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_BASE + event_type + ".json",
        "title": event_type,
        "description": (payload.__doc__ or "").strip(),
        **{k: v for k, v in envelope.items() if k not in ("title", "description")},
        "$defs": defs,
    }


def signature(schema: dict[str, Any]) -> dict[str, Any]:
    """What consumers rely on: each data field's JSON type and which fields are required."""
    data = schema["$defs"]["Data"]
    return {
        "required": sorted(data.get("required", [])),
        "fields": {name: _type_of(prop) for name, prop in sorted(data.get("properties", {}).items())},
    }


def _type_of(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in prop:
        return "|".join(sorted(_type_of(p) for p in prop["anyOf"]))
    if prop.get("type") == "array":
        return f"array[{_type_of(prop.get('items', {}))}]"
    return str(prop.get("type") or prop.get("format") or "any")


def breaking_changes(published: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """A published version may only grow: no field removed or retyped, no new required field."""
    problems = []
    for name, kind in published["fields"].items():
        if name not in current["fields"]:
            problems.append(f"field '{name}' was removed")
        elif current["fields"][name] != kind:
            problems.append(f"field '{name}' changed type {kind} → {current['fields'][name]}")
    for name in set(current["required"]) - set(published["required"]):
        problems.append(f"field '{name}' became required")
    return problems


LOCK = OUT / "published.lock.json"


def updated_lock(lock: dict[str, Any]) -> dict[str, Any]:
    """The lock with new event types and added fields; raises on a breaking change."""
    new = dict(lock)
    for event_type in sorted(EVENT_TYPES):
        current = signature(event_schema(event_type))
        if event_type in lock:
            problems = breaking_changes(lock[event_type], current)
            if problems:
                raise SystemExit(f"{event_type}: {'; '.join(problems)}. Publish a new version (.v2) beside it instead.")
        new[event_type] = current
    return new


def subscribers() -> dict[str, list[str]]:
    """Event type → the services that consume it, read from each service's one subscription list.

    Imported by name: shared code never depends on a service, only this documentation tool looks at them."""
    consumers: dict[str, list[str]] = {}
    for service in STAGE_SERVICES:
        importlib.import_module(f"services.{service}.main")  # composes every room, so all handlers register
        subscriptions = importlib.import_module(f"services.{service}.handlers").subscriptions
        for event_type in subscriptions.handlers:
            consumers.setdefault(event_type, []).append(service)
    return consumers


#: Kafka record headers every message carries: structured-mode CloudEvents (Kafka protocol binding), so no
#: `ce_` header (one would mean binary mode); `govproj-event-type` lets a consumer skip an event type without
#: parsing the body; `traceparent` (while tracing is on) names the relay's producer span.
HEADERS_SCHEMA = {
    "type": "object",
    "properties": {
        "content-type": {"type": "string", "const": "application/cloudevents+json; charset=UTF-8"},
        "govproj-event-type": {"type": "string", "description": "the CloudEvent `type`, copied from the body"},
        "traceparent": {
            "type": "string",
            "description": "W3C Trace Context of the producer span (only while tracing is on)",
            "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
        },
    },
    "required": ["content-type", "govproj-event-type"],
}


def asyncapi(consumers: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """AsyncAPI 3.0: one channel per owning service's topic and its dead-letter topic, a send operation
    per owner and a receive operation per (consumer, topic), with Kafka bindings (key = project id)."""
    consumers = subscribers() if consumers is None else consumers
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    kafka_message = {"kafka": {"key": {"type": "string", "description": "project id"}, "bindingVersion": "0.5.0"}}
    for event_type in sorted(EVENT_TYPES):
        service = event_type.split(".", 1)[0]
        channel = f"govproj.{service}"
        channels.setdefault(
            channel,
            {
                "address": channel,
                "messages": {},
                "description": f"events of {service}",
                "servers": [{"$ref": "#/servers/kafka"}],
                "bindings": {"kafka": {"topic": channel, "bindingVersion": "0.5.0"}},
            },
        )
        name = event_type.replace(".", "_")
        channels[channel]["messages"][name] = {"$ref": f"#/components/messages/{name}"}
        messages[name] = {
            "name": event_type,
            "contentType": "application/cloudevents+json",
            "headers": HEADERS_SCHEMA,
            "payload": {"$ref": f"events/{event_type}.json"},
            "bindings": kafka_message,
        }
    for service in STAGE_SERVICES:
        dead = f"govproj.{service}.dlq"
        channels[dead] = {
            "address": dead,
            "description": f"events {service} could not handle, with the error in the envelope; replayed by hand",
            "servers": [{"$ref": "#/servers/kafka"}],
            "messages": {"dead_letter": {"$ref": "#/components/messages/dead_letter"}},
        }
        operations[f"dead_letter_{service}"] = {"action": "send", "channel": {"$ref": f"#/channels/{dead}"}}
    messages["dead_letter"] = {
        "name": "dead letter",
        "contentType": "application/cloudevents+json",
        "headers": HEADERS_SCHEMA,
        "payload": {"type": "object", "description": "the original CloudEvent with the consumer's error"},
        "bindings": kafka_message,
    }
    for channel in sorted(c for c in channels if not c.endswith(".dlq")):
        operations[f"publish_{channel.replace('.', '_')}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel}"},
        }
        owner = channel.split(".", 1)[1]
        heard_by = sorted({s for t, services in consumers.items() if t.startswith(owner + ".") for s in services})
        for service in heard_by:
            operations[f"{service}_receives_{owner}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{channel}"},
                "messages": [
                    {"$ref": f"#/channels/{channel}/messages/{t.replace('.', '_')}"}
                    for t in sorted(consumers)
                    if t.startswith(owner + ".") and service in consumers[t] and t in EVENT_TYPES
                ],
                "bindings": {"kafka": {"groupId": {"type": "string", "const": f"govproj.{service}"}}},
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "govproj events",
            "version": "1.0.0",
            "description": "CloudEvents on Kafka, one topic per owning service, key = project id.",
        },
        "servers": {
            "kafka": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "the local broker; production uses the Strimzi bootstrap service with TLS/SASL",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def write(out: Path = OUT) -> list[Path]:
    (out / "events").mkdir(parents=True, exist_ok=True)
    written = []
    for event_type in sorted(EVENT_TYPES):
        path = out / "events" / f"{event_type}.json"
        path.write_text(json.dumps(event_schema(event_type), ensure_ascii=False, indent=2, sort_keys=True) + "\n")
        written.append(path)
    lock = json.loads(LOCK.read_text()) if LOCK.exists() else {}
    (out / LOCK.name).write_text(json.dumps(updated_lock(lock), ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    path = out / "asyncapi.json"
    path.write_text(json.dumps(asyncapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    written.append(path)
    return written


if __name__ == "__main__":
    for path in write():
        print(path.relative_to(REPO_ROOT))
