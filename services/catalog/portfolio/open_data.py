"""Open data (公开数据, docs/open-data.md): a public, unauthenticated feed of the non-secret projects' headline
figures (stage, amounts, variance, risk rating) per jurisdiction, as JSON and as a spreadsheet, with its
licence and its JSON Schema — in the manner of the US IT Dashboard's public portfolio. Off unless the bureau
switched the jurisdiction on (the local setting `settings.open_data` in its pack; `domain.OPEN_DATA_ENV` is an
operator override for the demo and tests). Secret (涉密) projects never appear,
whoever asks (dazhou:第六十五条); nor do drafts, which are not projects yet."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlmodel import col

from services.catalog.api.common import PREFIX
from services.catalog.portfolio import domain, queries
from services.catalog.portfolio.domain import STAGE_LABEL_ZH, Stage
from services.catalog.portfolio.tables import PortfolioDeadline, PortfolioProject
from shared import clock
from shared.errors import Problem
from shared.service import Runtime, ServiceRuntime

router = APIRouter(prefix=f"{PREFIX}/open-data", tags=["open data 公开数据 (no sign-in)"])

LICENCE = {
    "name": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution_zh": "数据来源：政府投资信息化项目管理平台（各地数据局发布）",
}
PAGE_MAX = 1000
XLSX_CAP = 10_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OpenProject(BaseModel):
    """One project's headline figures. Amounts in integer fen (1 元 = 100 fen); null where not yet known."""

    project_id: str = Field(description="the platform's project id; the OCDS ocid ends with it")
    title: str
    unit: str = Field(description="the unit (建设单位) that runs the project")
    jurisdiction: str
    stage: str = Field(description="submitted … in_catalog, retired, rejected (docs/portfolio.md)")
    stage_label_zh: str
    plan_year: int | None
    total_investment_fen: int | None = Field(description="the investment applied for (申报总投资)")
    approved_investment_fen: int | None = Field(description="the approved baseline (立项批复)")
    estimate_fen: int | None = Field(description="the approved estimate (概算)")
    contracted_fen: int = Field(description="contracts signed, supplementary ones included")
    released_fen: int = Field(description="funds released (拨付); the platform records no separate payment")
    cost_variance_pct: float | None = Field(description="(forecast − baseline) / baseline × 100 (docs/cockpit.md)")
    schedule_variance_pct: float | None = Field(description="slip days / planned duration × 100")
    risk: str | None = Field(description="low | medium | high; null without an approved baseline")
    risk_label_zh: str | None
    approved_on: date | None
    accepted_on: date | None


class OpenFeed(BaseModel):
    jurisdiction: str
    generated_at: datetime
    licence: dict[str, str]
    schema_url: str
    total: int
    offset: int
    limit: int
    projects: list[OpenProject]


class OpenJurisdictions(BaseModel):
    jurisdictions: list[str] = Field(description="jurisdictions whose bureau publishes open data")
    licence: dict[str, str]


def _published(jurisdiction: str) -> str:
    if jurisdiction not in domain.open_data_jurisdictions(clock.today()):
        raise Problem(
            404,
            "not-found",
            "未公开 / Not published",
            f"jurisdiction '{jurisdiction}' does not publish open data (a local setting, off by default)",
            field="jurisdiction",
        )
    return jurisdiction


Jurisdiction = Annotated[str, Query(min_length=2, max_length=40, pattern=r"^[a-z_]+$")]


def _query(jurisdiction: str) -> sa.Select[Any]:
    return sa.select(PortfolioProject).where(
        col(PortfolioProject.jurisdiction) == jurisdiction,
        col(PortfolioProject.secret).is_(False),
        col(PortfolioProject.stage) != Stage.DRAFT,
    )


async def _rows(
    runtime: ServiceRuntime, jurisdiction: str, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    today = clock.today()
    async with runtime.reading() as uow:
        query = _query(jurisdiction)
        total = await uow.session.scalar(query.with_only_columns(sa.func.count(), maintain_column_froms=True)) or 0
        projects = list(
            await uow.session.scalars(
                query.order_by(col(PortfolioProject.created_at), col(PortfolioProject.project_id))
                .offset(offset)
                .limit(limit)
            )
        )
        overdue: dict[str, int] = defaultdict(int)
        if projects:
            for project_id, n in (
                await uow.session.execute(
                    sa.select(col(PortfolioDeadline.project_id), sa.func.count())
                    .where(
                        col(PortfolioDeadline.project_id).in_([p.project_id for p in projects]),
                        sa.or_(
                            col(PortfolioDeadline.status) == "overdue",
                            sa.and_(col(PortfolioDeadline.status) == "open", col(PortfolioDeadline.due_on) < today),
                        ),
                    )
                    .group_by(col(PortfolioDeadline.project_id))
                )
            ).all():
                overdue[project_id] = n
    settings = domain.thresholds(jurisdiction, today)
    out = []
    for p in projects:
        rated = None
        if p.approved_investment_fen is not None and p.stage not in (Stage.REJECTED, Stage.RETIRED):
            rated = queries.rate(p, overdue[p.project_id], today, settings)
        out.append(
            OpenProject(
                project_id=p.project_id,
                title=p.title or "",
                unit=p.unit,
                jurisdiction=p.jurisdiction,
                stage=p.stage,
                stage_label_zh=STAGE_LABEL_ZH[Stage(p.stage)],
                plan_year=p.plan_year,
                total_investment_fen=p.total_investment_fen,
                approved_investment_fen=p.approved_investment_fen,
                estimate_fen=p.estimate_fen,
                contracted_fen=p.contracted_fen,
                released_fen=p.released_fen,
                cost_variance_pct=rated.cost_variance_pct if rated else None,
                schedule_variance_pct=rated.schedule_variance_pct if rated else None,
                risk=rated.risk if rated else None,
                risk_label_zh=rated.risk_label_zh if rated else None,
                approved_on=p.approved_on,
                accepted_on=p.accepted_on,
            ).model_dump(mode="json")
        )
    return out, total


@router.get("/jurisdictions", response_model=OpenJurisdictions, summary="公开数据的属地 Who publishes open data")
async def jurisdictions() -> OpenJurisdictions:
    return OpenJurisdictions(jurisdictions=domain.open_data_jurisdictions(clock.today()), licence=LICENCE)


@router.get("/schema.json", summary="公开数据字段说明 The JSON Schema of the open feed")
async def schema() -> dict[str, Any]:
    document = OpenFeed.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "govproj open data: projects' headline figures"
    return document


@router.get("/projects", response_model=OpenFeed, summary="公开数据 Non-secret projects' headline figures (JSON)")
async def projects(
    request: Request,
    runtime: Runtime,
    jurisdiction: Jurisdiction,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> OpenFeed:
    chosen = _published(jurisdiction)
    rows, total = await _rows(runtime, chosen, limit=limit, offset=offset)
    return OpenFeed(
        jurisdiction=chosen,
        generated_at=clock.now(),
        licence=LICENCE,
        schema_url=str(request.url_for("schema")),
        total=total,
        offset=offset,
        limit=limit,
        projects=[OpenProject(**r) for r in rows],
    )


COLUMNS = [
    ("project_id", "项目编号"),
    ("title", "项目名称"),
    ("unit", "建设单位"),
    ("jurisdiction", "属地"),
    ("stage_label_zh", "阶段"),
    ("plan_year", "计划年度"),
    ("total_investment_fen", "申报总投资（元）"),
    ("approved_investment_fen", "批复投资（元）"),
    ("estimate_fen", "概算（元）"),
    ("contracted_fen", "合同金额（元）"),
    ("released_fen", "已拨付（元）"),
    ("cost_variance_pct", "成本偏差（%）"),
    ("schedule_variance_pct", "进度偏差（%）"),
    ("risk_label_zh", "风险评级"),
    ("approved_on", "立项日期"),
    ("accepted_on", "验收日期"),
]


@router.get("/projects.xlsx", response_class=Response, summary="公开数据 The same figures as a spreadsheet")
async def projects_xlsx(runtime: Runtime, jurisdiction: Jurisdiction) -> Response:
    chosen = _published(jurisdiction)
    from openpyxl import Workbook  # imported on the first download: ~29 MiB (numpy with it) catalog rarely needs

    rows, total = await _rows(runtime, chosen, limit=XLSX_CAP, offset=0)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("项目")
    sheet.append([title for _, title in COLUMNS])
    for row in rows:
        sheet.append([_cell(key, row[key]) for key, _ in COLUMNS])
    about = book.create_sheet("说明")
    about.append(["许可", LICENCE["name"], LICENCE["url"]])
    about.append(["署名", LICENCE["attribution_zh"]])
    about.append(["字段说明", "docs/open-data.md；JSON Schema：/api/catalog/open-data/schema.json"])
    about.append(["生成时间", clock.now().isoformat()])
    about.append(["项目数", total, f"本表 {len(rows)} 行（上限 {XLSX_CAP}）"])
    out = BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        media_type=XLSX,
        headers={"content-disposition": f'attachment; filename="govproj-open-data-{chosen}.xlsx"'},
    )


def _cell(key: str, value: Any) -> Any:
    if key.endswith("_fen") and value is not None:
        return Decimal(value) / 100  # 元
    return value
