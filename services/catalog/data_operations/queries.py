"""Data operations' reads for its routes: the pages of services, indicators, operators and tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import col

from services.catalog import listing
from services.catalog.data_operations.tables import DataOperationTask, DataOperator, DataService, PerformanceIndicator
from shared.filters import containing, equal_to
from shared.uow import UnitOfWork

Entry = TypeVar("Entry", DataService, PerformanceIndicator)


async def entries_page(
    uow: UnitOfWork, model: type[Entry], *, jurisdiction: str | None, status: str, limit: int, cursor: str | None
) -> list[Entry]:
    """Catalog services or indicators in id order; `status` "all" for every one."""
    query = sa.select(model).order_by(col(model.id)).limit(limit)
    if jurisdiction:
        query = query.where(col(model.jurisdiction) == jurisdiction)
    if status != "all":
        query = query.where(col(model.status) == status)
    if cursor:
        query = query.where(col(model.id) > cursor)
    return list(await uow.session.scalars(query))


async def operators_page(
    uow: UnitOfWork, *, jurisdiction: str | None, limit: int, cursor: str | None
) -> list[DataOperator]:
    query = sa.select(DataOperator).order_by(DataOperator.id).limit(limit)
    if jurisdiction:
        query = query.where(col(DataOperator.jurisdiction) == jurisdiction)
    if cursor:
        query = query.where(col(DataOperator.id) > cursor)
    return list(await uow.session.scalars(query))


#: a task whose work is not yet accepted (past due_on it is overdue)
OPEN_TASK_STATUSES = ("dispatched", "delivered")


@dataclass(frozen=True)
class TaskFilter:
    jurisdiction: str | None = None
    status: str | None = None
    operator_id: str | None = None
    own_operator: str | None = None  # confines an operator to its own tasks
    q: str | None = None  # part of the task's title
    year: int | None = None  # the year of public-data work it was split from
    overdue: bool | None = None  # not yet accepted past its due day


TASK_SORTS = {
    "id": DataOperationTask.id,
    "dispatched_on": DataOperationTask.dispatched_on,
    "due_on": DataOperationTask.due_on,
    "amount": DataOperationTask.planned_amount_fen,
}


def tasks_query(where: TaskFilter, today: date) -> sa.Select[Any]:
    # an empty filter is no filter here, as the routes always read it
    query = equal_to(
        sa.select(DataOperationTask),
        DataOperationTask,
        jurisdiction=where.jurisdiction or None,
        status=where.status or None,
        operator_id=where.operator_id or None,
        year=where.year,
    )
    if where.own_operator is not None:
        query = query.where(col(DataOperationTask.operator_id) == where.own_operator)
    query = containing(query, DataOperationTask.title, where.q)
    if where.overdue is not None:
        late = sa.and_(
            col(DataOperationTask.status).in_(OPEN_TASK_STATUSES),
            col(DataOperationTask.due_on).is_not(None),
            col(DataOperationTask.due_on) < today,
        )
        query = query.where(late if where.overdue else sa.not_(late))
    return query


async def tasks_page(
    uow: UnitOfWork,
    where: TaskFilter,
    *,
    today: date,
    limit: int,
    cursor: str | None = None,
    offset: int = 0,
    sort: str = "id",
    descending: bool = False,
) -> tuple[list[DataOperationTask], int]:
    """Up to `limit + 1` tasks in the chosen order from `offset` or after `cursor` (the last id, id order),
    and the count of the whole query."""
    query = tasks_query(where, today)
    total = await listing.count(uow, query)
    order = listing.Order(TASK_SORTS[sort], DataOperationTask.id, descending)
    return await listing.page(uow, query, order, limit=limit, offset=offset, after=cursor), total
