"""Procurement's routes: parse, call one handler in a unit of work, map the result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from fractions import Fraction
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse

from services.procurement import domain, handlers, ocds, queries
from services.procurement.ocds.bundle import bundle_of
from services.procurement.schemas import (
    ApprovalAct,
    AwardCreate,
    AwardPublic,
    BidCreate,
    BidPublic,
    ContractCreate,
    ContractPublic,
    IncidentCreate,
    IncidentPublic,
    PlanCreate,
    PlanPublic,
    PlanReview,
    ProcurementProjectPublic,
    ProjectListItem,
    ProjectsPublic,
    RectificationOrder,
    SanctionPublic,
    StepPublic,
    SupplementCreate,
    SupplementPublic,
    SupplierCreate,
    SupplierPublic,
    SuspensionOrder,
    TenderCreate,
    TenderPublic,
    TerminationApproval,
)
from services.procurement.tables import ProcurementProject
from shared import clock, idempotency
from shared.auth import Principal, Role, ensure_unit_access, require
from shared.errors import Problem
from shared.limits import Filter
from shared.pagination import IdCursor
from shared.scope import ProjectScope
from shared.service import Runtime
from shared.uow import UnitOfWork
from shared.watch import WATCH_DESCRIPTION, watched

router = APIRouter(prefix="/api/procurement", tags=["procurement 采购与合同"])

Buyers = require(Role.UNIT, Role.PROCUREMENT_CENTER)
#: Plan reviewers and tender organisers are named by the pack (procurement.organiser); the handler checks.
Organisers = require(Role.UNIT, Role.PROCUREMENT_CENTER, Role.LEADING_OFFICE)
Bureau = require(Role.DATA_BUREAU)
Leaders = require(
    Role.VICE_MAYOR_UNIT,
    Role.VICE_MAYOR_DIGITAL,
    Role.VICE_MAYOR_FINANCE,
    Role.MAYOR,
    Role.EXECUTIVE_MEETING,
    Role.STANDING_COMMITTEE,
    Role.DATA_BUREAU,
)
Reporters = require(Role.UNIT, Role.DATA_BUREAU)
READER_ROLES = (
    Role.UNIT,
    Role.DATA_BUREAU,
    Role.FINANCE,
    Role.PROCUREMENT_CENTER,
    Role.AUDIT,
    Role.PLATFORM,
    Role.LEADING_OFFICE,
    Role.VICE_MAYOR_UNIT,
    Role.VICE_MAYOR_DIGITAL,
    Role.VICE_MAYOR_FINANCE,
    Role.MAYOR,
    Role.EXECUTIVE_MEETING,
    Role.STANDING_COMMITTEE,
)
Readers = require(*READER_ROLES)
IdempotencyKey = Annotated[str | None, Header(max_length=200)]


#: Who reads a procurement project (shared/scope.py): every read of a project's data goes through it.
scope = ProjectScope.of("procurement", queries.project_owner, readers=READER_ROLES)


# --- mapping -------------------------------------------------------------------------------------


def plan_public(plan) -> PlanPublic:
    return PlanPublic(
        **plan.model_dump(include=set(PlanPublic.model_fields) - {"reviews_pending", "organiser"}),
        reviews_pending=handlers.pending_reviews(plan),
        organiser=plan.steps[-1],
    )


def contract_public(contract, supplements_fen: int = 0, warnings: list[str] | None = None) -> ContractPublic:
    fields = set(ContractPublic.model_fields) - {"supplements_fen", "warnings"}
    return ContractPublic(
        **contract.model_dump(include=fields), supplements_fen=supplements_fen, warnings=warnings or []
    )


def ratio_text(cumulative: int, original: int) -> str:
    percent = Fraction(cumulative * 100, original)
    return f"{percent.numerator / percent.denominator:.4f}%"


def supplement_public(supplement, steps) -> SupplementPublic:
    pending = domain.next_pending(steps) if supplement.status == "pending_approval" else None
    return SupplementPublic(
        **supplement.model_dump(include=set(SupplementPublic.model_fields) - {"ratio", "steps", "next_step"}),
        ratio=ratio_text(supplement.cumulative_fen, supplement.original_contract_fen),
        steps=[StepPublic(**s.model_dump(include=set(StepPublic.model_fields))) for s in steps],
        next_step=pending.role if pending else None,
    )


async def award_public(uow: UnitOfWork, award) -> AwardPublic:
    supplier = await queries.supplier(uow, award.supplier_id)
    return AwardPublic(**award.model_dump(include=set(AwardPublic.model_fields) - {"supplier"}), supplier=supplier.name)


async def tender_public(uow: UnitOfWork, tender, *, detail: bool = True) -> TenderPublic:
    base = TenderPublic(**tender.model_dump(include=set(TenderPublic.model_fields) - {"bids", "award"}))
    if not detail:
        return base
    bids = []
    for bid in await queries.bids_of(uow, tender.id):
        supplier = await queries.supplier(uow, bid.supplier_id)
        bids.append(
            BidPublic(**bid.model_dump(include=set(BidPublic.model_fields) - {"supplier"}), supplier=supplier.name)
        )
    award = await queries.award_of(uow, tender.id)
    return base.model_copy(update={"bids": bids, "award": await award_public(uow, award) if award else None})


def visible_title(project: ProcurementProject, principal: Principal) -> str | None:
    """A secret (涉密) project's title only for the cleared and its own unit (dazhou:第六十五条)."""
    if project.secret and not (principal.cleared or principal.unit == project.unit):
        return None
    return project.title


async def project_public(
    uow: UnitOfWork, project: ProcurementProject, principal: Principal
) -> ProcurementProjectPublic:
    project_id = project.project_id
    plan = await queries.plan_of(uow, project)
    contracts = await queries.contracts_of(uow, project_id)
    supplements = await queries.supplements_of(uow, project_id)
    live = {}
    for s in supplements:
        if s.status in queries.LIVE_SUPPLEMENTS:
            live[s.contract_id] = live.get(s.contract_id, 0) + s.amount_fen
    sanctions = await queries.sanctions_of(uow, project_id)
    active = [s for s in sanctions if s.lifted_on is None]
    return ProcurementProjectPublic(
        project_id=project_id,
        unit=project.unit,
        jurisdiction=project.jurisdiction,
        title=visible_title(project, principal),
        stage=project.stage,
        status=queries.status_of(project, active),
        cycle=project.cycle,
        ceiling_fen=project.ceiling_fen,
        control_price_fen=project.control_price_fen,
        construction_due=project.construction_due,
        construction_completed_on=project.construction_completed_on,
        plan=plan_public(plan) if plan else None,
        tenders=[await tender_public(uow, t) for t in await queries.tenders_of(uow, project_id)],
        contracts=[contract_public(c, live.get(c.id, 0)) for c in contracts],
        supplements=[supplement_public(s, await queries.steps_of(uow, s.id)) for s in supplements],
        sanctions=[SanctionPublic(**s.model_dump(include=set(SanctionPublic.model_fields))) for s in sanctions],
        incidents=[
            IncidentPublic(**i.model_dump(include=set(IncidentPublic.model_fields)))
            for i in await queries.incidents_of(uow, project_id)
        ],
    )


async def created(
    runtime,
    principal: Principal,
    key: str | None,
    request: dict[str, Any],
    work: Callable[[UnitOfWork], Awaitable[tuple[int, Any]]],
) -> JSONResponse:
    """A creating POST through the one idempotency path (`work` answers its status and body)."""

    async def action(uow: UnitOfWork) -> idempotency.Answer:
        return idempotency.Answer(*await work(uow))

    return await idempotency.run_once(runtime, key, principal, request, action)


# --- projects ------------------------------------------------------------------------------------


@router.get("/projects", response_model=ProjectsPublic, summary="Projects in procurement (cursor pagination)")
async def list_projects(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    stage: Filter = None,
    jurisdiction: Filter = None,
    cursor: IdCursor = None,
    limit: int = Query(default=50, ge=1, le=200),
) -> ProjectsPublic:
    async with runtime.reading() as uow:
        rows = await queries.project_page(
            uow,
            unit=principal.unit if principal.roles <= {Role.UNIT} else None,
            stage=stage,
            jurisdiction=jurisdiction,
            cursor=cursor,
            limit=limit,
        )
        items = []
        for p in rows[:limit]:
            active = await queries.active_sanctions(uow, p.project_id)
            items.append(
                ProjectListItem(
                    **p.model_dump(include=set(ProjectListItem.model_fields) - {"title", "status"}),
                    title=visible_title(p, principal),
                    status=queries.status_of(p, active),
                )
            )
    return ProjectsPublic(items=items, next_cursor=rows[limit - 1].project_id if len(rows) > limit else None)


@router.get(
    "/projects/{project_id}",
    response_model=ProcurementProjectPublic,
    summary="The project's procurement",
    description=WATCH_DESCRIPTION,
)
async def get_project(project_id: str, request: Request, runtime: Runtime, principal: Annotated[Principal, Readers]):
    async def read() -> ProcurementProjectPublic:
        async with runtime.reading() as uow:
            await scope.ensure(uow, principal, project_id, content=False)
            return await project_public(uow, await queries.load(uow, project_id), principal)

    return await watched(request, runtime.arrivals, project_id, read)


@router.post(
    "/projects/{project_id}/plan", status_code=201, response_model=PlanPublic, summary="采购计划备案 File the plan"
)
async def file_plan(
    project_id: str,
    body: PlanCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Buyers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork):
        project = await queries.load(uow, project_id)
        ensure_unit_access(principal, project.unit)
        plan = await handlers.file_plan(uow, project_id, body, principal)
        return 201, plan_public(plan).model_dump(mode="json")

    request = {"project_id": project_id, **body.model_dump(mode="json")}
    return await created(runtime, principal, idempotency_key, request, work)


@router.post(
    "/projects/{project_id}/plan/review", summary="Review the plan (a step the pack names, e.g. jiyuan's office)"
)
async def review_plan(
    project_id: str, body: PlanReview, runtime: Runtime, principal: Annotated[Principal, Organisers]
) -> dict[str, Any]:
    async with runtime.unit_of_work() as uow:
        plan = await handlers.review_plan(uow, project_id, body.approve, body.comment, principal)
        return {"plan": plan_public(plan).model_dump(mode="json") if plan else None, "returned": plan is None}


@router.post(
    "/projects/{project_id}/tenders", status_code=201, response_model=TenderPublic, summary="发布招标 Publish a tender"
)
async def publish_tender(
    project_id: str,
    body: TenderCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Organisers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork):
        project = await queries.load(uow, project_id)
        ensure_unit_access(principal, project.unit)
        tender = await handlers.publish_tender(uow, project_id, body, principal)
        return 201, (await tender_public(uow, tender, detail=False)).model_dump(mode="json")

    request = {"project_id": project_id, **body.model_dump(mode="json")}
    return await created(runtime, principal, idempotency_key, request, work)


@router.get("/tenders/{tender_id}", response_model=TenderPublic, summary="A tender with its bids and award")
async def get_tender(tender_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]) -> TenderPublic:
    async with runtime.reading() as uow:
        tender = await queries.tender(uow, tender_id)
        await scope.ensure(uow, principal, tender.project_id, content=False, what="tender")
        return await tender_public(uow, tender)


@router.post("/tenders/{tender_id}/bids", status_code=201, response_model=BidPublic, summary="投标 Record a bid")
async def record_bid(
    tender_id: str,
    body: BidCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Organisers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork):
        bid = await handlers.record_bid(uow, tender_id, body, principal)
        supplier = await queries.supplier(uow, bid.supplier_id)
        public = BidPublic(**bid.model_dump(include=set(BidPublic.model_fields) - {"supplier"}), supplier=supplier.name)
        return 201, public.model_dump(mode="json")

    request = {"tender_id": tender_id, **body.model_dump(mode="json")}
    return await created(runtime, principal, idempotency_key, request, work)


@router.post("/tenders/{tender_id}/award", status_code=201, response_model=AwardPublic, summary="定标 Award the tender")
async def award_tender(
    tender_id: str,
    body: AwardCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Organisers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork):
        award = await handlers.award_tender(uow, tender_id, body, principal)
        return 201, (await award_public(uow, award)).model_dump(mode="json")

    request = {"tender_id": tender_id, **body.model_dump(mode="json")}
    return await created(runtime, principal, idempotency_key, request, work)


@router.get("/suppliers", response_model=list[SupplierPublic], summary="供应商名录 Suppliers, by name")
async def list_suppliers(
    runtime: Runtime,
    principal: Annotated[Principal, Organisers],
    limit: int = Query(default=200, ge=1, le=500),
) -> list[SupplierPublic]:
    """What a bid or an award picks its supplier from in the workbench (issue 17)."""
    async with runtime.reading() as uow:
        rows = await queries.suppliers(uow, limit)
    return [SupplierPublic(**row.model_dump(include=set(SupplierPublic.model_fields))) for row in rows]


@router.post("/suppliers", status_code=201, response_model=SupplierPublic, summary="登记供应商 Register a supplier")
async def register_supplier(
    body: SupplierCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Organisers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork):
        row = await handlers.register_supplier(uow, body, principal)
        return 201, SupplierPublic(**row.model_dump(include=set(SupplierPublic.model_fields))).model_dump(mode="json")

    return await created(runtime, principal, idempotency_key, body.model_dump(mode="json"), work)


# --- contracts and supplements -------------------------------------------------------------------


@router.post(
    "/projects/{project_id}/contracts",
    status_code=201,
    response_model=ContractPublic,
    summary="登记合同 Register a signed contract",
)
async def register_contract(
    project_id: str,
    body: ContractCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Buyers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork):
        project = await queries.load(uow, project_id)
        ensure_unit_access(principal, project.unit)
        registered = await handlers.register_contract(uow, project_id, body, principal)
        return 201, contract_public(registered.contract, warnings=registered.warnings).model_dump(mode="json")

    request = {"project_id": project_id, **body.model_dump(mode="json")}
    return await created(runtime, principal, idempotency_key, request, work)


@router.post(
    "/contracts/{contract_id}/supplements",
    status_code=201,
    response_model=SupplementPublic,
    summary="补充合同 Request a supplementary contract (over the cap: 422 and the procedure restarts)",
)
async def request_supplement(
    contract_id: str,
    body: SupplementCreate,
    request: Request,
    runtime: Runtime,
    principal: Annotated[Principal, Buyers],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork):
        contract = await queries.contract(uow, contract_id)
        if contract is not None:
            ensure_unit_access(principal, (await queries.load(uow, contract.project_id)).unit)
        outcome = await handlers.request_supplement(uow, contract_id, body, principal)
        if outcome.refusal is not None:
            # committed on purpose: the refusal opened a new cycle (dazhou:第四十三条)
            return outcome.refusal.status, outcome.refusal.body(str(request.url.path))
        return 201, supplement_public(outcome.supplement, outcome.steps).model_dump(mode="json")

    body_key = {"contract_id": contract_id, **body.model_dump(mode="json")}
    return await created(runtime, principal, idempotency_key, body_key, work)


@router.get("/supplements/{supplement_id}", response_model=SupplementPublic, summary="A supplementary contract")
async def get_supplement(
    supplement_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> SupplementPublic:
    async with runtime.reading() as uow:
        supplement = await handlers.load_supplement(uow, supplement_id)
        await scope.ensure(uow, principal, supplement.project_id, content=False, what="supplement")
        return supplement_public(supplement, await queries.steps_of(uow, supplement_id))


@router.post(
    "/supplements/{supplement_id}/approval",
    response_model=SupplementPublic,
    summary="A leader acts on the supplement's next authority step (dazhou:第四十三条)",
)
async def decide_supplement(
    supplement_id: str, body: ApprovalAct, runtime: Runtime, principal: Annotated[Principal, Leaders]
) -> SupplementPublic:
    async with runtime.unit_of_work() as uow:
        outcome = await handlers.decide_supplement_step(uow, supplement_id, body.approve, body.comment, principal)
        return supplement_public(outcome.supplement, outcome.steps)


# --- construction --------------------------------------------------------------------------------


@router.post(
    "/projects/{project_id}/incidents",
    status_code=201,
    response_model=IncidentPublic,
    summary="报告严重逾期、重大损失或难以继续 (dazhou:第四十六条)",
)
async def report_incident(
    project_id: str,
    body: IncidentCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Reporters],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work(uow: UnitOfWork):
        project = await queries.load(uow, project_id)
        ensure_unit_access(principal, project.unit)
        incident = await handlers.report_incident(uow, project_id, body, principal)
        return 201, IncidentPublic(**incident.model_dump(include=set(IncidentPublic.model_fields))).model_dump(
            mode="json"
        )

    request = {"project_id": project_id, **body.model_dump(mode="json")}
    return await created(runtime, principal, idempotency_key, request, work)


@router.post(
    "/projects/{project_id}/rectification", response_model=IncidentPublic, summary="责令整改 Order rectification"
)
async def order_rectification(
    project_id: str, body: RectificationOrder, runtime: Runtime, principal: Annotated[Principal, Bureau]
) -> IncidentPublic:
    async with runtime.unit_of_work() as uow:
        incident = await handlers.order_rectification(uow, project_id, body, principal)
        return IncidentPublic(**incident.model_dump(include=set(IncidentPublic.model_fields)))


@router.post("/projects/{project_id}/suspension", response_model=ProcurementProjectPublic, summary="暂停项目建设")
async def suspend(project_id: str, body: SuspensionOrder, runtime: Runtime, principal: Annotated[Principal, Bureau]):
    async with runtime.unit_of_work() as uow:
        project = await handlers.suspend(uow, project_id, body.reason, principal)
        return await project_public(uow, project, principal)


@router.post("/projects/{project_id}/resumption", response_model=ProcurementProjectPublic, summary="恢复建设")
async def resume(project_id: str, runtime: Runtime, principal: Annotated[Principal, Bureau]):
    async with runtime.unit_of_work() as uow:
        project = await handlers.resume(uow, project_id, principal)
        return await project_public(uow, project, principal)


@router.post(
    "/projects/{project_id}/termination",
    response_model=ProcurementProjectPublic,
    summary="终止项目建设 with the city's approval (dazhou:第四十六条)",
)
async def terminate(
    project_id: str, body: TerminationApproval, runtime: Runtime, principal: Annotated[Principal, Bureau]
):
    async with runtime.unit_of_work() as uow:
        project = await handlers.approve_termination(uow, project_id, body, principal)
        return await project_public(uow, project, principal)


# --- OCDS ----------------------------------------------------------------------------------------


@router.get("/ocds/releases", summary="OCDS 1.1 release package (planning, tender, award, contract, implementation)")
async def ocds_releases(
    request: Request,
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    project_id: Filter = None,
    jurisdiction: Filter = None,
    cursor: IdCursor = None,
    limit: int = Query(default=20, ge=1, le=100, description="projects per page"),
) -> dict[str, Any]:
    async with runtime.reading() as uow:
        projects = await queries.published_projects(
            uow, project_id=project_id, jurisdiction=jurisdiction, cursor=cursor, limit=limit
        )
        releases = []
        for project in projects[:limit]:
            if principal.can_see_unit(project.unit):
                releases += ocds.releases(await bundle_of(uow, project))
    next_uri = None
    if len(projects) > limit:
        next_uri = str(request.url.include_query_params(cursor=projects[limit - 1].project_id))
    return ocds.package("releases", releases, str(request.url), clock.now(), next_uri)


@router.get("/ocds/records/{project_id}", summary="OCDS 1.1 record package of one project")
async def ocds_record(
    project_id: str, request: Request, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> dict[str, Any]:
    async with runtime.reading() as uow:
        # content=False: a secret project is never published, its record is a 404 like any unpublished one
        await scope.ensure(uow, principal, project_id, content=False, what="ocds record")
        projects = await queries.published_projects(uow, project_id=project_id, jurisdiction=None, cursor=None, limit=1)
        if not projects:
            raise Problem(404, "not-found", "no published procurement for the project", f"project '{project_id}'")
        record = ocds.record(await bundle_of(uow, projects[0]))
    return ocds.package("records", [record], str(request.url), clock.now(), None)
