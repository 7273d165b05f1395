"""What procurement's routes share: the router, the role guards, the project scope, and the mapping of
rows to API models."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from fractions import Fraction
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from services.procurement import domain, handlers, queries
from services.procurement.schemas import (
    AwardPublic,
    BidPublic,
    ContractPublic,
    IncidentPublic,
    PlanPublic,
    ProcurementProjectPublic,
    SanctionPublic,
    StepPublic,
    SupplementPublic,
    TenderPublic,
)
from services.procurement.tables import (
    Award,
    Contract,
    ProcurementPlan,
    ProcurementProject,
    Supplement,
    SupplementStep,
    Tender,
)
from shared import idempotency
from shared.auth import Principal, Role, require
from shared.errors import not_found
from shared.scope import ProjectScope
from shared.service import ServiceRuntime
from shared.uow import UnitOfWork

router = APIRouter(prefix="/api/procurement", tags=["procurement 采购与合同"])

Buyers = require(Role.UNIT, Role.PROCUREMENT_CENTER)
#: Plan reviewers and tender organisers are named by the pack (procurement.organiser); the handler checks.
Organisers = require(Role.UNIT, Role.PROCUREMENT_CENTER, Role.LEADING_OFFICE)
#: who may take a plan review step (the handler checks the step's own role): fengxian:第五条 adds finance and the bureau
PlanReviewers = require(Role.UNIT, Role.PROCUREMENT_CENTER, Role.LEADING_OFFICE, Role.FINANCE, Role.DATA_BUREAU)
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


def plan_public(plan: ProcurementPlan) -> PlanPublic:
    return PlanPublic(
        **plan.model_dump(include=set(PlanPublic.model_fields) - {"reviews_pending", "organiser"}),
        reviews_pending=handlers.pending_reviews(plan),
        organiser=plan.steps[-1],
    )


def contract_public(contract: Contract, supplements_fen: int = 0, warnings: list[str] | None = None) -> ContractPublic:
    fields = set(ContractPublic.model_fields) - {"supplements_fen", "warnings"}
    return ContractPublic(
        **contract.model_dump(include=fields), supplements_fen=supplements_fen, warnings=warnings or []
    )


def ratio_text(cumulative: int, original: int) -> str:
    percent = Fraction(cumulative * 100, original)
    return f"{percent.numerator / percent.denominator:.4f}%"


def supplement_public(supplement: Supplement, steps: Sequence[SupplementStep]) -> SupplementPublic:
    pending = domain.next_pending(steps) if supplement.status == "pending_approval" else None
    return SupplementPublic(
        **supplement.model_dump(include=set(SupplementPublic.model_fields) - {"ratio", "steps", "next_step"}),
        ratio=ratio_text(supplement.cumulative_fen, supplement.original_contract_fen),
        steps=[StepPublic(**s.model_dump(include=set(StepPublic.model_fields))) for s in steps],
        next_step=pending.role if pending else None,
    )


async def supplier_name(uow: UnitOfWork, supplier_id: str) -> str:
    """The name of the supplier a stored bid or award names (registered before it could bid)."""
    supplier = await queries.supplier(uow, supplier_id)
    if supplier is None:
        raise not_found("supplier", supplier_id)
    return supplier.name


async def award_public(uow: UnitOfWork, award: Award) -> AwardPublic:
    name = await supplier_name(uow, award.supplier_id)
    return AwardPublic(**award.model_dump(include=set(AwardPublic.model_fields) - {"supplier"}), supplier=name)


async def tender_public(uow: UnitOfWork, tender: Tender, *, detail: bool = True) -> TenderPublic:
    base = TenderPublic(**tender.model_dump(include=set(TenderPublic.model_fields) - {"bids", "award"}))
    if not detail:
        return base
    bids = []
    for bid in await queries.bids_of(uow, tender.id):
        name = await supplier_name(uow, bid.supplier_id)
        bids.append(BidPublic(**bid.model_dump(include=set(BidPublic.model_fields) - {"supplier"}), supplier=name))
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
    live: dict[str, int] = {}
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
    runtime: ServiceRuntime,
    principal: Principal,
    key: str | None,
    request: dict[str, Any],
    work: Callable[[UnitOfWork], Awaitable[tuple[int, Any]]],
) -> JSONResponse:
    """A creating POST through the one idempotency path (`work` answers its status and body)."""

    async def action(uow: UnitOfWork) -> idempotency.Answer:
        return idempotency.Answer(*await work(uow))

    return await idempotency.run_once(runtime, key, principal, request, action)
