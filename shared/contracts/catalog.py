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


class SystemRetired(EventPayload, event_type="catalog.system.retired.v1"):
    system_id: str
    unit: str
    reason: str
    rule_id: str | None = None
    citation: str | None = None
    retired_on: date


class EvaluationCompleted(EventPayload, event_type="catalog.evaluation.completed.v1"):
    """A performance evaluation's result; a failure blocks related upgrades (fengxian:第三十二条)."""

    system_id: str | None = None
    unit: str
    kind: str  # self_evaluation | post_evaluation | construction_monitoring | om_evaluation
    passed: bool
    score: int | None = None
    rule_id: str
    citation: str
    completed_on: date


class FindingEscalated(EventPayload, event_type="catalog.finding.escalated.v1"):
    """A supervision finding moved up the ladder (dazhou:第五十三条); the owning services act on `step`:
    review defers the plan entry, procurement suspends or terminates, budget stops releases."""

    finding_id: str
    unit: str
    area: str
    step: str  # public_criticism | plan_deferred | suspended | terminated
    rule_id: str
    citation: str
    escalated_on: date


class FindingResolved(EventPayload, event_type="catalog.finding.resolved.v1"):
    finding_id: str
    unit: str
    resolved_on: date
