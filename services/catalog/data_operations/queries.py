"""Data operations' reads for its routes: the pages of services, indicators, operators and tasks."""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.data_operations.tables import DataOperationTask, DataOperator, DataService, PerformanceIndicator
from shared.filters import equal_to
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


async def tasks_page(
    uow: UnitOfWork,
    *,
    jurisdiction: str | None,
    status: str | None,
    operator_id: str | None,
    own_operator: str | None,
    limit: int,
    cursor: str | None,
) -> list[DataOperationTask]:
    """Tasks in id order; `own_operator` confines an operator to its own tasks."""
    query = sa.select(DataOperationTask).order_by(DataOperationTask.id).limit(limit)
    # an empty filter is no filter here, as the routes always read it
    query = equal_to(
        query,
        DataOperationTask,
        jurisdiction=jurisdiction or None,
        status=status or None,
        operator_id=operator_id or None,
    )
    if own_operator is not None:
        query = query.where(col(DataOperationTask.operator_id) == own_operator)
    if cursor:
        query = query.where(col(DataOperationTask.id) > cursor)
    return list(await uow.session.scalars(query))
