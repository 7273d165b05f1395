"""JSON Schema of every event type (the envelope with its typed `data`) and an AsyncAPI 3.0 document.

    .venv/bin/python -m shared.contracts.export     # rewrites docs/contracts/

The committed files are the published contracts: tests/contract checks that the code still matches
them and that no published field was removed or retyped (that would be a new version, `.v2`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared.contracts import EVENT_TYPES, CloudEvent
from shared.contracts.base import SCHEMA_BASE
from shared.settings import REPO_ROOT

OUT = REPO_ROOT / "docs" / "contracts"


def event_schema(event_type: str) -> dict[str, Any]:
    payload = EVENT_TYPES[event_type]
    data_schema = payload.model_json_schema(mode="serialization")
    envelope = CloudEvent.model_json_schema()
    envelope["properties"]["type"] = {"const": event_type}
    envelope["properties"]["data"] = {"$ref": "#/$defs/Data"}
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


def asyncapi() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event_type in sorted(EVENT_TYPES):
        service = event_type.split(".", 1)[0]
        channel = f"govproj.{service}"
        channels.setdefault(channel, {"address": channel, "messages": {}, "description": f"events of {service}"})
        name = event_type.replace(".", "_")
        channels[channel]["messages"][name] = {"$ref": f"#/components/messages/{name}"}
        messages[name] = {
            "name": event_type,
            "contentType": "application/cloudevents+json",
            "payload": {"$ref": f"events/{event_type}.json"},
        }
    for channel in channels:
        operations[f"publish_{channel.replace('.', '_')}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel}"},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "govproj events",
            "version": "1.0.0",
            "description": "CloudEvents on Kafka, one topic per owning service, key = project id.",
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
