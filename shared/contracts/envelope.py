"""The CloudEvents 1.0 envelope every event travels in (structured mode on Kafka)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared import clock

CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8"
#: The Kafka record header naming the event's `type`, so a consumer skips events for other services without
#: parsing them. Not `ce_type`: under the CloudEvents Kafka protocol binding any `ce_` header marks a record as
#: binary mode, and these records are structured (the whole event is the value).
EVENT_TYPE_HEADER = "govproj-event-type"
#: The header records published before EVENT_TYPE_HEADER carried the type in; still read for them.
LEGACY_EVENT_TYPE_HEADER = "ce_type"


class CloudEvent(BaseModel):
    """`type` is `<service>.<entity>.<past-verb>.v<N>`; `subject` is the project id (and the Kafka key)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: str = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    subject: str
    time: datetime = Field(default_factory=clock.now)
    datacontenttype: str = "application/json"
    dataschema: str | None = None
    data: dict[str, Any]
    #: The CloudEvents distributed-tracing extension: the W3C traceparent of the span that emitted the event
    #: (set only while tracing is on, see shared/tracing.py).
    traceparent: str | None = None

    @property
    def service(self) -> str:
        return self.type.split(".", 1)[0]

    @property
    def version(self) -> int:
        return int(self.type.rsplit(".v", 1)[1])

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def from_json(cls, raw: bytes | str) -> CloudEvent:
        return cls.model_validate_json(raw)
