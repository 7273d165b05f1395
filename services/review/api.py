"""Review's routes: parse, call the handler in a unit of work, map the result. No rules here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from services.review import domain, handlers, queries
from services.review.schemas import (
    ApprovalStepPublic,
    DeclineCommand,
    DrawMemberPublic,
    DrawnExpert,
    DrawPublic,
    DrawRequest,
    ExpertCreate,
    ExpertPublic,
    ExpertsPublic,
    JointOpinionIn,
    JointOpinionPublic,
    JointReviewConclusion,
    MyScores,
    PathStepResult,
    PlanAdjustment,
    PlanEntryPublic,
    PlanPublic,
    PrescreenCommand,
    ReplayPublic,
    ReviewCasePublic,
    SchemeReviewResult,
    StepDecision,
    StepRecordPublic,
)
from services.review.tables import Expert, ExpertDraw, PlanEntry, ReviewCase
from shared import idempotency
from shared.auth import Principal, Role, require
from shared.limits import Filter
from shared.pagination import IdCursor, IntCursor
from shared.scope import ProjectScope
from shared.service import Runtime
from shared.uow import UnitOfWork
from shared.watch import WATCH_DESCRIPTION, watched

router = APIRouter(prefix="/api/review", tags=["review 联审与立项"])

LEADER_ROLES = (
    Role.VICE_MAYOR_UNIT,
    Role.VICE_MAYOR_DIGITAL,
    Role.VICE_MAYOR_FINANCE,
    Role.MAYOR,
    Role.EXECUTIVE_MEETING,
    Role.STANDING_COMMITTEE,
    Role.FINANCE_COMMITTEE,
)
Bureau = require(Role.DATA_BUREAU)
# Who may act on an authority step: leaders, and where a pack names them, the bureau or the DRC.
Approvers = require(*LEADER_ROLES, Role.DATA_BUREAU, Role.DRC)
READER_ROLES = (
    Role.UNIT,
    Role.DATA_BUREAU,
    Role.DRC,
    Role.FINANCE,
    Role.AUDIT,
    Role.CYBERSPACE,
    Role.POLICE,
    Role.CITY_OPERATIONS,
    Role.LEADING_OFFICE,
    Role.PLATFORM,
    Role.EXPERT,
    *LEADER_ROLES,
)
Readers = require(*READER_ROLES)
#: Who reads a review case (shared/scope.py): units their own, experts what they are drawn for.
scope = ProjectScope.of("review", queries.case_owner, readers=READER_ROLES, drawn=queries.is_drawn)
Scorers = require(Role.EXPERT, Role.DATA_BUREAU, Role.CYBERSPACE, Role.FINANCE)
JointParties = require(Role.UNIT, Role.DATA_BUREAU, Role.CYBERSPACE, Role.DRC, Role.FINANCE, Role.EXPERT)
LeadingOffice = require(Role.LEADING_OFFICE)
StepActors = require(Role.DATA_BUREAU, Role.FINANCE)
DrawAdmins = require(Role.DATA_BUREAU, Role.PLATFORM)
DrawReaders = require(Role.DATA_BUREAU, Role.PLATFORM, Role.AUDIT, Role.EXPERT)
PlanReaders = require(Role.DATA_BUREAU, Role.DRC, Role.FINANCE, Role.AUDIT, Role.PLATFORM, *LEADER_ROLES)
IdempotencyKey = Annotated[str | None, Header(max_length=200)]


async def public(uow: UnitOfWork, case: ReviewCase, principal: Principal | None = None) -> ReviewCasePublic:
    """A secret project's title is shown only to its unit and cleared staff (dazhou:第六十五条)."""
    steps = await queries.steps_of(uow, case.project_id)
    records = await queries.records_of(uow, case.project_id)
    may_read = not case.secret or (principal is not None and (principal.unit == case.unit or principal.cleared))
    data = case.model_dump(exclude={"created_at", "updated_at", "pack_version", "implementation"})
    data["title"] = case.title if may_read else None
    data["centralized_build_condition"] = (case.implementation or {}).get("centralized_build_condition")
    return ReviewCasePublic(
        **data,
        steps=[ApprovalStepPublic(**s.model_dump(include=set(ApprovalStepPublic.model_fields))) for s in steps],
        history=[StepRecordPublic(**r.model_dump(include=set(StepRecordPublic.model_fields))) for r in records],
        joint_opinions=await joint_opinions(uow, case, may_read),
    )


async def joint_opinions(uow: UnitOfWork, case: ReviewCase, may_read: bool) -> list[JointOpinionPublic]:
    """The joint review's opinions so far, oldest first; an expert by name (quzhou:三(二)1)."""
    if case.path_steps and domain.JOINT_REVIEW_STEP not in case.path_steps:
        return []  # opinions are given only at that step of the path (handlers.joint_opinion): none to read
    opinions = sorted(await queries.opinions_of(uow, case.project_id), key=lambda o: (o.at, o.party))
    if not opinions:
        return []
    expert_ids = [o.party.split(":", 1)[1] for o in opinions if o.party.startswith(f"{Role.EXPERT.value}:")]
    experts = await queries.experts_by_id(uow, expert_ids) if expert_ids else {}
    out = []
    for opinion in opinions:
        kind, _, expert_id = opinion.party.partition(":")
        expert = experts.get(expert_id) if expert_id else None
        out.append(
            JointOpinionPublic(
                party=kind,
                expert_id=expert_id or None,
                expert_name=expert.name if expert is not None else None,
                agrees=opinion.agrees,
                comment=opinion.comment if may_read else "",
                at=opinion.at,
            )
        )
    return out


@router.get(
    "/projects/{project_id}",
    response_model=ReviewCasePublic,
    summary="The project's review stage",
    description=WATCH_DESCRIPTION,
)
async def get_case(
    project_id: str, request: Request, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> Response:
    async def read() -> ReviewCasePublic:
        async with runtime.reading() as uow:
            await scope.ensure(uow, principal, project_id, content=False)
            return await public(uow, await queries.load(uow, project_id), principal)

    return await watched(request, runtime.arrivals, project_id, read)


@router.post("/projects/{project_id}/prescreen", response_model=ReviewCasePublic, summary="前置初审 Pre-screening")
async def prescreen(
    project_id: str, body: PrescreenCommand, runtime: Runtime, principal: Annotated[Principal, Bureau]
) -> ReviewCasePublic:
    async with runtime.unit_of_work() as uow:
        return await public(uow, await handlers.prescreen(uow, project_id, body, principal), principal)


@router.post("/projects/{project_id}/scores", response_model=ReviewCasePublic, summary="评审打分 My score sheet")
async def submit_scores(
    project_id: str, body: MyScores, runtime: Runtime, principal: Annotated[Principal, Scorers]
) -> ReviewCasePublic:
    async with runtime.unit_of_work() as uow:
        return await public(uow, await handlers.submit_own_scores(uow, project_id, body, principal), principal)


@router.post("/projects/{project_id}/scheme-review", response_model=ReviewCasePublic, summary="方案评审结果")
async def scheme_review(
    project_id: str, body: SchemeReviewResult, runtime: Runtime, principal: Annotated[Principal, Bureau]
) -> ReviewCasePublic:
    async with runtime.unit_of_work() as uow:
        case = await handlers.record_scheme_review(uow, project_id, body, principal)
        return await public(uow, case, principal)


@router.post("/projects/{project_id}/joint-review/opinions", response_model=ReviewCasePublic, summary="并联审核 意见")
async def joint_opinion(
    project_id: str, body: JointOpinionIn, runtime: Runtime, principal: Annotated[Principal, JointParties]
) -> ReviewCasePublic:
    async with runtime.unit_of_work() as uow:
        return await public(uow, await handlers.joint_opinion(uow, project_id, body, principal), principal)


@router.post("/projects/{project_id}/joint-review", response_model=ReviewCasePublic, summary="决策咨询意见 Conclude")
async def conclude_joint_review(
    project_id: str, body: JointReviewConclusion, runtime: Runtime, principal: Annotated[Principal, LeadingOffice]
) -> ReviewCasePublic:
    async with runtime.unit_of_work() as uow:
        case = await handlers.conclude_joint_review(uow, project_id, body, principal)
        return await public(uow, case, principal)


@router.post("/projects/{project_id}/steps/{step}", response_model=ReviewCasePublic, summary="审核步骤 Path step")
async def path_step(
    project_id: str, step: str, body: PathStepResult, runtime: Runtime, principal: Annotated[Principal, StepActors]
) -> ReviewCasePublic:
    async with runtime.unit_of_work() as uow:
        case = await handlers.path_step(uow, project_id, step, body.passed, body.comment, principal)
        return await public(uow, case, principal)


@router.post("/projects/{project_id}/approval", response_model=ReviewCasePublic, summary="审批 (按权限顺序)")
async def approval_step(
    project_id: str, body: StepDecision, runtime: Runtime, principal: Annotated[Principal, Approvers]
) -> ReviewCasePublic:
    async with runtime.unit_of_work() as uow:
        case = await handlers.decide_step(uow, project_id, body.approve, body.comment, principal)
        return await public(uow, case, principal)


# --- experts ------------------------------------------------------------------------------------------


def expert_public(expert: Expert) -> ExpertPublic:
    return ExpertPublic(**expert.model_dump(include=set(ExpertPublic.model_fields)))


@router.post("/experts", status_code=201, response_model=ExpertPublic, summary="专家入库 Register an expert")
async def create_expert(
    body: ExpertCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def create(uow: UnitOfWork) -> dict:
        return expert_public(await handlers.create_expert(uow, body, principal)).model_dump(mode="json")

    return await idempotency.run_once(runtime, idempotency_key, principal, body.model_dump(mode="json"), create)


@router.get("/experts", response_model=ExpertsPublic, summary="专家库 The expert pool")
async def list_experts(
    runtime: Runtime,
    principal: Annotated[Principal, DrawAdmins],
    field: Filter = None,
    cursor: IdCursor = None,
    limit: int = Query(default=50, ge=1, le=200),
) -> ExpertsPublic:
    async with runtime.reading() as uow:
        rows = await queries.experts_page(uow, field=field, cursor=cursor, limit=limit)
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return ExpertsPublic(items=[expert_public(e) for e in rows[:limit]], next_cursor=next_cursor)


async def draw_public(uow: UnitOfWork, draw: ExpertDraw) -> DrawPublic:
    members = await queries.members_of(uow, draw.id)
    active = [m.expert_id for m in members if m.status == "drawn"]
    experts = await queries.experts_by_id(uow, active)
    return DrawPublic(
        draw_id=draw.id,
        **draw.model_dump(
            include={
                "project_id",
                "unit",
                "jurisdiction",
                "purpose",
                "seed",
                "count",
                "candidates",
                "excluded",
                "drawn_on",
                "pack_version",
            }
        ),
        experts=[
            DrawnExpert(id=e.id, name=e.name, employer=e.employer, fields=list(e.fields or []))
            for e in (experts[i] for i in active if i in experts)
        ],
        members=[DrawMemberPublic(**m.model_dump(include=set(DrawMemberPublic.model_fields))) for m in members],
    )


@router.post("/expert-draws", status_code=201, response_model=DrawPublic, summary="抽取专家 Draw experts")
async def create_draw(
    body: DrawRequest,
    runtime: Runtime,
    principal: Annotated[Principal, DrawAdmins],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def draw(uow: UnitOfWork) -> dict:
        return (await draw_public(uow, await handlers.create_draw(uow, body, principal))).model_dump(mode="json")

    return await idempotency.run_once(runtime, idempotency_key, principal, body.model_dump(mode="json"), draw)


@router.get("/expert-draws/{draw_id}", response_model=DrawPublic, summary="抽取记录 A draw")
async def get_draw(draw_id: str, runtime: Runtime, principal: Annotated[Principal, DrawReaders]) -> DrawPublic:
    async with runtime.reading() as uow:
        draw = await queries.load_draw(uow, draw_id)
        await scope.ensure(uow, principal, draw.project_id, content=False, what="draw")
        return await draw_public(uow, draw)


@router.get("/expert-draws/{draw_id}/replay", response_model=ReplayPublic, summary="复核抽取 Replay a draw")
async def replay_draw(draw_id: str, runtime: Runtime, principal: Annotated[Principal, DrawReaders]) -> ReplayPublic:
    async with runtime.reading() as uow:
        draw = await queries.load_draw(uow, draw_id)
        await scope.ensure(uow, principal, draw.project_id, content=False, what="draw replay")
        matches, recorded, replayed = handlers.replay(draw, await queries.members_of(uow, draw_id))
    return ReplayPublic(draw_id=draw_id, matches=matches, recorded=recorded, replayed=replayed)


@router.post("/expert-draws/{draw_id}/decline", response_model=DrawPublic, summary="专家回避/谢绝 Decline")
async def decline(
    draw_id: str,
    body: DeclineCommand,
    runtime: Runtime,
    principal: Annotated[Principal, require(Role.DATA_BUREAU, Role.PLATFORM, Role.EXPERT)],
) -> DrawPublic:
    async with runtime.unit_of_work() as uow:
        draw = await handlers.decline(uow, draw_id, body.expert_id, body.reason, principal)
        return await draw_public(uow, draw)


# --- annual plan --------------------------------------------------------------------------------------


def entry_public(entry: PlanEntry, principal: Principal) -> PlanEntryPublic:
    data = entry.model_dump(include=set(PlanEntryPublic.model_fields))
    return PlanEntryPublic(**data)


@router.get("/plans/{year}", response_model=PlanPublic, summary="年度计划 The year's plan")
async def get_plan(
    year: int,
    runtime: Runtime,
    principal: Annotated[Principal, PlanReaders],
    jurisdiction: Filter = None,
    status: Filter = None,
    cursor: IntCursor = None,
    limit: int = Query(default=100, ge=1, le=500),
) -> PlanPublic:
    async with runtime.reading() as uow:
        rows, secret = await queries.plan_page(
            uow, year, jurisdiction=jurisdiction, status=status, cursor=cursor, limit=limit
        )
    items = []
    for row in rows[:limit]:
        item = entry_public(row, principal)
        if row.project_id in secret and not principal.cleared:
            item = item.model_copy(update={"title": None, "reason": ""})
        items.append(item)
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return PlanPublic(year=year, items=items, next_cursor=next_cursor)


@router.post(
    "/plans/{year}/adjustments", status_code=201, response_model=PlanEntryPublic, summary="年中调整 Mid-year adjustment"
)
async def adjust_plan(
    year: int,
    body: PlanAdjustment,
    runtime: Runtime,
    principal: Annotated[Principal, Bureau],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def adjust(uow: UnitOfWork) -> dict:
        return entry_public(await handlers.adjust_plan(uow, year, body, principal), principal).model_dump(mode="json")

    request = {"year": year, **body.model_dump(mode="json")}
    return await idempotency.run_once(runtime, idempotency_key, principal, request, adjust)


@router.get("/approvals/pending", summary="待我审批 Approval steps waiting for one of my roles")
async def pending_approvals(runtime: Runtime, principal: Annotated[Principal, Approvers]) -> dict:
    """The projects whose next approval step (the lowest pending one, dazhou:第十条) is one of the
    caller's roles: a leader's inbox."""
    async with runtime.reading() as uow:
        rows = await queries.pending_approvals(uow, [r.value for r in principal.roles])
    items = []
    for case, role, position in rows:
        may_read = not case.secret or principal.cleared
        items.append(
            {
                "project_id": case.project_id,
                "unit": case.unit,
                "jurisdiction": case.jurisdiction,
                "title": case.title if may_read else None,
                "secret": case.secret,
                "total_investment_fen": case.total_investment_fen,
                "role": role,
                "position": position,
            }
        )
    return {"items": items}


@router.get("/assignments", summary="我的评审任务 An expert's drawn projects")
async def my_assignments(runtime: Runtime, principal: Annotated[Principal, require(Role.EXPERT)]) -> dict:
    async with runtime.reading() as uow:
        expert = await queries.expert_of(uow, principal)
        if expert is None:
            return {"items": []}
        rows = await queries.assignments_of(uow, expert.id)
    return {
        "items": [
            {"draw_id": r.id, "project_id": r.project_id, "purpose": r.purpose, "drawn_on": r.drawn_on.isoformat()}
            for r in rows
        ]
    }
