"""Events the catalog service publishes (系统目录, sanctions)."""

from __future__ import annotations

from datetime import date

from shared.contracts.base import EventPayload


class SystemRegistered(EventPayload, event_type="catalog.system.registered.v1"):
    system_id: str
    unit: str
    jurisdiction: str
    name: str | None = None  # None for a secret system
    registered_on: date


class UnitSanctioned(EventPayload, event_type="catalog.unit.sanctioned.v1"):
    """A unit barred from new applications; `project_id` is the system's project (or the unit id)."""

    unit: str
    cause: str
    rule_id: str
    citation: str
    since: date
    until: date


class UnitCleared(EventPayload, event_type="catalog.unit.cleared.v1"):
    unit: str
    rule_id: str
    cleared_on: date
