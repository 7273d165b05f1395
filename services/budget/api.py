"""Budget's routes: parse, call one handler in a unit of work, map the result. No rules here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse

from services.budget import handlers, queries
from services.budget.schemas import (
    AdjustmentDecision,
    AdjustmentPublic,
    AdjustmentRequest,
    BudgetLineCreate,
    BudgetLinePublic,
    BudgetLinesPublic,
    BudgetProjectPublic,
    BudgetProjectsPublic,
    ConsultationPublish,
    ControlPriceApproval,
    ControlPriceSubmission,
    DataOperationPaymentPublic,
    DataOperationPaymentRequest,
    EstimateApproval,
    OmBudgetCreate,
    OmBudgetPublic,
    OmBudgetsPublic,
    Reason,
    ReleasePublic,
    ReleaseRequest,
    SharesRequest,
    SurplusPublic,
    SurplusRequest,
    TechnicalReview,
)
from services.budget.tables import Adjustment, AnnualBudgetLine, BudgetProject, OmBudget
from shared.auth import Principal, Role, require
from shared.errors import forbidden
from shared.idempotency import run_once as idempotent
from shared.limits import Filter
from shared.pagination import IdCursor
from shared.scope import ProjectScope
from shared.service import Runtime
from shared.uow import UnitOfWork
from shared.watch import WATCH_DESCRIPTION, watched

router = APIRouter(prefix="/api/budget", tags=["budget 概算与资金"])

Unit = require(Role.UNIT)
Bureau = require(Role.DATA_BUREAU)
Finance = require(Role.FINANCE)
OmReviewers = require(Role.DATA_BUREAU, Role.FINANCE)
DataOperationPayers = require(Role.DATA_BUREAU, Role.FINANCE, Role.PLATFORM)
READER_ROLES = (Role.UNIT, Role.DATA_BUREAU, Role.DRC, Role.FINANCE, Role.AUDIT, Role.PLATFORM)
Readers = require(*READER_ROLES)


#: Who reads a budget project (shared/scope.py): every read of a project's data goes through it.
scope = ProjectScope.of("budget", queries.project_owner, readers=READER_ROLES)
IdempotencyKey = Annotated[str | None, Header(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=200)]


async def public(uow: UnitOfWork, project: BudgetProject) -> BudgetProjectPublic:
    history = await queries.estimate_history(uow, project.project_id)
    findings = await queries.active_findings(uow, project)
    shares = await queries.shares_of(uow, project.project_id)
    deadlines = await queries.deadlines_of(uow, project.project_id)
    return BudgetProjectPublic(
        **project.model_dump(exclude={"created_at", "updated_at", "secret"}),
        releases_stopped_by=[
            {"finding_id": f.finding_id, "step": f.step, "rule_id": f.rule_id, "citation": f.citation} for f in findings
        ],
        shares=[{"payer": s.payer, "level": s.level, "share_fen": s.share_fen} for s in shares],
        deadlines=deadlines,
        estimate_history=[
            {"revision": r.revision, "estimate_fen": r.estimate_fen, "approved_on": r.approved_on.isoformat()}
            for r in history
        ],
    )


# --- projects and the technical-plan timeline ---------------------------------------------------------------


@router.get("/projects", response_model=BudgetProjectsPublic, summary="Projects at the budget stage (cursor pages)")
async def list_projects(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    jurisdiction: Filter = None,
    stage: Filter = None,
    cursor: IdCursor = None,
    limit: Limit = 50,
):
    unit = principal.unit if not principal.can_see_unit("") and principal.unit else None
    async with runtime.reading() as uow:
        rows = await queries.project_page(
            uow, unit=unit, jurisdiction=jurisdiction, stage=stage, cursor=cursor, limit=limit
        )
        items = [await public(uow, p) for p in rows[:limit]]
    return BudgetProjectsPublic(items=items, next_cursor=rows[limit - 1].project_id if len(rows) > limit else None)


@router.get(
    "/projects/{project_id}",
    response_model=BudgetProjectPublic,
    summary="The project's budget stage",
    description=WATCH_DESCRIPTION,
)
async def get_project(project_id: str, request: Request, runtime: Runtime, principal: Annotated[Principal, Readers]):
    async def read() -> BudgetProjectPublic:
        async with runtime.reading() as uow:
            await scope.ensure(uow, principal, project_id, content=False)
            return await public(uow, await queries.load(uow, project_id))

    return await watched(request, runtime.arrivals, project_id, read)


@router.post(
    "/projects/{project_id}/consultation",
    response_model=BudgetProjectPublic,
    summary="功能清单公示 The unit publishes the function list for price consultation (dazhou:第三十五条)",
)
async def publish_consultation(
    project_id: str, body: ConsultationPublish, runtime: Runtime, principal: Annotated[Principal, Unit]
):
    async with runtime.unit_of_work() as uow:
        project = await handlers.publish_consultation(uow, project_id, body.published_on, body.ends_on, principal)
        return await public(uow, project)


@router.post(
    "/projects/{project_id}/technical-plan",
    response_model=BudgetProjectPublic,
    summary="报送技术方案 The unit delivers the technical plan (dazhou:第三十六条)",
)
async def submit_technical_plan(project_id: str, runtime: Runtime, principal: Annotated[Principal, Unit]):
    async with runtime.unit_of_work() as uow:
        project = await handlers.submit_technical_plan(uow, project_id, principal)
        return await public(uow, project)


@router.post(
    "/projects/{project_id}/technical-review",
    response_model=BudgetProjectPublic,
    summary="技术方案审查 The bureau reviews the plan; passed approves the estimate (dazhou:第三十七条)",
)
async def review_technical_plan(
    project_id: str, body: TechnicalReview, runtime: Runtime, principal: Annotated[Principal, Bureau]
):
    async with runtime.unit_of_work() as uow:
        project = await handlers.review_technical_plan(
            uow, project_id, body.passed, body.estimate_fen, body.opinion, principal
        )
        return await public(uow, project)


@router.post(
    "/projects/{project_id}/estimate",
    response_model=BudgetProjectPublic,
    summary="批复概算 Approve the estimate (the technical review's outcome in one step)",
)
async def approve_estimate(
    project_id: str, body: EstimateApproval, runtime: Runtime, principal: Annotated[Principal, Bureau]
):
    async with runtime.unit_of_work() as uow:
        project = await handlers.approve_estimate(uow, project_id, body.estimate_fen, principal)
        return await public(uow, project)


@router.post(
    "/projects/{project_id}/control-price",
    response_model=BudgetProjectPublic,
    summary="申报招标控制价预算评审 The unit submits the control price (dazhou:第三十八条)",
)
async def submit_control_price(
    project_id: str, body: ControlPriceSubmission, runtime: Runtime, principal: Annotated[Principal, Unit]
):
    async with runtime.unit_of_work() as uow:
        project = await handlers.submit_control_price(uow, project_id, body.control_price_fen, principal)
        return await public(uow, project)


@router.post(
    "/projects/{project_id}/control-price/approval",
    response_model=BudgetProjectPublic,
    summary="完成预算评审 Finance approves the control price, never above the estimate (dazhou:第三十八条)",
)
async def approve_control_price(
    project_id: str, body: ControlPriceApproval, runtime: Runtime, principal: Annotated[Principal, Finance]
):
    async with runtime.unit_of_work() as uow:
        project = await handlers.approve_control_price(uow, project_id, body.control_price_fen, principal)
        return await public(uow, project)


# --- money out ----------------------------------------------------------------------------------------------


@router.post("/projects/{project_id}/releases", status_code=201, response_model=ReleasePublic, summary="拨付资金")
async def release_funds(
    project_id: str,
    body: ReleaseRequest,
    runtime: Runtime,
    principal: Annotated[Principal, Finance],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A retried request with the same Idempotency-Key returns the first release; it never pays twice."""

    async def action(uow: UnitOfWork) -> dict:
        release = await handlers.release_funds(
            uow,
            project_id,
            body.contract_id,
            body.amount_fen,
            principal,
            payer=body.payer,
            adjustment_id=body.adjustment_id,
            progress_percent=body.progress_percent,
        )
        project = await queries.load(uow, project_id)
        return ReleasePublic(
            id=release.id,
            project_id=project_id,
            contract_id=release.contract_id,
            amount_fen=release.amount_fen,
            released_total_fen=project.released_fen,
            payer=release.payer,
        ).model_dump(mode="json")

    request = {"project_id": project_id, **body.model_dump()}
    return await idempotent(runtime, idempotency_key, principal, request, action, key_required=True)


@router.post(
    "/projects/{project_id}/surplus-return",
    response_model=SurplusPublic,
    summary="结余资金退回 Return the surplus of an accepted project (dazhou:第三十一条)",
)
async def return_surplus(
    project_id: str, body: SurplusRequest, runtime: Runtime, principal: Annotated[Principal, Finance]
):
    async with runtime.unit_of_work() as uow:
        decision = await handlers.return_surplus(uow, project_id, body.goals_unchanged, principal)
        project = await queries.load(uow, project_id)
        return SurplusPublic(
            project_id=project_id,
            route=decision.value,
            amount_fen=project.surplus_returned_fen,
            rule_id=decision.rule_id,
            citation=decision.citation,
            stage=project.stage,
        )


@router.put(
    "/projects/{project_id}/shares",
    response_model=BudgetProjectPublic,
    summary="市县分级负担 Split a jointly built project's estimate by level (quzhou:三(二)3)",
)
async def set_shares(project_id: str, body: SharesRequest, runtime: Runtime, principal: Annotated[Principal, Finance]):
    async with runtime.unit_of_work() as uow:
        await handlers.set_shares(uow, project_id, [s.model_dump() for s in body.shares], principal)
        project = await queries.load(uow, project_id)
        return await public(uow, project)


# --- adjustments --------------------------------------------------------------------------------------------


def adjustment_public(adjustment: Adjustment, reasons: list | None = None) -> AdjustmentPublic:
    return AdjustmentPublic(
        **adjustment.model_dump(
            include={
                "id",
                "project_id",
                "amount_fen",
                "adjusted_total_fen",
                "approved_total_fen",
                "case",
                "major",
                "goals_unchanged",
                "route",
                "status",
                "requested_at",
            }
        ),
        reasons=[
            Reason(rule_id=d.rule_id, citation=d.citation, message_zh=d.message_zh, message_en=d.message_en)
            for d in reasons or []
        ],
    )


@router.post(
    "/projects/{project_id}/adjustments",
    status_code=201,
    response_model=AdjustmentPublic,
    summary="调整 File an adjustment (≤15%, dazhou:第四十五条) or ask prior approval (dazhou:第四十四条)",
)
async def request_adjustment(
    project_id: str,
    body: AdjustmentRequest,
    runtime: Runtime,
    principal: Annotated[Principal, Unit],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        adjustment, route = await handlers.request_adjustment(uow, project_id, principal=principal, **body.model_dump())
        return adjustment_public(adjustment, route.reasons).model_dump(mode="json")

    return await idempotent(
        runtime, idempotency_key, principal, {"project_id": project_id, **body.model_dump()}, action
    )


@router.get(
    "/projects/{project_id}/adjustments", response_model=list[AdjustmentPublic], summary="A project's adjustments"
)
async def list_adjustments(project_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]):
    async with runtime.reading() as uow:
        await scope.ensure(uow, principal, project_id, content=False, what="adjustments")
        return [adjustment_public(a) for a in await queries.adjustments_of(uow, project_id)]


@router.post(
    "/projects/{project_id}/adjustments/{adjustment_id}/decision",
    response_model=AdjustmentPublic,
    summary="调整审批 The bureau approves or rejects an adjustment beforehand (dazhou:第四十四条)",
)
async def decide_adjustment(
    project_id: str,
    adjustment_id: str,
    body: AdjustmentDecision,
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
):
    async with runtime.unit_of_work() as uow:
        adjustment = await handlers.decide_adjustment(uow, project_id, adjustment_id, body.approve, principal)
        return adjustment_public(adjustment)


# --- annual budgets -----------------------------------------------------------------------------------------


def line_public(line: AnnualBudgetLine) -> BudgetLinePublic:
    return BudgetLinePublic(**line.model_dump(exclude={"created_by"}))


@router.post(
    "/annual-budgets",
    status_code=201,
    response_model=BudgetLinePublic,
    summary="年度预算 Add a line to a year's budget (dazhou:第二十九条,第三十四条)",
)
async def add_budget_line(
    body: BudgetLineCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Finance],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        line = await handlers.add_budget_line(uow, principal=principal, **body.model_dump())
        return line_public(line).model_dump(mode="json")

    return await idempotent(runtime, idempotency_key, principal, body.model_dump(mode="json"), action)


@router.get("/annual-budgets", response_model=BudgetLinesPublic, summary="Budget lines (cursor pages)")
async def list_budget_lines(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    year: int | None = None,
    jurisdiction: Filter = None,
    unit: Filter = None,
    cursor: IdCursor = None,
    limit: Limit = 50,
):
    if not principal.can_see_unit("") and principal.unit:
        unit = principal.unit
    async with runtime.reading() as uow:
        rows = await queries.budget_line_page(
            uow, year=year, jurisdiction=jurisdiction, unit=unit, cursor=cursor, limit=limit
        )
    return BudgetLinesPublic(
        items=[line_public(r) for r in rows[:limit]], next_cursor=rows[limit - 1].id if len(rows) > limit else None
    )


@router.get("/annual-budgets/totals", summary="A year's budget totals per jurisdiction (by kind) and per unit")
async def budget_totals(
    year: int,
    runtime: Runtime,
    principal: Annotated[Principal, require(Role.FINANCE, Role.DATA_BUREAU, Role.DRC, Role.AUDIT)],
    jurisdiction: Filter = None,
) -> dict:
    async with runtime.reading() as uow:
        return await queries.budget_totals(uow, year, jurisdiction)


# --- O&M budgets --------------------------------------------------------------------------------------------


def om_public(budget: OmBudget) -> OmBudgetPublic:
    return OmBudgetPublic(**budget.model_dump())


@router.post(
    "/om-budgets",
    status_code=201,
    response_model=OmBudgetPublic,
    summary="运维经费申报 Request O&M money for a catalogued system (dazhou:第二十一条,第三十二条,第五十七条)",
)
async def request_om_budget(
    body: OmBudgetCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Unit],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        budget = await handlers.request_om_budget(uow, principal=principal, **body.model_dump())
        return om_public(budget).model_dump(mode="json")

    return await idempotent(runtime, idempotency_key, principal, body.model_dump(mode="json"), action)


@router.post(
    "/om-budgets/{om_budget_id}/approval",
    response_model=OmBudgetPublic,
    summary="运维经费审核 The next reviewer on the pack's route approves an O&M budget: finance (dazhou:第三十三条), "
    "or the data bureau first and finance after (fengxian:第二十九条; jiyuan:职责,运行维护)",
)
async def approve_om_budget(om_budget_id: str, runtime: Runtime, principal: Annotated[Principal, OmReviewers]):
    async with runtime.unit_of_work() as uow:
        return om_public(await handlers.approve_om_budget(uow, om_budget_id, principal))


@router.get("/om-budgets", response_model=OmBudgetsPublic, summary="O&M budget requests (cursor pages)")
async def list_om_budgets(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    funding_year: int | None = None,
    status: Filter = None,
    cursor: IdCursor = None,
    limit: Limit = 50,
):
    unit = principal.unit if not principal.can_see_unit("") and principal.unit else None
    async with runtime.reading() as uow:
        rows = await queries.om_budget_page(
            uow, funding_year=funding_year, status=status, unit=unit, cursor=cursor, limit=limit
        )
    return OmBudgetsPublic(
        items=[om_public(r) for r in rows[:limit]], next_cursor=rows[limit - 1].id if len(rows) > limit else None
    )


# --- public data-operation payments (the contract with catalog) ---------------------------------------------


@router.post(
    "/data-operation-payments",
    status_code=201,
    response_model=DataOperationPaymentPublic,
    summary="支付公共数据运营服务费 Pay a data-operation task once, after acceptance and the third-party check",
    description=(
        "Called by the catalog service (role `platform`) or the bureau/finance once a public data-operation "
        "service task is accepted and a third-party reviewer confirmed its amount (先用后付、按实结算, "
        "fengxian:第三十五条,第三十六条). Requires `Idempotency-Key` (the same key replays the first answer). "
        "A task is paid at most once: another request for a paid task is 409 with the first `payment_id`. "
        "Refusals are 422 `rule_violations` citing budget.data_operation_payment (not accepted / no check) and "
        "budget.data_operation_actual_amount (more than confirmed). Jurisdictions whose pack has no such rule "
        "answer 422 `not-applicable`. On success budget emits `budget.data_operation.paid.v1` (subject = task id)."
    ),
)
async def pay_data_operation_task(
    body: DataOperationPaymentRequest,
    runtime: Runtime,
    principal: Annotated[Principal, DataOperationPayers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict:
        payment = await handlers.pay_data_operation_task(
            uow,
            task_id=body.task_id,
            operator_id=body.operator_id,
            jurisdiction=body.jurisdiction,
            amount_fen=body.amount_fen,
            accepted_on=body.accepted_on,
            check=body.third_party_check.model_dump() if body.third_party_check else None,
            principal=principal,
        )
        return DataOperationPaymentPublic(**payment.model_dump()).model_dump(mode="json")

    return await idempotent(
        runtime, idempotency_key, principal, body.model_dump(mode="json"), action, key_required=True
    )


@router.get(
    "/data-operation-payments/{task_id}",
    response_model=DataOperationPaymentPublic,
    summary="The payment of a data-operation task (404 while unpaid)",
)
async def get_data_operation_payment(
    task_id: str,
    runtime: Runtime,
    principal: Annotated[
        Principal, require(Role.DATA_BUREAU, Role.FINANCE, Role.PLATFORM, Role.AUDIT, Role.DATA_OPERATOR)
    ],
):
    async with runtime.reading() as uow:
        payment = await queries.data_operation_payment(uow, task_id)
        if principal.roles == {Role.DATA_OPERATOR} and principal.unit != payment.operator_id:
            raise forbidden("an operator sees only its own payments")
        return DataOperationPaymentPublic(**payment.model_dump())
