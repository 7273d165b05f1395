"""What every event payload shares, and the registry from event type to payload model."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from shared.contracts.envelope import CloudEvent

#: event type (`intake.application.submitted.v1`) -> payload model
EVENT_TYPES: dict[str, type[EventPayload]] = {}

SCHEMA_BASE = "https://govproj.example.gov.cn/schemas/events/"


class EventPayload(BaseModel):
    """A payload model. Consumers are tolerant readers: unknown fields are ignored, so adding a
    field keeps the version; removing or changing one is a new version (`.v2`) published beside."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    project_id: str

    def __init_subclass__(cls, /, event_type: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if event_type is not None:
            if event_type in EVENT_TYPES:
                raise ValueError(f"event type {event_type} is defined twice")
            cls.event_type = event_type
            EVENT_TYPES[event_type] = cls

    @property
    def subject(self) -> str:
        return self.project_id

    def envelope(self, *, subject: str | None = None) -> CloudEvent:
        service = self.event_type.split(".", 1)[0]
        return CloudEvent(
            source=f"/govproj/{service}",
            type=self.event_type,
            subject=subject or self.subject,
            dataschema=SCHEMA_BASE + self.event_type + ".json",
            data=self.model_dump(mode="json"),
        )


def parse_payload(event: CloudEvent) -> EventPayload:
    """The typed payload of an envelope; KeyError for an event type nobody defined."""
    return EVENT_TYPES[event.type].model_validate(event.data)
