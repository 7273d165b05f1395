"""Routes publishing procurement as OCDS 1.1 release and record packages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request

from services.procurement import ocds, queries
from services.procurement.api.common import Readers, router, scope
from services.procurement.ocds.bundle import bundle_of
from shared import clock
from shared.auth import Principal
from shared.errors import Problem
from shared.limits import Filter
from shared.pagination import IdCursor
from shared.service import Runtime

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
