"""A service's copy of catalog's system register (系统目录), fed the same way everywhere.

Catalog emits `SystemRegistered` when a system enters the register (again) and `SystemRetired` when it
leaves. Budget and intake each keep their own table of the systems they care about (their columns differ:
budget also keeps a `state` and the jurisdiction, intake the last failed evaluation) with the columns
`SystemRow` names, and apply both events through this module so the two copies cannot drift:

- a retirement always marks the row retired, creating it when the service never heard of the system (so the
  registration, should it arrive late, cannot bring the system back);
- a registration creates the row, or un-retires it, unless it is older than the retirement the row holds
  (a replay or an out-of-order delivery); a re-registration on the day of the retirement applies;
- an evaluation older than the latest one the row holds is stale (`stale_evaluation`): what each service keeps
  of an evaluation is its own (budget the latest result, intake the last failure), which one counts is not;
- a status event (`SystemSecurityChanged`, `SystemDataSharingChanged`) carries the whole status as of its day and
  time; one older than the status the service last applied is stale (`stale_status`): recorded (the inbox, an
  audit row), it overwrites nothing, so the newest status wins whatever order the events arrive in.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from shared.contracts.catalog import EvaluationCompleted, SystemRegistered, SystemRetired
from shared.locking import locked
from shared.uow import UnitOfWork


class SystemRow(Protocol):
    system_id: str
    project_id: str
    unit: str
    registered_on: date
    retired_on: date | None

    def __init__(self, **columns: Any) -> None: ...


R = TypeVar("R", bound=SystemRow)


def stale_registration(row: SystemRow, payload: SystemRegistered) -> bool:
    """A registration that must not un-retire `row`: it is older than the retirement the row holds."""
    return row.retired_on is not None and payload.registered_on < row.retired_on


def stale_evaluation(held_on: date | None, payload: EvaluationCompleted) -> bool:
    """An evaluation older than the latest one held (`held_on`, None when none was): it replaces nothing."""
    return held_on is not None and payload.completed_on < held_on


def stale_status(held: tuple[date, datetime] | None, changed_on: date, event_time: datetime) -> bool:
    """A status event older than the one applied last (`held`: its `changed_on` and event time; None when none
    was): by the day catalog reports, then by the event's time within a day. An equal one is not stale."""
    return held is not None and (changed_on, event_time) < held


async def record_registration(uow: UnitOfWork, model: type[R], payload: SystemRegistered, **own: Any) -> tuple[R, bool]:
    """The system's row, created or un-retired under its lock; False when the registration was stale.
    `own` fills the service's own columns of a new row (e.g. budget's jurisdiction)."""
    row = await locked(uow.session, model, payload.system_id)
    if row is None:
        row = model(
            system_id=payload.system_id,
            project_id=payload.project_id,
            unit=payload.unit,
            registered_on=payload.registered_on,
            **own,
        )
        uow.session.add(row)
        return row, True
    if stale_registration(row, payload):
        return row, False
    row.retired_on = None
    return row, True


async def record_retirement(uow: UnitOfWork, model: type[R], payload: SystemRetired, **own: Any) -> R:
    """The system's row marked retired under its lock, created (registered the day it retired) when this
    service never saw the registration; `own` fills the service's own columns of such a row."""
    row = await locked(uow.session, model, payload.system_id)
    if row is None:
        row = model(
            system_id=payload.system_id,
            project_id=payload.project_id,
            unit=payload.unit,
            registered_on=payload.retired_on,
            **own,
        )
        uow.session.add(row)
    row.retired_on = payload.retired_on
    return row
