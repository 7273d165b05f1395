"""A service's copy of catalog's supervision findings (dazhou:第五十三条), fed the same way everywhere.

Catalog emits `FindingEscalated` each time a finding moves up its ladder and `FindingResolved` when it is
rectified. Events of one finding can arrive out of order (a redelivery, a replay of the topic), so a
service keeps each finding at its latest step: an escalation older than the one it holds (an earlier
day, or the same day and an earlier step of the ladder) is stale and ignored, and a resolved finding
stays resolved. Each service keeps its own table (its columns differ: budget names the project
`project_id`, intake `subject`) with the columns `FindingRow` names.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol, TypeVar

from shared.contracts.catalog import FindingEscalated, FindingResolved
from shared.contracts.envelope import CloudEvent
from shared.locking import locked
from shared.uow import UnitOfWork

#: The ladder's steps in order; a pack's ladder uses some of them. A step not listed is never stale on its day.
STEPS = ("public_criticism", "plan_deferred", "suspended", "terminated")


class FindingRow(Protocol):
    finding_id: str
    step: str
    rule_id: str
    citation: str
    escalated_on: date
    resolved_on: date | None

    def __init__(self, **columns: Any) -> None: ...


R = TypeVar("R", bound=FindingRow)


def _rank(step: str) -> int:
    return STEPS.index(step) if step in STEPS else len(STEPS)


def stale(row: FindingRow, payload: FindingEscalated) -> bool:
    """An escalation that must not change `row`: the finding was resolved, or it is older than the step held."""
    if row.resolved_on is not None:
        return True
    if payload.escalated_on != row.escalated_on:
        return payload.escalated_on < row.escalated_on
    return _rank(payload.step) < _rank(row.step)


async def record_escalation(uow: UnitOfWork, model: type[R], payload: FindingEscalated, **own: Any) -> tuple[R, bool]:
    """The finding's row, created or moved to `payload`'s step under its lock; False when the event was stale.
    `own` fills the service's own columns of a new row (e.g. project_id/subject)."""
    row = await locked(uow.session, model, payload.finding_id)
    if row is None:
        row = model(
            finding_id=payload.finding_id,
            unit=payload.unit,
            area=payload.area,
            step=payload.step,
            rule_id=payload.rule_id,
            citation=payload.citation,
            escalated_on=payload.escalated_on,
            **own,
        )
        uow.session.add(row)
        return row, True
    if stale(row, payload):
        return row, False
    row.step, row.rule_id, row.citation = payload.step, payload.rule_id, payload.citation
    row.escalated_on = payload.escalated_on
    return row, True


async def record_resolution(uow: UnitOfWork, model: type[R], payload: FindingResolved) -> R | None:
    """Mark the finding resolved (None when this service never saw it escalated)."""
    row = await locked(uow.session, model, payload.finding_id)
    if row is not None:
        row.resolved_on = payload.resolved_on
    return row


async def on_escalated(uow: UnitOfWork, model: type[R], event: CloudEvent, payload: FindingEscalated, **own: Any) -> R:
    """A service's `FindingEscalated` consumer: record the step (a stale one ignored) and audit the event."""
    row, applied = await record_escalation(uow, model, payload, **own)
    await uow.audit(
        subject=payload.project_id,
        action="supervision.escalated",
        actor="system",
        detail={
            "finding_id": payload.finding_id,
            "step": payload.step,
            "citation": payload.citation,
            "event": event.id,
            "stale": not applied,
        },
    )
    return row


async def on_resolved(uow: UnitOfWork, model: type[R], payload: FindingResolved, subject: str) -> R | None:
    """A service's `FindingResolved` consumer; `subject` names the row's project column for the audit."""
    row = await record_resolution(uow, model, payload)
    if row is not None:
        await uow.audit(
            subject=getattr(row, subject),
            action="supervision.resolved",
            actor="system",
            detail={"finding_id": payload.finding_id},
        )
    return row
