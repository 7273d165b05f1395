"""Routes of the periodic reports (定期报告) as JSON and as a downloadable spreadsheet."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.catalog.api.common import PREFIX
from services.catalog.reports import domain, handlers, spreadsheet
from shared import clock, memory
from shared.auth import Principal, Role, require
from shared.errors import bad_request
from shared.limits import FILTER_MAX, Filter
from shared.policy import packs
from shared.service import Runtime, ServiceRuntime

router = APIRouter(prefix=PREFIX, tags=["reports 定期报告"])

ReportReaders = require(
    Role.DATA_BUREAU, Role.FINANCE, Role.DRC, Role.AUDIT, Role.LEADING_OFFICE, Role.PLATFORM, Role.MAYOR
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(period: str | None, kind: str) -> domain.Period:
    if period is None:
        if kind not in domain.KINDS:
            raise bad_request(f"kind must be one of {', '.join(domain.KINDS)}", field="kind")
        return domain.current(kind, clock.today())
    try:
        return domain.parse(period)
    except ValueError as error:
        raise bad_request(str(error), field="period") from None


async def _report(runtime: ServiceRuntime, period: domain.Period, jurisdiction: str | None) -> dict[str, Any]:
    if jurisdiction is not None:
        packs.get(jurisdiction)  # an unknown jurisdiction is a 422 problem naming the field
    # on the read pool: a report (a year of a province) must never take the connections writes need
    async with runtime.reading() as uow:
        return await handlers.build(uow, period, jurisdiction)


@router.get("/reports", summary="A periodic report (month YYYY-MM, quarter YYYY-Qn, half-year YYYY-Hn, year YYYY)")
async def report(
    runtime: Runtime,
    principal: Annotated[Principal, ReportReaders],
    period: str | None = Query(default=None, max_length=FILTER_MAX, description="e.g. 2026-03, 2026-Q1, 2026-H1, 2026"),
    kind: str = Query(
        default="month", max_length=FILTER_MAX, description="the current period of this kind when `period` is absent"
    ),
    jurisdiction: Filter = None,
) -> dict[str, Any]:
    return await _report(runtime, _period(period, kind), jurisdiction)


@router.get("/reports.xlsx", summary="The same report as a spreadsheet", response_class=Response)
async def report_xlsx(
    runtime: Runtime,
    principal: Annotated[Principal, ReportReaders],
    period: Filter = None,
    kind: str = Query(default="month", max_length=FILTER_MAX),
    jurisdiction: Filter = None,
) -> Response:
    chosen = _period(period, kind)
    content = spreadsheet.render(await _report(runtime, chosen, jurisdiction))
    name = f"govproj-report-{chosen.label}-{jurisdiction or 'all'}.xlsx"
    return memory.after(
        Response(content, media_type=XLSX, headers={"content-disposition": f'attachment; filename="{name}"'})
    )
