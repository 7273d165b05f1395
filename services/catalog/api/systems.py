"""Routes of the system catalog (系统目录): read, import stock systems, security status, retirement,
information resources, and budget's funding question."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from services.catalog import domain, listing, queries
from services.catalog.api.common import (
    PREFIX,
    TAGS,
    Bureau,
    FundingAskers,
    Importers,
    Ownership,
    Readers,
    SecurityAuthorities,
    UnitOrBureau,
    body_hash,
    idempotent,
    public,
    read_system,
    scope,
    scope_knowing,
)
from services.catalog.domain import stock
from services.catalog.handlers import operations as operation_handlers
from services.catalog.handlers import stock_import
from services.catalog.handlers import systems as handlers
from services.catalog.handlers.common import load, subject
from services.catalog.schemas import (
    CatalogProjectPublic,
    DataSharingUpdate,
    FundingEligibility,
    ImportReport,
    ResourceCreate,
    ResourcePublic,
    RetirementCreate,
    SecurityUpdate,
    StateChange,
    SystemHistoryPublic,
    SystemPublic,
    SystemsPublic,
)
from shared import memory
from shared.auth import Principal
from shared.errors import Problem, not_found
from shared.limits import FILTER_MAX, Filter
from shared.pagination import IdCursor
from shared.service import Runtime
from shared.uow import UnitOfWork
from shared.watch import WATCH_DESCRIPTION, watched

router = APIRouter(prefix=PREFIX, tags=TAGS)


@router.get(
    "/projects/{project_id}",
    response_model=CatalogProjectPublic,
    summary="The project's systems in the catalog",
    description=WATCH_DESCRIPTION,
)
async def get_project(
    project_id: str, request: Request, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> Response:
    async def read() -> CatalogProjectPublic:
        async with runtime.reading() as uow:
            systems, owner = await queries.project_systems_and_owner(uow, project_id)
            await scope_knowing(owner).ensure(uow, principal, project_id, content=False)
        visible = [s for s in systems if principal.can_see_unit(s.unit)]
        if not visible:
            raise not_found("catalogued project", project_id)
        # every system of the project retired (下线): the project's life is over, as its page says
        stage = "in_catalog" if any(domain.live(s.state) for s in visible) else "retired"
        return CatalogProjectPublic(project_id=project_id, stage=stage, systems=[public(s, principal) for s in visible])

    return await watched(request, runtime.arrivals, project_id, read)


@router.get("/systems/{system_id}", response_model=SystemPublic)
async def get_system(system_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]) -> SystemPublic:
    async with runtime.reading() as uow:
        system = await read_system(uow, principal, system_id)
    return public(system, principal)


class SystemQuery:
    """The catalog list's filters and order, shared by the JSON list and its spreadsheet."""

    def __init__(
        self,
        principal: Annotated[Principal, Readers],
        jurisdiction: Filter = None,
        unit: Annotated[str | None, Query(max_length=FILTER_MAX, description="the unit's exact name")] = None,
        state: Filter = None,
        origin: Filter = None,
        zombie: bool | None = None,
        q: Annotated[str | None, Query(max_length=100, description="part of the system's name (系统名称)")] = None,
        unit_name: Annotated[str | None, Query(max_length=120, description="part of the unit's name")] = None,
        year: Annotated[int | None, Query(ge=1990, le=2100, description="the year it entered the catalog")] = None,
        sort: Literal["id", "name", "registered_on", "unit"] = "id",
        order: Literal["asc", "desc"] = "asc",
    ) -> None:
        if not principal.can_see_unit(unit or ""):
            unit = principal.unit
        self.sort = sort
        self.descending = order == "desc"
        self.where = queries.SystemFilter(
            jurisdiction=jurisdiction,
            unit=unit,
            state=state,
            origin=origin,
            zombie=zombie,
            q=q,
            unit_name=unit_name,
            year=year,
            hides_names=not principal.cleared,
            names_hidden_from=principal.unit,
        )


@router.get("/systems", response_model=SystemsPublic, summary="系统目录 List the catalog")
async def list_systems(
    runtime: Runtime,
    principal: Annotated[Principal, Readers],
    query: Annotated[SystemQuery, Depends()],
    limit: int = Query(default=50, ge=1, le=500),
    cursor: IdCursor = None,
    offset: Annotated[int, Query(ge=0, le=listing.MAX_OFFSET, description="rows to skip (any order)")] = 0,
) -> SystemsPublic:
    """Search by part of the name or the unit's name, filter, sort; `total` counts the whole query. Pages go
    by `offset` in any order, or by `next_cursor` (the last id) in the default id order."""
    async with runtime.reading() as uow:
        rows, total = await queries.systems_page(
            uow, query.where, limit=limit, cursor=cursor, offset=offset, sort=query.sort, descending=query.descending
        )
    keyset = query.sort == "id" and not query.descending
    next_cursor = rows[limit - 1].id if len(rows) > limit and keyset else None
    ownership: Ownership = {}
    return SystemsPublic(
        items=[public(s, principal, ownership) for s in rows[:limit]],
        next_cursor=next_cursor,
        total=total,
        offset=offset,
    )


STATE_ZH = {"running": "运行中", "trial": "试运行", "suspended": "已暂停", "retired": "已下线"}
ORIGIN_ZH = {"acceptance": "验收入目录", "stock_import": "存量导入"}

SYSTEM_COLUMNS: list[listing.Column] = [
    ("系统编号", lambda s: s.id),
    ("系统名称", lambda s: s.name if s.name is not None else "（涉密系统）"),
    ("建设单位", lambda s: s.unit),
    ("辖区", lambda s: s.jurisdiction),
    ("状态", lambda s: STATE_ZH.get(s.state, s.state)),
    ("来源", lambda s: ORIGIN_ZH.get(s.origin, s.origin)),
    ("入目录日期", lambda s: s.registered_on),
    ("上线日期", lambda s: s.went_live_on),
    ("僵尸系统", lambda s: "是" if s.zombie_since else "否"),
    ("列为僵尸系统日期", lambda s: s.zombie_since),
    ("等保级别", lambda s: s.mlps_level),
    ("项目编号", lambda s: s.project_id),
]


@router.get(
    "/systems.xlsx",
    response_class=Response,
    summary=f"导出 Excel: the catalog list's query as a spreadsheet (at most {listing.ROW_CAP} rows)",
)
async def export_systems(
    runtime: Runtime, principal: Annotated[Principal, Readers], query: Annotated[SystemQuery, Depends()]
) -> Response:
    async with runtime.reading() as uow:
        rows, total = await queries.systems_page(
            uow, query.where, limit=listing.ROW_CAP, sort=query.sort, descending=query.descending
        )
    ownership: Ownership = {}
    shown = [public(s, principal, ownership) for s in rows[: listing.ROW_CAP]]
    return listing.xlsx_response(
        listing.spreadsheet("系统目录", SYSTEM_COLUMNS, shown, total), "govproj-systems.xlsx", "系统目录.xlsx", total
    )


@router.get(
    "/systems/{system_id}/history",
    response_model=SystemHistoryPublic,
    summary="A system's decisions, deadlines and audit trail",
)
async def system_history(
    system_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> SystemHistoryPublic:
    async with runtime.reading() as uow:
        await scope.ensure(uow, principal, system_id, what="history")
        system = await load(uow, system_id)
        rows = await queries.history(uow, [subject(system), system.id])
    return SystemHistoryPublic(system_id=system_id, **rows)


@router.post(
    "/systems/import",
    status_code=201,
    response_model=ImportReport,
    summary="存量系统导入 Import stock systems (CSV or JSON), with a per-row report",
    openapi_extra={
        "requestBody": {
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": ",".join(stock.COLUMNS)},
                "application/json": {
                    "schema": {
                        "type": "array",
                        "maxItems": stock_import.MAX_IMPORT_ROWS,
                        "items": stock.StockSystemRow.model_json_schema(),
                    }
                },
            }
        }
    },
)
async def import_systems(
    request: Request,
    runtime: Runtime,
    principal: Annotated[Principal, Importers],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    content = await request.body()
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        stock.StockFile(content, media_type, stock_import.MAX_IMPORT_ROWS)  # readable as a whole, or refused here
    except stock.UnreadableFile as exc:
        status = 415 if "send text/csv" in str(exc) else 400
        raise Problem(
            status, "malformed-import", "导入文件无法读取 / The import file cannot be read", str(exc)
        ) from None

    async def action(uow: UnitOfWork) -> dict[str, Any]:
        batch, already = await stock_import.import_stock(uow, content, media_type, principal)
        return ImportReport(
            id=batch.id,
            rows=batch.rows,
            imported=batch.imported,
            already_in_catalog=already,
            rejected=batch.rejected,
            errors=batch.errors,
        ).model_dump(mode="json")

    return memory.after(await idempotent(runtime, idempotency_key, principal, body_hash(content), 201, action))


@router.get("/imports/{batch_id}", response_model=ImportReport, summary="The report of an import")
async def get_import(batch_id: str, runtime: Runtime, principal: Annotated[Principal, Importers]) -> ImportReport:
    async with runtime.reading() as uow:
        batch = await queries.import_batch(uow, batch_id)
    if batch is None or (batch.imported_by != principal.subject and not principal.can_see_unit("")):
        raise not_found("import", batch_id)
    already = batch.rows - batch.imported - batch.rejected
    return ImportReport(
        id=batch.id,
        rows=batch.rows,
        imported=batch.imported,
        already_in_catalog=already,
        rejected=batch.rejected,
        errors=batch.errors,
    )


@router.patch("/systems/{system_id}/security", response_model=SystemPublic, summary="密码应用与网络安全状况")
async def update_security(
    system_id: str, command: SecurityUpdate, runtime: Runtime, principal: Annotated[Principal, SecurityAuthorities]
) -> SystemPublic:
    async with runtime.unit_of_work() as uow:
        system = await handlers.update_security(
            uow, system_id, command.crypto_status, command.security_status, principal
        )
        return public(system, principal)


@router.patch(
    "/systems/{system_id}/data-sharing", response_model=SystemPublic, summary="数据共享与归集状况 Data sharing"
)
async def update_data_sharing(
    system_id: str, command: DataSharingUpdate, runtime: Runtime, principal: Annotated[Principal, Bureau]
) -> SystemPublic:
    """The bureau's finding on whether the system's data is shared and aggregated; a unit whose aggregation is
    not complete (partly / not_shared) may not apply for new projects (dazhou:第二十四条)."""
    async with runtime.unit_of_work() as uow:
        system = await handlers.update_data_sharing(uow, system_id, command.data_sharing_status, principal)
        return public(system, principal)


@router.post(
    "/systems/{system_id}/state", response_model=SystemPublic, summary="系统状态 Trial run, running, suspended"
)
async def change_state(
    system_id: str, command: StateChange, runtime: Runtime, principal: Annotated[Principal, Bureau]
) -> SystemPublic:
    async with runtime.unit_of_work() as uow:
        system = await handlers.change_state(uow, system_id, command.state, command.reason, principal)
        return public(system, principal)


@router.post("/systems/{system_id}/retirement", response_model=SystemPublic, summary="系统停用退出 Retire a system")
async def retire_system(
    system_id: str, command: RetirementCreate, runtime: Runtime, principal: Annotated[Principal, UnitOrBureau]
) -> SystemPublic:
    async with runtime.unit_of_work() as uow:
        system = await handlers.retire(
            uow,
            system_id,
            reason=command.reason,
            filed_with_finance=command.filed_with_finance,
            filed_with_bureau=command.filed_with_bureau,
            principal=principal,
        )
        return public(system, principal)


@router.get(
    "/funding-eligibility",
    response_model=FundingEligibility,
    summary="Is this system in the catalog, may it get money (dazhou:第二十一条, 第五十七条)",
)
async def funding_eligibility(
    runtime: Runtime,
    principal: Annotated[Principal, FundingAskers],
    system_id: Filter = None,
    project_id: Filter = None,
) -> dict[str, Any]:
    if system_id is None and project_id is None:
        raise Problem(400, "bad-request", "请求无效 / Invalid request", "give system_id or project_id")
    async with runtime.reading() as uow:
        return await handlers.funding_eligibility(uow, system_id=system_id, project_id=project_id)


@router.post(
    "/systems/{system_id}/resources",
    status_code=201,
    response_model=ResourcePublic,
    summary="信息资源目录 Add a resource",
)
async def add_resource(
    system_id: str,
    command: ResourceCreate,
    runtime: Runtime,
    principal: Annotated[Principal, UnitOrBureau],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    async def action(uow: UnitOfWork) -> dict[str, Any]:
        resource = await operation_handlers.add_resource(uow, system_id, command, principal)
        return ResourcePublic(**resource.model_dump()).model_dump(mode="json")

    return await idempotent(
        runtime, idempotency_key, principal, {"system": system_id, **command.model_dump(mode="json")}, 201, action
    )


@router.get("/systems/{system_id}/resources", response_model=list[ResourcePublic])
async def list_resources(
    system_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]
) -> list[ResourcePublic]:
    async with runtime.reading() as uow:
        await read_system(uow, principal, system_id)
        return [ResourcePublic(**r.model_dump()) for r in await operation_handlers.resources_of(uow, system_id)]


@router.get("/systems/{system_id}/sharing-proof", summary="共享数据目录发布证明 (for O&M applications)")
async def sharing_proof(system_id: str, runtime: Runtime, principal: Annotated[Principal, Readers]) -> dict:
    async with runtime.reading() as uow:
        await read_system(uow, principal, system_id)
        return await operation_handlers.sharing_proof(uow, system_id)
