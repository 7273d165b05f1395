"""Routes of public data-operation services (公共数据运营服务): catalog, indicators, operators, tasks."""

# no `from __future__ import annotations`: the route factories below annotate with local names
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, params
from fastapi.responses import JSONResponse, Response

from services.catalog import listing
from services.catalog.api.common import PREFIX, idempotent
from services.catalog.data_operations import budget, handlers, queries
from services.catalog.data_operations.schemas import (
    DataServicePublic,
    IndicatorCreate,
    IndicatorPublic,
    OperatorCreate,
    OperatorPublic,
    PaymentCreate,
    ProgressCreate,
    QualityCheck,
    RatingCreate,
    RatingPublic,
    RatingSummary,
    ServiceCreate,
    TaskCreate,
    TaskPublic,
    TasksPublic,
    ThirdPartyCheckCreate,
)
from services.catalog.data_operations.tables import (
    DataOperationTask,
    DataService,
    PerformanceIndicator,
)
from shared import clock, idempotency
from shared.auth import Principal, Role, outbound_authorization, require
from shared.errors import bad_request, conflict, forbidden
from shared.limits import FILTER_MAX, Filter
from shared.pagination import IdCursor
from shared.service import Runtime, ServiceRuntime
from shared.uow import UnitOfWork

router = APIRouter(prefix=f"{PREFIX}/data-operations", tags=["data operations 公共数据运营"])

Bureau = require(Role.DATA_BUREAU)
Finance = require(Role.FINANCE)
Payers = require(Role.DATA_BUREAU, Role.FINANCE)
Checkers = require(Role.DATA_BUREAU, Role.PLATFORM)
Progress = require(Role.DATA_BUREAU, Role.DATA_OPERATOR)
Readers = require(Role.DATA_BUREAU, Role.FINANCE, Role.AUDIT, Role.PLATFORM, Role.DATA_OPERATOR)
IdempotencyKey = Annotated[str | None, Header(max_length=200)]


def task_public(task: DataOperationTask, ratings: dict | None = None) -> dict:
    data = task.model_dump(include=set(TaskPublic.model_fields) - {"operator_ratings"})
    summary = RatingSummary(**ratings) if ratings is not None else None
    return TaskPublic(**data, operator_ratings=summary).model_dump(mode="json")


@router.post(
    "/services",
    status_code=201,
    response_model=DataServicePublic,
    summary="Draft a catalog service (published only after approval)",
)
async def draft_service(
    command: ServiceCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        item = await handlers.draft_service(uow, principal, **command.model_dump())
        return item.model_dump(mode="json")

    return await idempotent(runtime, idempotency_key, principal, command.model_dump(mode="json"), 201, action)


@router.post(
    "/indicators",
    status_code=201,
    response_model=IndicatorPublic,
    summary="Draft a performance indicator with its target",
)
async def draft_indicator(
    command: IndicatorCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        item = await handlers.draft_indicator(uow, principal, **command.model_dump())
        return item.model_dump(mode="json")

    return await idempotent(runtime, idempotency_key, principal, command.model_dump(mode="json"), 201, action)


StepRun = Callable[[UnitOfWork, str, Principal], Awaitable[DataService | PerformanceIndicator]]


def _step(path: str, kind: str, verb: str, who: params.Depends, run: StepRun) -> Callable[..., Awaitable[Any]]:
    # response_model=None: the annotation is for the checker; the document keeps these answers untyped as before
    @router.post(path, summary=f"{verb.capitalize()} a {kind}", name=f"{verb}_{kind}", response_model=None)
    async def step(item_id: str, runtime: Runtime, principal: Annotated[Principal, who]) -> dict[str, Any]:
        async with runtime.unit_of_work() as uow:
            item = await run(uow, item_id, principal)
            return item.model_dump(mode="json")

    return step


_step("/services/{item_id}/approve", "service", "approve", Bureau, lambda u, i, p: handlers.approve(u, "service", i, p))
_step("/services/{item_id}/publish", "service", "publish", Bureau, lambda u, i, p: handlers.publish(u, "service", i, p))
_step(
    "/indicators/{item_id}/approve",
    "indicator",
    "approve",
    Bureau,
    lambda u, i, p: handlers.approve(u, "indicator", i, p),
)
_step("/indicators/{item_id}/target-review", "indicator", "review", Finance, handlers.review_target)
_step(
    "/indicators/{item_id}/publish",
    "indicator",
    "publish",
    Bureau,
    lambda u, i, p: handlers.publish(u, "indicator", i, p),
)


@router.get(
    "/services",
    response_model=list[DataServicePublic],
    summary="The service catalog (published entries unless status is given)",
)
async def list_services(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    jurisdiction: Filter = None,
    status: str = Query(default="published", max_length=FILTER_MAX),
    limit: int = Query(default=100, ge=1, le=500),
    cursor: IdCursor = None,
) -> list[dict]:
    async with runtime.reading() as uow:
        rows = await queries.entries_page(
            uow, DataService, jurisdiction=jurisdiction, status=status, limit=limit, cursor=cursor
        )
    return [row.model_dump(mode="json") for row in rows]


@router.get(
    "/indicators",
    response_model=list[IndicatorPublic],
    summary="Performance indicators (published unless status is given)",
)
async def list_indicators(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    jurisdiction: Filter = None,
    status: str = Query(default="published", max_length=FILTER_MAX),
    limit: int = Query(default=100, ge=1, le=500),
    cursor: IdCursor = None,
) -> list[dict]:
    async with runtime.reading() as uow:
        rows = await queries.entries_page(
            uow, PerformanceIndicator, jurisdiction=jurisdiction, status=status, limit=limit, cursor=cursor
        )
    return [row.model_dump(mode="json") for row in rows]


@router.post("/operators", status_code=201, response_model=OperatorPublic, summary="Register a data operator")
async def register_operator(
    command: OperatorCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        operator = await handlers.register_operator(uow, principal, **command.model_dump())
        data = operator.model_dump(include=set(OperatorPublic.model_fields) - {"ratings"})
        return OperatorPublic(**data, ratings=RatingSummary(count=0, mean=None, last=None)).model_dump(mode="json")

    return await idempotent(runtime, idempotency_key, principal, command.model_dump(mode="json"), 201, action)


@router.get("/operators", response_model=list[OperatorPublic], summary="Registered operators with their ratings")
async def list_operators(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    jurisdiction: Filter = None,
    limit: int = Query(default=100, ge=1, le=500),
    cursor: IdCursor = None,
) -> list[OperatorPublic]:
    async with runtime.reading() as uow:
        operators = await queries.operators_page(uow, jurisdiction=jurisdiction, limit=limit, cursor=cursor)
        ratings = await handlers.ratings_of(uow, [o.id for o in operators])
    return [
        OperatorPublic(
            **o.model_dump(include=set(OperatorPublic.model_fields) - {"ratings"}),
            ratings=RatingSummary(**ratings[o.id]),
        )
        for o in operators
    ]


@router.post(
    "/tasks",
    status_code=201,
    response_model=TaskPublic,
    summary="Dispatch a service task to a registered operator; the answer shows the operator's ratings so far",
)
async def dispatch(
    command: TaskCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        task = await handlers.dispatch(uow, principal, **command.model_dump())
        ratings = await handlers.ratings_of(uow, [task.operator_id])
        return task_public(task, ratings[task.operator_id])

    return await idempotent(runtime, idempotency_key, principal, command.model_dump(mode="json"), 201, action)


class TaskQuery:
    """The task list's filters and order, shared by the JSON list and its spreadsheet."""

    def __init__(
        self,
        principal: Annotated[Principal, Readers],
        jurisdiction: Filter = None,
        status: Filter = None,
        operator_id: Filter = None,
        q: Annotated[str | None, Query(max_length=100, description="part of the task's title")] = None,
        year: Annotated[int | None, Query(ge=1990, le=2100, description="the year of work it was split from")] = None,
        overdue: Annotated[bool | None, Query(description="not yet accepted past its due day")] = None,
        sort: Literal["id", "dispatched_on", "due_on", "amount"] = "id",
        order: Literal["asc", "desc"] = "asc",
    ) -> None:
        self.sort = sort
        self.descending = order == "desc"
        self.where = queries.TaskFilter(
            jurisdiction=jurisdiction,
            status=status,
            operator_id=operator_id,
            own_operator=principal.unit if principal.roles == {Role.DATA_OPERATOR} else None,
            q=q,
            year=year,
            overdue=overdue,
        )


@router.get(
    "/tasks",
    response_model=TasksPublic,
    summary="数据运营任务 Tasks, searched, filtered, sorted (an operator sees only its own)",
)
async def list_tasks(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    query: Annotated[TaskQuery, Depends()],
    limit: int = Query(default=100, ge=1, le=500),
    cursor: IdCursor = None,
    offset: Annotated[int, Query(ge=0, le=listing.MAX_OFFSET, description="rows to skip (any order)")] = 0,
) -> TasksPublic:
    """`total` counts the whole query. Pages go by `offset` in any order, or by `next_cursor` (the last id)
    in the default id order."""
    async with runtime.reading() as uow:
        rows, total = await queries.tasks_page(
            uow,
            query.where,
            today=clock.today(),
            limit=limit,
            cursor=cursor,
            offset=offset,
            sort=query.sort,
            descending=query.descending,
        )
    page = rows[:limit]
    keyset = query.sort == "id" and not query.descending
    return TasksPublic(
        items=[TaskPublic(**task_public(t)) for t in page],
        next_cursor=page[-1].id if len(rows) > limit and keyset else None,
        total=total,
        offset=offset,
    )


TASK_STATUS_ZH = {"dispatched": "已派发", "delivered": "已交付", "accepted": "已验收", "paid": "已支付"}
TASK_COLUMNS: list[listing.Column] = [
    ("任务编号", lambda t: t.id),
    ("任务名称", lambda t: t.title),
    ("辖区", lambda t: t.jurisdiction),
    ("年度", lambda t: t.year),
    ("运营单位", lambda t: t.operator_id),
    ("状态", lambda t: TASK_STATUS_ZH.get(t.status, t.status)),
    ("进度（%）", lambda t: t.progress_pct),
    ("计划金额（元）", lambda t: listing.yuan(t.planned_amount_fen)),
    ("确认金额（元）", lambda t: listing.yuan(t.confirmed_amount_fen)),
    ("已支付（元）", lambda t: listing.yuan(t.paid_amount_fen)),
    ("派发日期", lambda t: t.dispatched_on),
    ("完成期限", lambda t: t.due_on),
    ("验收日期", lambda t: t.accepted_on),
]


@router.get(
    "/tasks.xlsx",
    response_class=Response,
    summary=f"导出 Excel: the task list's query as a spreadsheet (at most {listing.ROW_CAP} rows)",
)
async def export_tasks(
    runtime: Runtime, principal: Annotated[Principal, Readers], query: Annotated[TaskQuery, Depends()]
) -> Response:
    async with runtime.reading() as uow:
        rows, total = await queries.tasks_page(
            uow, query.where, today=clock.today(), limit=listing.ROW_CAP, sort=query.sort, descending=query.descending
        )
    content = listing.spreadsheet("数据运营任务", TASK_COLUMNS, rows[: listing.ROW_CAP], total)
    return listing.xlsx_response(content, "govproj-data-operation-tasks.xlsx", "数据运营任务.xlsx", total)


@router.get("/tasks/{task_id}", response_model=TaskPublic, summary="A task and its operator's ratings")
async def get_task(task_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]) -> dict[str, Any]:
    async with runtime.reading() as uow:
        task = await handlers.load_task(uow, task_id)
        if principal.roles == {Role.DATA_OPERATOR} and principal.unit != task.operator_id:
            raise forbidden("an operator sees only its own tasks")
        ratings = await handlers.ratings_of(uow, [task.operator_id])
        return task_public(task, ratings[task.operator_id])


async def _task_step(
    runtime: ServiceRuntime, run: Callable[[UnitOfWork], Awaitable[DataOperationTask]]
) -> dict[str, Any]:
    async with runtime.unit_of_work() as uow:
        task = await run(uow)
        return task_public(task)


@router.post("/tasks/{task_id}/progress", response_model=TaskPublic, summary="Report progress (100% = delivered)")
async def report_progress(
    task_id: str, command: ProgressCreate, runtime: Runtime, principal: Annotated[Principal, Progress]
) -> dict[str, Any]:
    return await _task_step(
        runtime, lambda uow: handlers.report_progress(uow, task_id, principal, **command.model_dump())
    )


@router.post("/tasks/{task_id}/quality-check", response_model=TaskPublic, summary="The bureau checks quality")
async def check_quality(
    task_id: str, command: QualityCheck, runtime: Runtime, principal: Annotated[Principal, Bureau]
) -> dict[str, Any]:
    return await _task_step(
        runtime, lambda uow: handlers.check_quality(uow, task_id, principal, **command.model_dump())
    )


@router.post("/tasks/{task_id}/accept", response_model=TaskPublic, summary="验收审核 Accept a delivered task")
async def accept(task_id: str, runtime: Runtime, principal: Annotated[Principal, Bureau]) -> dict[str, Any]:
    return await _task_step(runtime, lambda uow: handlers.accept(uow, task_id, principal))


@router.post(
    "/tasks/{task_id}/third-party-check",
    response_model=TaskPublic,
    summary="第三方评审机构核定 Record the third-party reviewer's confirmed amount",
)
async def third_party_check(
    task_id: str, command: ThirdPartyCheckCreate, runtime: Runtime, principal: Annotated[Principal, Checkers]
) -> dict[str, Any]:
    return await _task_step(runtime, lambda uow: handlers.record_check(uow, task_id, principal, **command.model_dump()))


@router.post(
    "/tasks/{task_id}/payment",
    status_code=201,
    response_model=TaskPublic,
    summary="Pay a task through budget, once, after acceptance and the third-party check (fengxian:第三十六条)",
    description=(
        "Requires `Idempotency-Key`. Refused here (422 citing budget.data_operation_payment) before acceptance "
        "or the third-party check; then budget pays (201) or says it already paid (409); budget's refusals come "
        "back as they are, and an unreachable budget is a 503."
    ),
)
async def pay(
    task_id: str,
    command: PaymentCreate,
    request: Request,
    runtime: Runtime,
    principal: Annotated[Principal, Payers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    if not idempotency_key:
        raise bad_request("paying needs an Idempotency-Key header so a retry never pays twice", field="Idempotency-Key")
    body = {"task": task_id, **command.model_dump(mode="json")}
    async with runtime.unit_of_work() as uow:
        if (replayed := await idempotency.replay(uow, idempotency_key, principal.subject, body)) is not None:
            return replayed
        task = await handlers.load_task(uow, task_id)
        request_body = handlers.payment_request(handlers.pack_of(task.jurisdiction), task, command.amount_fen)
    # outside any transaction: budget's own idempotency (a key per task) makes a retry safe
    paid = await budget.pay(
        runtime.settings.service_urls["budget"],
        await outbound_authorization(request),
        f"catalog-data-operation-{task_id}",
        request_body,
    )
    payment_id = paid.body.get("payment_id")
    if paid.status == 409:
        # Another key paid this task: record the payment budget names, then answer that it was paid.
        async with runtime.unit_of_work() as uow:
            await _mark_paid(uow, task_id, payment_id, paid.body, command.amount_fen, principal)
        raise conflict(f"task {task_id} was already paid ({payment_id})", payment_id=payment_id)

    async def action(uow: UnitOfWork) -> dict:
        await _mark_paid(uow, task_id, payment_id, paid.body, command.amount_fen, principal)
        return task_public(await handlers.load_task(uow, task_id))

    # A racing twin with the same key waits here on the key and gets the first answer.
    return await idempotency.run_once(runtime, idempotency_key, principal, body, action)


async def _mark_paid(
    uow: UnitOfWork, task_id: str, payment_id: str | None, paid: dict, amount_fen: int, principal: Principal
) -> None:
    if payment_id:
        await handlers.mark_paid(
            uow,
            task_id,
            payment_id=payment_id,
            amount_fen=paid.get("amount_fen", amount_fen),
            paid_on=clock.today(),
            actor=principal,
        )


@router.post(
    "/tasks/{task_id}/rating",
    status_code=201,
    response_model=RatingPublic,
    summary="Rate the operator's service on an accepted task (shown at its next dispatch)",
)
async def rate(
    task_id: str,
    command: RatingCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        rating = await handlers.rate(uow, task_id, principal, **command.model_dump())
        return rating.model_dump(mode="json")

    body = {"task": task_id, **command.model_dump(mode="json")}
    return await idempotent(runtime, idempotency_key, principal, body, 201, action)
