"""Routes of the portfolio read model: 待办, the project library across stages (and its .xlsx), a project's
dossier, the cockpit (驾驶舱) and the notification feed (消息提醒). Reads only; scoped by the caller."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import Response
from sqlmodel import col

from services.catalog.api.common import PREFIX
from services.catalog.portfolio import queries, spreadsheet, webhooks
from services.catalog.portfolio.domain import Stage
from services.catalog.portfolio.schemas import (
    CockpitPublic,
    DeliveriesPublic,
    DeliveryPublic,
    NotificationsPublic,
    NotificationsRead,
    ProjectPublic,
    ProjectRowPublic,
    ProjectsPublic,
    ReadMarkerPublic,
    TodosPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhooksPublic,
)
from services.catalog.portfolio.tables import PortfolioNotification, PortfolioWebhook, PortfolioWebhookDelivery
from shared import clock, idempotency
from shared.auth import CurrentPrincipal, Principal, Role, require
from shared.errors import bad_request, forbidden, not_found
from shared.policy import packs
from shared.service import Runtime
from shared.uow import UnitOfWork

router = APIRouter(prefix=f"{PREFIX}/portfolio", tags=["portfolio 工作台读模型"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_OFFSET = 100_000
MAX_AMOUNT = 10**15  # fen; far above any project, small enough for every database's BIGINT

Limit = Annotated[int, Query(ge=1, le=200, description="rows per page")]
Cursor = Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")]
Jurisdiction = Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")]
Year = Annotated[int | None, Query(ge=1990, le=2100)]


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def _decode(cursor: str | None, offset: int) -> int:
    if cursor is None:
        return offset
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))["o"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise bad_request("cursor is not one this service issued", field="cursor") from None
    if not isinstance(value, int) or not 0 <= value <= MAX_OFFSET:
        raise bad_request("cursor is not one this service issued", field="cursor")
    return value


def _next(offset: int, limit: int, total: int) -> str | None:
    return _encode(offset + limit) if offset + limit < total and offset + limit <= MAX_OFFSET else None


def _jurisdiction(value: str | None) -> str | None:
    if value is not None:
        packs.get(value)  # an unknown jurisdiction is a 422 problem naming the field
    return value


@router.get("/todos", response_model=TodosPublic, summary="待办 Actions waiting for my roles (and my unit)")
async def todos(
    runtime: Runtime,
    principal: CurrentPrincipal,
    role: Annotated[Role | None, Query(description="one of my roles; all of them if absent")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Annotated[
        Literal["open", "done"], Query(description="open: 待办 (default); done: 已办, the most recently closed first")
    ] = "open",
) -> TodosPublic:
    if role is not None and role not in principal.roles:
        raise forbidden(f"role '{role.value}' is not one of yours", field="role")
    offset = _decode(cursor, 0)
    async with runtime.reading() as uow:
        found = await queries.todos(
            uow, principal, role=role.value if role else None, limit=limit, offset=offset, status=status
        )
    return TodosPublic(**found, next_cursor=_next(offset, limit, found["total"]))


def _filter(
    q: str | None,
    jurisdiction: str | None,
    unit: str | None,
    stage: Stage | None,
    year: int | None,
    amount_min: int | None,
    amount_max: int | None,
    overdue: bool | None,
    sort: str,
    order: str | None,
) -> queries.ProjectFilter:
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        raise bad_request("amount_min must not exceed amount_max", field="amount_min")
    if stage == Stage.DRAFT:
        raise bad_request("drafts stay in intake and are never listed here", field="stage")
    descending = (order or ("desc" if sort in ("created", "amount") else "asc")) == "desc"
    return queries.ProjectFilter(
        q=q.strip() or None if q else None,
        jurisdiction=_jurisdiction(jurisdiction),
        unit=unit.strip() or None if unit else None,
        stage=stage,
        year=year,
        amount_min=amount_min,
        amount_max=amount_max,
        overdue=overdue,
        sort=sort,
        descending=descending,
    )


class ProjectQuery:
    """The list's query parameters, shared by the JSON list and the spreadsheet."""

    def __init__(
        self,
        q: Annotated[str | None, Query(max_length=100, description="part of the title (项目名称)")] = None,
        jurisdiction: Jurisdiction = None,
        unit: Annotated[str | None, Query(max_length=120, description="part of the unit's name")] = None,
        stage: Stage | None = None,
        year: Year = None,
        amount_min: Annotated[int | None, Query(ge=0, le=MAX_AMOUNT, description="fen")] = None,
        amount_max: Annotated[int | None, Query(ge=0, le=MAX_AMOUNT, description="fen")] = None,
        overdue: bool | None = None,
        sort: Literal["created", "amount", "due", "title"] = "created",
        order: Literal["asc", "desc"] | None = None,
    ) -> None:
        self.chosen = _filter(q, jurisdiction, unit, stage, year, amount_min, amount_max, overdue, sort, order)


@router.get("/projects", response_model=ProjectsPublic, summary="项目库 Projects across every stage, filtered")
async def projects(
    runtime: Runtime,
    principal: CurrentPrincipal,
    query: Annotated[ProjectQuery, Depends()],
    limit: Limit = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    cursor: Cursor = None,
) -> ProjectsPublic:
    start = _decode(cursor, offset)
    async with runtime.reading() as uow:
        items, total, invested = await queries.projects(uow, principal, query.chosen, limit=limit, offset=start)
    return ProjectsPublic(
        items=[ProjectRowPublic.model_validate(item) for item in items],
        total=total,
        investment_fen=invested,
        offset=start,
        limit=limit,
        next_cursor=_next(start, limit, total),
    )


@router.get(
    "/projects.xlsx",
    response_class=Response,
    summary=f"导出 Excel: the same query as a spreadsheet (at most {spreadsheet.ROW_CAP} rows)",
)
async def projects_xlsx(
    runtime: Runtime, principal: CurrentPrincipal, query: Annotated[ProjectQuery, Depends()]
) -> Response:
    async with runtime.reading() as uow:
        items, total, _ = await queries.projects(uow, principal, query.chosen, limit=spreadsheet.ROW_CAP, offset=0)
    content = spreadsheet.render(items, total)
    return Response(
        content,
        media_type=XLSX,
        headers={
            "content-disposition": 'attachment; filename="govproj-portfolio.xlsx"',
            "x-total-count": str(total),
            "x-row-cap": str(spreadsheet.ROW_CAP),
        },
    )


@router.get("/projects/{project_id}", response_model=ProjectPublic, summary="项目档案 Stage, money, deadlines, to-dos")
async def project(
    runtime: Runtime, principal: CurrentPrincipal, project_id: Annotated[str, Path(max_length=64)]
) -> ProjectPublic:
    async with runtime.reading() as uow:
        found = await queries.project_detail(uow, principal, project_id)
    if found is None:
        raise not_found("project", project_id)
    return ProjectPublic(**found)


@router.get("/cockpit", response_model=CockpitPublic, summary="驾驶舱 The portfolio by stage, unit, jurisdiction, year")
async def cockpit(
    runtime: Runtime,
    principal: CurrentPrincipal,
    response: Response,
    jurisdiction: Jurisdiction = None,
    year: Year = None,
    risk_limit: Annotated[int, Query(ge=0, le=500, description="rated projects listed, riskiest first")] = 50,
) -> CockpitPublic:
    chosen = _jurisdiction(jurisdiction)
    served = await queries.shared_cockpit(runtime, principal, jurisdiction=chosen, year=year, risk_limit=risk_limit)
    response.headers.update(served.headers())  # how old the snapshot is and how long it stays fresh
    return CockpitPublic(**served.figures)


@router.get("/notifications", response_model=NotificationsPublic, summary="消息提醒 New to-dos and deadlines")
async def notifications(
    runtime: Runtime,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    before_id: Annotated[int | None, Query(ge=1, le=2**62, description="older than this id")] = None,
) -> NotificationsPublic:
    async with runtime.reading() as uow:
        return NotificationsPublic(**await queries.notifications(uow, principal, limit=limit, before_id=before_id))


@router.post("/notifications/read", response_model=ReadMarkerPublic, summary="标为已读 Mark notifications read")
async def notifications_read(
    runtime: Runtime, principal: CurrentPrincipal, body: NotificationsRead | None = None
) -> ReadMarkerPublic:
    async with runtime.unit_of_work() as uow:
        return ReadMarkerPublic(**await queries.mark_read(uow, principal, body.up_to_id if body else None))


# --- the feed as a webhook (registered by the bureau) ------------------------------------------------------

Bureau = require(Role.DATA_BUREAU)


def _hook(row: PortfolioWebhook) -> dict:
    return {name: getattr(row, name) for name in WebhookPublic.model_fields}


@router.post(
    "/webhooks", status_code=201, response_model=WebhookCreated, summary="登记消息推送 Register a webhook (bureau)"
)
async def create_webhook(
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
    body: WebhookCreate,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    if not webhooks.url_allowed(body.url):
        raise bad_request(
            f"the URL must start with one of the configured prefixes ({webhooks.ALLOWED_URLS_ENV})", field="url"
        )
    if body.role == Role.UNIT and not body.unit:
        raise bad_request("a subscription for the unit role names the unit", field="unit")
    if body.role in queries.BLIND_ROLES:
        raise bad_request(f"role '{body.role.value}' receives no notifications", field="role")

    async def action(uow: UnitOfWork) -> dict[str, Any]:
        newest = await uow.session.scalar(sa.select(sa.func.max(PortfolioNotification.id))) or 0
        row = PortfolioWebhook(
            name=body.name,
            url=body.url,
            role=body.role.value,
            unit=body.unit if body.role == Role.UNIT else None,
            signing_key=webhooks.new_signing_key(),
            queued_up_to=newest,  # from now on: a new subscription does not replay the history
            created_by=principal.subject,
            created_at=clock.now(),
        )
        uow.session.add(row)
        await uow.session.flush()
        return WebhookCreated(**_hook(row), signing_key=row.signing_key).model_dump(mode="json")

    # a retried registration (same Idempotency-Key) gets the first answer, not a second subscription
    return await idempotency.run_once(runtime, idempotency_key, principal, body.model_dump(mode="json"), action)


@router.get("/webhooks", response_model=WebhooksPublic, summary="消息推送 The registered webhooks (bureau)")
async def list_webhooks(runtime: Runtime, principal: Annotated[Principal, Bureau]) -> WebhooksPublic:
    async with runtime.reading() as uow:
        rows = await uow.session.scalars(sa.select(PortfolioWebhook).order_by(col(PortfolioWebhook.id)))
        return WebhooksPublic(
            items=[WebhookPublic(**_hook(r)) for r in rows], allowed_url_prefixes=webhooks.allowed_prefixes()
        )


@router.delete("/webhooks/{webhook_id}", response_model=WebhookPublic, summary="停用消息推送 Stop a webhook (bureau)")
async def stop_webhook(
    runtime: Runtime, principal: Annotated[Principal, Bureau], webhook_id: Annotated[int, Path(ge=1, le=2**62)]
) -> WebhookPublic:
    async with runtime.unit_of_work() as uow:
        row = await uow.session.get(PortfolioWebhook, webhook_id, with_for_update=True)
        if row is None:
            raise not_found("webhook", webhook_id)
        row.active = False
        return WebhookPublic(**_hook(row))


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=DeliveriesPublic,
    summary="推送记录 A webhook's delivery log, newest first (bureau)",
)
async def webhook_deliveries(
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
    webhook_id: Annotated[int, Path(ge=1, le=2**62)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveriesPublic:
    async with runtime.reading() as uow:
        if await uow.session.get(PortfolioWebhook, webhook_id) is None:
            raise not_found("webhook", webhook_id)
        rows = await uow.session.scalars(
            sa.select(PortfolioWebhookDelivery)
            .where(col(PortfolioWebhookDelivery.webhook_id) == webhook_id)
            .order_by(col(PortfolioWebhookDelivery.id).desc())
            .limit(limit)
        )
        return DeliveriesPublic(
            items=[DeliveryPublic(**{n: getattr(r, n) for n in DeliveryPublic.model_fields}) for r in rows]
        )
