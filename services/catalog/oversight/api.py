"""Routes of supervision findings (监督检查发现的问题), rectification and supervision rounds."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import JSONResponse, Response

from services.catalog import listing
from services.catalog.api.common import PREFIX, idempotent
from services.catalog.oversight import accountability, handlers, queries
from services.catalog.oversight.schemas import (
    AccountabilitiesPublic,
    AccountabilityCreate,
    AccountabilityPublic,
    FindingCreate,
    FindingPublic,
    FindingsPublic,
    FindingStepPublic,
    RectificationCreate,
    RectificationReview,
    RoundHold,
    RoundPublic,
)
from services.catalog.oversight.tables import AccountabilityCase, Finding, FindingStep, SupervisionRound
from shared import clock
from shared.auth import Principal, Role, require
from shared.errors import not_found
from shared.limits import FILTER_MAX, Filter
from shared.pagination import IdCursor, IntCursor
from shared.service import Runtime
from shared.uow import UnitOfWork

router = APIRouter(prefix=PREFIX, tags=["oversight 监督检查"])

#: every role some pack names a supervising department; the pack of the finding decides (supervision.supervisors)
Supervisors = require(
    Role.DATA_BUREAU,
    Role.CYBERSPACE,
    Role.FINANCE,
    Role.POLICE,
    Role.CRYPTO,
    Role.AUDIT,
    Role.LEADING_OFFICE,
    Role.DRC,
)
OversightReaders = require(
    Role.UNIT,
    Role.DATA_BUREAU,
    Role.CYBERSPACE,
    Role.FINANCE,
    Role.POLICE,
    Role.CRYPTO,
    Role.AUDIT,
    Role.LEADING_OFFICE,
    Role.DRC,
    Role.PLATFORM,
)
Units = require(Role.UNIT)
IdempotencyKey = Annotated[str | None, Header(max_length=200)]


def public(finding: Finding, principal: Principal, steps: list[FindingStep] | None = None) -> FindingPublic:
    """A secret (涉密) project's finding text only for its unit and cleared staff (dazhou:第六十五条)."""
    data = finding.model_dump(include=set(FindingPublic.model_fields) - {"history"})
    if finding.secret and not (principal.cleared or principal.unit == finding.unit):
        data["description"] = None
    history = [FindingStepPublic(**s.model_dump(include=set(FindingStepPublic.model_fields))) for s in steps or []]
    return FindingPublic(**data, history=history)


@router.post(
    "/findings",
    status_code=201,
    response_model=FindingPublic,
    summary="Record a supervision finding with a rectification deadline (dazhou:第五十三条)",
)
async def record_finding(
    command: FindingCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Supervisors],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        finding = await handlers.record_finding(uow, principal, **command.model_dump())
        return public(finding, principal, await queries.history(uow, finding.id)).model_dump(mode="json")

    return await idempotent(runtime, idempotency_key, principal, command.model_dump(mode="json"), 201, action)


class FindingQuery:
    """The findings list's filters and order, shared by the JSON list and its spreadsheet."""

    def __init__(
        self,
        principal: Annotated[Principal, OversightReaders],
        status: Filter = None,
        area: Filter = None,
        project_id: Filter = None,
        unit: Filter = None,
        jurisdiction: Filter = None,
        q: Annotated[str | None, Query(max_length=100, description="part of the finding's text")] = None,
        unit_name: Annotated[str | None, Query(max_length=120, description="part of the unit's name")] = None,
        year: Annotated[int | None, Query(ge=1990, le=2100, description="the year it was recorded")] = None,
        overdue: Annotated[bool | None, Query(description="still open past its rectification day")] = None,
        sort: Literal["id", "recorded_on", "rectify_by", "unit"] = "id",
        order: Literal["asc", "desc"] = "asc",
    ) -> None:
        self.sort = sort
        self.descending = order == "desc"
        self.where = queries.FindingFilter(
            status=status,
            area=area,
            project_id=project_id,
            unit=unit,
            own_unit=None if principal.can_see_unit("") else principal.unit,
            jurisdiction=jurisdiction,
            q=q,
            unit_name=unit_name,
            year=year,
            overdue=overdue,
            hides_secret_text=not principal.cleared,
        )


@router.get("/findings", response_model=FindingsPublic, summary="监督检查问题 Findings, searched, filtered, sorted")
async def list_findings(
    runtime: Runtime,
    principal: Annotated[Principal, OversightReaders],
    query: Annotated[FindingQuery, Depends()],
    limit: int = Query(default=50, ge=1, le=500),
    cursor: IdCursor = None,
    offset: Annotated[int, Query(ge=0, le=listing.MAX_OFFSET, description="rows to skip (any order)")] = 0,
) -> FindingsPublic:
    """`total` counts the whole query. Pages go by `offset` in any order, or by `next_cursor` (the last id)
    in the default id order."""
    async with runtime.reading() as uow:
        rows, total = await queries.findings_page(
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
    return FindingsPublic(
        items=[public(f, principal) for f in page],
        next_cursor=page[-1].id if len(rows) > limit and keyset else None,
        total=total,
        offset=offset,
    )


FINDING_STATUS_ZH = {
    "open": "待整改",
    "rectification_submitted": "已报整改",
    "resolved": "已销号",
    "terminated": "已终止",
}
FINDING_COLUMNS: list[listing.Column] = [
    ("问题编号", lambda f: f.id),
    ("项目编号", lambda f: f.project_id),
    ("责任单位", lambda f: f.unit),
    ("辖区", lambda f: f.jurisdiction),
    ("检查领域", lambda f: f.area),
    ("问题描述", lambda f: f.description if f.description is not None else "（涉密项目）"),
    ("登记日期", lambda f: f.recorded_on),
    ("整改期限", lambda f: f.rectify_by),
    ("状态", lambda f: FINDING_STATUS_ZH.get(f.status, f.status)),
    ("升级措施", lambda f: f.step),
    ("销号日期", lambda f: f.resolved_on),
]


@router.get(
    "/findings.xlsx",
    response_class=Response,
    summary=f"导出 Excel: the findings list's query as a spreadsheet (at most {listing.ROW_CAP} rows)",
)
async def export_findings(
    runtime: Runtime, principal: Annotated[Principal, OversightReaders], query: Annotated[FindingQuery, Depends()]
) -> Response:
    async with runtime.reading() as uow:
        rows, total = await queries.findings_page(
            uow, query.where, today=clock.today(), limit=listing.ROW_CAP, sort=query.sort, descending=query.descending
        )
    shown = [public(f, principal) for f in rows[: listing.ROW_CAP]]
    content = listing.spreadsheet("监督检查问题", FINDING_COLUMNS, shown, total)
    return listing.xlsx_response(content, "govproj-findings.xlsx", "监督检查问题.xlsx", total)


@router.get("/findings/{finding_id}", response_model=FindingPublic, summary="A finding with every step it went through")
async def get_finding(
    finding_id: str, runtime: Runtime, principal: Annotated[Principal, OversightReaders]
) -> FindingPublic:
    async with runtime.reading() as uow:
        finding = await handlers.load(uow, finding_id)
        if not principal.can_see_unit(finding.unit):
            raise not_found("finding", finding_id)
        return public(finding, principal, await queries.history(uow, finding_id))


@router.post(
    "/findings/{finding_id}/rectification",
    status_code=201,
    response_model=FindingPublic,
    summary="The unit answers a finding with its rectification (整改)",
)
async def submit_rectification(
    finding_id: str,
    command: RectificationCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Units],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        finding = await handlers.submit_rectification(uow, finding_id, principal, command.report)
        return public(finding, principal, await queries.history(uow, finding.id)).model_dump(mode="json")

    body = {"finding": finding_id, **command.model_dump(mode="json")}
    return await idempotent(runtime, idempotency_key, principal, body, 201, action)


@router.post(
    "/findings/{finding_id}/review",
    status_code=201,
    response_model=FindingPublic,
    summary="Accept the rectification (resolved) or reject it (escalates one step)",
)
async def review_rectification(
    finding_id: str,
    command: RectificationReview,
    runtime: Runtime,
    principal: Annotated[Principal, Supervisors],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        finding = await handlers.review_rectification(
            uow, finding_id, principal, accepted=command.accepted, reason=command.reason
        )
        return public(finding, principal, await queries.history(uow, finding.id)).model_dump(mode="json")

    body = {"finding": finding_id, **command.model_dump(mode="json")}
    return await idempotent(runtime, idempotency_key, principal, body, 201, action)


def round_public(round_: SupervisionRound, findings: list[str] | None = None) -> RoundPublic:
    return RoundPublic(
        **round_.model_dump(include=set(RoundPublic.model_fields) - {"findings"}), findings=findings or []
    )


@router.get(
    "/supervision-rounds",
    response_model=list[RoundPublic],
    summary="Scheduled (or held) supervision rounds, soonest first (quzhou:三(四))",
)
async def list_rounds(
    runtime: Runtime,
    principal: Annotated[Principal, OversightReaders],
    status: str = Query(default="scheduled", max_length=FILTER_MAX),
    project_id: Filter = None,
    limit: int = Query(default=100, ge=1, le=500),
    cursor: IntCursor = None,
) -> list[RoundPublic]:
    own_unit = None if principal.can_see_unit("") else principal.unit
    async with runtime.reading() as uow:
        rows = await queries.rounds_page(
            uow, status=status, project_id=project_id, own_unit=own_unit, limit=limit, cursor=cursor
        )
    return [round_public(r) for r in rows]


@router.post(
    "/supervision-rounds/{round_id}/hold",
    status_code=201,
    response_model=RoundPublic,
    summary="Hold a supervision round: its conclusion and the findings it recorded",
)
async def hold_round(
    round_id: int,
    command: RoundHold,
    runtime: Runtime,
    principal: Annotated[Principal, Supervisors],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        round_, findings = await handlers.hold_round(
            uow,
            round_id,
            principal,
            conclusion=command.conclusion,
            findings=[f.model_dump() for f in command.findings],
        )
        return round_public(round_, [f.id for f in findings]).model_dump(mode="json")

    body = {"round": round_id, **command.model_dump(mode="json")}
    return await idempotent(runtime, idempotency_key, principal, body, 201, action)


# --- accountability (追责): dazhou:第五十四条; quzhou:五(三) ------------------------------------------------


def case_public(case: AccountabilityCase, principal: Principal) -> AccountabilityPublic:
    data = case.model_dump(include=set(AccountabilityPublic.model_fields))
    if case.secret and not (principal.cleared or principal.unit == case.unit):
        data["description"] = None
    return AccountabilityPublic(**data)


@router.post(
    "/accountability-cases",
    status_code=201,
    response_model=AccountabilityPublic,
    summary="追责记录 Record an accountability case against a unit: 未批先建, skipped procedure, serious "
    "consequence or misused funds (dazhou:第五十四条; quzhou:五(三))",
)
async def record_accountability(
    command: AccountabilityCreate,
    runtime: Runtime,
    principal: Annotated[Principal, Supervisors],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        case = await accountability.record_accountability(uow, principal, **command.model_dump())
        return case_public(case, principal).model_dump(mode="json")

    return await idempotent(runtime, idempotency_key, principal, command.model_dump(mode="json"), 201, action)


@router.get(
    "/accountability-cases",
    response_model=AccountabilitiesPublic,
    summary="Accountability cases, oldest first (cursor: the last id)",
)
async def list_accountability(
    runtime: Runtime,
    principal: Annotated[Principal, OversightReaders],
    unit: Filter = None,
    kind: Filter = None,
    limit: int = Query(default=50, ge=1, le=500),
    cursor: IdCursor = None,
) -> AccountabilitiesPublic:
    own_unit = None if principal.can_see_unit("") else principal.unit
    async with runtime.reading() as uow:
        rows = await queries.accountability_page(uow, unit=own_unit or unit, kind=kind, limit=limit, cursor=cursor)
    page = rows[:limit]
    return AccountabilitiesPublic(
        items=[case_public(c, principal) for c in page], next_cursor=page[-1].id if len(rows) > limit else None
    )
